import base64
import hashlib
import hmac
import json
import socket
from email.header import decode_header, make_header
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from huifang.messaging.backends import Outgoing, SendError
from huifang.messaging.backends.aliyun import AliyunSmsBackend
from huifang.messaging.backends.http_gateway import HttpGatewayBackend, sign, signature_valid
from huifang.messaging.backends.outbox import OutboxBackend
from huifang.messaging.backends.smtp import SmtpBackend
from huifang.messaging.models import EmailAddress, Message, MessageTemplate
from huifang.messaging.services.sending import message_enqueue, messages_send_due
from huifang.messaging.testing import GatewayServer


class _Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port on loopback for the real server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


class TestSmtp:
    @pytest.mark.django_db
    def test_it_delivers_an_email_over_real_smtp(
        self, settings, morning, smtp_server, patient_medicine
    ):
        controller, inbox = smtp_server
        settings.HUIFANG_MESSAGE_BACKENDS = {
            **settings.HUIFANG_MESSAGE_BACKENDS,
            "email": {
                "BACKEND": "huifang.messaging.backends.smtp.SmtpBackend",
                "RATE": 0,
                "OPTIONS": {
                    "host": controller.hostname,
                    "port": controller.port,
                    "from_address": "followup@hospital.example",
                },
            },
        }
        EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
        template = MessageTemplate.objects.create(
            code="mail-reminder",
            name="复查提醒邮件",
            channel="email",
            category="clinical",
            subject="{hospital}复查提醒",
            body="{patient}您好，请按时复查。",
        )
        message, _ = message_enqueue(key="mail:1", patient=patient_medicine, template=template)
        assert messages_send_due(channel="email")["sent"] == 1
        assert len(inbox.messages) == 1
        received = inbox.messages[0]
        assert received["To"] == "zhang@example.com"
        assert str(make_header(decode_header(received["Subject"]))) == "示范人民医院复查提醒"
        assert "张先生您好" in received.get_payload(decode=True).decode()
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.provider_id == received["Message-ID"]

    def test_it_reports_an_unreachable_server_as_worth_retrying(self):
        backend = SmtpBackend(name="email", host="127.0.0.1", port=1, timeout=2)
        with pytest.raises(SendError) as caught:
            backend.send(Outgoing(key="k", to="a@example.com", body="x", subject="s"))
        assert not caught.value.permanent


class TestHttpGateway:
    def test_it_maps_the_fields_the_gateway_expects(self):
        with GatewayServer("s3cret") as gateway:
            backend = HttpGatewayBackend(
                name="sms",
                url=gateway.url,
                secret="s3cret",
                fields={"to": "mobile", "text": "content", "id": "client_ref"},
            )
            result = backend.send(Outgoing(key="abc", to="+8613812345678", body="您好"))
            backend.close()
        assert gateway.accepted["abc"] == {
            "mobile": "+8613812345678",
            "content": "您好",
            "client_ref": "abc",
        }
        assert result.provider_id == "gw-1"

    def test_it_rejects_a_stale_or_forged_signature(self):
        body = b'{"a": 1}'
        now = 1_800_000_000
        good = sign("k", str(now), body)
        assert signature_valid("k", str(now), body, good, now=now)
        assert not signature_valid("k", str(now), body + b" ", good, now=now)
        assert not signature_valid("other", str(now), body, good, now=now)
        assert not signature_valid("k", str(now), body, good, now=now + 301)
        assert not signature_valid("k", "", body, good, now=now)


class TestAliyun:
    def test_it_sends_the_template_code_signature_name_and_a_valid_signature(self):
        with GatewayServer() as server:
            backend = AliyunSmsBackend(
                name="sms",
                access_key_id="LTAI-test",
                access_key_secret="aliyun-secret",
                sign_name="示范人民医院",
                url=server.url.replace("/send", "/aliyun"),
            )
            result = backend.send(
                Outgoing(
                    key="task:7",
                    to="+8613812345678",
                    body="ignored by the cloud service",
                    template_code="SMS_123456",
                    params={"patient": "张先生"},
                )
            )
            backend.close()
        (params,) = server.aliyun_requests
        assert result.provider_id == "biz-1"
        assert params["TemplateCode"] == "SMS_123456"
        assert params["SignName"] == "示范人民医院"
        assert params["PhoneNumbers"] == "13812345678"
        assert json.loads(params["TemplateParam"]) == {"patient": "张先生"}
        assert params["OutId"] == "task:7"
        signature = params.pop("Signature")
        canonical = "&".join(
            f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params)
        )
        to_sign = "POST&%2F&" + quote(canonical, safe="~")
        expected = base64.b64encode(
            hmac.new(b"aliyun-secret&", to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        assert signature == expected

    def test_it_refuses_a_template_without_a_provider_code(self):
        backend = AliyunSmsBackend(
            name="sms", access_key_id="a", access_key_secret="b", sign_name="c"
        )
        with pytest.raises(SendError) as caught:
            backend.request_params(Outgoing(key="k", to="+8613812345678", body="x"))
        assert caught.value.permanent


def test_it_keeps_one_outbox_file_per_key(tmp_path):
    backend = OutboxBackend(name="sms", directory=str(tmp_path))
    for _ in range(2):
        backend.send(Outgoing(key="campaign:1:2", to="+8613812345678", body="您好"))
    assert [p.name for p in tmp_path.iterdir()] == ["campaign_1_2.json"]
