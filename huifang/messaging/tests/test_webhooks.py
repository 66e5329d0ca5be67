import json
import time

import pytest

from huifang.messaging.backends.http_gateway import sign
from huifang.messaging.models import InboundMessage, Message, OptOut
from huifang.messaging.services.sending import message_enqueue, messages_send_due
from huifang.patients.models import PhoneNumber

pytestmark = pytest.mark.django_db

SECRET = "gateway-secret"


def _post(client, name, payload, *, secret=SECRET, timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = timestamp or str(int(time.time()))
    return client.post(
        f"/messaging/hooks/{name}",
        data=body,
        content_type="application/json",
        headers={
            "X-Huifang-Timestamp": timestamp,
            "X-Huifang-Signature": sign(secret, timestamp, body),
        },
    )


@pytest.fixture
def sent_message(morning, gateway, patient_medicine, reminder):
    message, _ = message_enqueue(key="k1", patient=patient_medicine, template=reminder)
    messages_send_due(channel="sms")
    message.refresh_from_db()
    assert message.status == "sent"
    return message


class TestReceipts:
    def test_it_marks_the_message_delivered(self, client, sent_message):
        response = _post(client, "receipt", {"id": sent_message.provider_id, "status": "delivered"})
        assert response.status_code == 200
        sent_message.refresh_from_db()
        assert sent_message.status == Message.Status.DELIVERED
        assert sent_message.delivered_at is not None

    @pytest.mark.parametrize(
        ("code", "status"), [("EMPTY_NUMBER", "invalid"), ("停机", "suspended")]
    )
    def test_it_marks_a_number_that_does_not_work(self, client, sent_message, code, status):
        _post(
            client,
            "receipt",
            {"id": sent_message.provider_id, "status": "failed", "error_code": code},
        )
        sent_message.refresh_from_db()
        assert sent_message.status == Message.Status.FAILED
        phone = PhoneNumber.objects.get(pk=sent_message.phone_id)
        assert phone.status == status
        assert not phone.is_usable

    def test_it_rejects_a_wrong_signature(self, client, sent_message):
        response = _post(
            client,
            "receipt",
            {"id": sent_message.provider_id, "status": "delivered"},
            secret="guess",
        )
        assert response.status_code == 403
        sent_message.refresh_from_db()
        assert sent_message.status == Message.Status.SENT

    def test_it_rejects_an_old_replayed_receipt(self, client, sent_message):
        old = str(int(time.time()) - 3600)
        response = _post(
            client,
            "receipt",
            {"id": sent_message.provider_id, "status": "delivered"},
            timestamp=old,
        )
        assert response.status_code == 403

    def test_it_rejects_an_unsigned_request(self, client, sent_message):
        response = client.post(
            "/messaging/hooks/receipt",
            data={"id": sent_message.provider_id, "status": "delivered"},
            content_type="application/json",
        )
        assert response.status_code == 403

    def test_it_answers_an_unknown_status_with_an_error(self, client, sent_message):
        response = _post(client, "receipt", {"id": sent_message.provider_id, "status": "maybe"})
        assert response.status_code == 400
        assert response.json()["code"] == "unknown_receipt_status"


class TestInboundReplies:
    @pytest.mark.parametrize("word", ["TD", "td", "退订", " STOP "])
    def test_it_opts_the_sender_out_of_marketing(self, client, morning, patient_medicine, word):
        response = _post(client, "inbound", {"from": "13812345678", "text": word})
        assert response.json() == {"ok": True, "opt_out": True}
        assert OptOut.objects.filter(
            patient=patient_medicine, channel="sms", category="marketing", source="reply"
        ).exists()

    def test_it_keeps_an_ordinary_reply_without_opting_out(self, client, morning, patient_medicine):
        _post(client, "inbound", {"from": "+8613812345678", "text": "谢谢，恢复得很好"})
        reply = InboundMessage.objects.get()
        assert not reply.is_opt_out
        assert reply.phone.patient == patient_medicine
        assert not OptOut.objects.exists()

    def test_it_rejects_a_forged_td(self, client, morning, patient_medicine):
        response = _post(client, "inbound", {"from": "13812345678", "text": "TD"}, secret="guess")
        assert response.status_code == 403
        assert not OptOut.objects.exists()

    def test_a_td_stops_the_next_greeting(
        self, client, morning, outbox, patient_medicine, greeting
    ):
        message, _ = message_enqueue(key="g1", patient=patient_medicine, template=greeting)
        _post(client, "inbound", {"from": "13812345678", "text": "TD"})
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert (message.status, message.skip_reason) == ("skipped", "opted_out")

    def test_clinical_reminders_continue_after_a_td_when_the_policy_says_so(
        self, client, morning, outbox, patient_medicine, reminder
    ):
        message, _ = message_enqueue(key="r1", patient=patient_medicine, template=reminder)
        _post(client, "inbound", {"from": "13812345678", "text": "退订"})
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert message.status == "sent"

    def test_clinical_reminders_stop_after_a_td_when_the_policy_says_so(
        self, settings, client, morning, outbox, patient_medicine, reminder
    ):
        settings.HUIFANG_CLINICAL_AFTER_MARKETING_OPT_OUT = False
        message, _ = message_enqueue(key="r1", patient=patient_medicine, template=reminder)
        _post(client, "inbound", {"from": "13812345678", "text": "退订"})
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert (message.status, message.skip_reason) == ("skipped", "opted_out")
