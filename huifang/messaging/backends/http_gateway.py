"""A generic HTTP SMS gateway: JSON POST, HMAC-signed, field names configurable.

Request: ``POST <url>`` with ``{fields.to: number, fields.text: text,
fields.id: key}`` and headers ``Idempotency-Key: <key>``,
``X-Huifang-Timestamp: <unix seconds>``, ``X-Huifang-Signature:
sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``. The gateway answers
2xx with ``{fields.response_id: "<its id>"}`` and must treat a repeated
Idempotency-Key as the same message (so a resend after a crash is safe).
The same signature scheme protects the receipt and reply webhooks.
"""

import hashlib
import hmac
import http.client
import json
import socket
import time
from urllib.parse import urlsplit

from huifang.messaging.backends.base import BaseBackend, Outgoing, SendError, SendResult

SIGNATURE_HEADER = "X-Huifang-Signature"
TIMESTAMP_HEADER = "X-Huifang-Timestamp"
DEFAULT_FIELDS = {"to": "to", "text": "text", "id": "id", "response_id": "id"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(
    secret: str, timestamp: str, body: bytes, signature: str, *, max_age: int = 300, now=None
) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp`` and the timestamp is recent."""
    if not secret or not timestamp or not signature:
        return False
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    if age > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class HttpGatewayBackend(BaseBackend):
    idempotent = True

    def __init__(
        self, *, name: str, url: str, secret: str, fields: dict | None = None, timeout=10, **options
    ):
        super().__init__(name=name, **options)
        parts = urlsplit(url)
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.path = parts.path or "/"
        self.secret = secret
        self.fields = {**DEFAULT_FIELDS, **(fields or {})}
        self.timeout = float(timeout)
        self.connection: http.client.HTTPConnection | None = None

    def open(self) -> None:
        if self.connection is None:
            cls = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            self.connection = cls(self.netloc, timeout=self.timeout)
            self.connection.connect()
            # http.client writes headers and body separately: without this, Nagle's
            # algorithm and delayed ACKs cost ~40 ms per message.
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _post(self, body: bytes, headers: dict) -> tuple[int, bytes]:
        for attempt in range(2):  # a kept-alive connection the server closed: reconnect once
            try:
                self.open()
                self.connection.request("POST", self.path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt:
                    raise SendError(f"gateway unreachable: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    def send(self, outgoing: Outgoing) -> SendResult:
        payload = {
            self.fields["to"]: outgoing.to,
            self.fields["text"]: outgoing.body,
            self.fields["id"]: outgoing.key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": outgoing.key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        status, content = self._post(body, headers)
        if 400 <= status < 500:
            raise SendError(f"gateway rejected the message ({status})", permanent=True)
        if status >= 300:
            raise SendError(f"gateway error ({status})")
        try:
            answer = json.loads(content or b"{}")
        except ValueError as exc:
            raise SendError("gateway answered with something other than JSON") from exc
        return SendResult(provider_id=str(answer.get(self.fields["response_id"]) or outgoing.key))
