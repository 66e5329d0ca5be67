"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi ``SendSms``): the Chinese cloud request shape.

Cloud SMS in China sends only pre-approved templates: the request carries
the template code (``TemplateCode``, from the template's "template code at
the SMS provider"), the approved signature name (``SignName``) and the
placeholders as JSON (``TemplateParam``) instead of the text. Requests are
signed with the RPC signature (HMAC-SHA1 over the sorted, percent-encoded
query, key ``<AccessKeySecret>&``). ``OutId`` carries our key; the service
does not de-duplicate on it, so this backend is not idempotent.
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from huifang.messaging.backends.base import Outgoing, SendError, SendResult
from huifang.messaging.backends.http_gateway import HttpGatewayBackend


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def rpc_signature(params: dict, secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(HttpGatewayBackend):
    idempotent = False

    def __init__(
        self,
        *,
        name: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        url: str = "https://dysmsapi.aliyuncs.com/",
        region: str = "cn-hangzhou",
        timeout=10,
        **options,
    ):
        super().__init__(name=name, url=url, secret=access_key_secret, timeout=timeout, **options)
        self.access_key_id = access_key_id
        self.sign_name = sign_name
        self.region = region

    def request_params(self, outgoing: Outgoing, *, now=None, nonce=None) -> dict:
        if not outgoing.template_code:
            raise SendError("the template has no code approved at the SMS provider", permanent=True)
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": outgoing.key,
            "PhoneNumbers": outgoing.to.removeprefix("+86"),
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": outgoing.template_code,
            "TemplateParam": json.dumps(outgoing.params, ensure_ascii=False),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = rpc_signature(params, self.secret)
        return params

    def send(self, outgoing: Outgoing) -> SendResult:
        body = urlencode(self.request_params(outgoing)).encode()
        status, content = self._post(
            body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        try:
            answer = json.loads(content or b"{}")
        except ValueError as exc:
            raise SendError("SMS service answered with something other than JSON") from exc
        if status >= 500:
            raise SendError(f"SMS service error ({status})")
        if answer.get("Code") != "OK":
            raise SendError(f"SMS service refused: {answer.get('Code')}", permanent=True)
        return SendResult(provider_id=str(answer.get("BizId") or outgoing.key))
