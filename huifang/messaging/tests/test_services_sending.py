import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from huifang.messaging.backends import backend_for
from huifang.messaging.backends.http_gateway import HttpGatewayBackend
from huifang.messaging.models import Message, MessageTemplate, OptOut
from huifang.messaging.services.eligibility import quiet_hours_until
from huifang.messaging.services.sending import message_enqueue, messages_send_due
from huifang.messaging.tests.conftest import MORNING, SHANGHAI
from huifang.patients.models import PhoneNumber
from huifang.patients.services import patient_update, phone_set_status
from huifang.testing.factories import DiagnosisFactory

pytestmark = pytest.mark.django_db


def _queue(patient, template, key="k1", **fields):
    message, _ = message_enqueue(key=key, patient=patient, template=template, **fields)
    return message


class TestSending:
    def test_it_sends_the_rendered_text_to_the_patients_mobile(
        self, morning, outbox, patient_medicine, reminder
    ):
        message = _queue(patient_medicine, reminder, context={"department": "内科"})
        assert messages_send_due(channel="sms")["sent"] == 1
        message.refresh_from_db()
        assert message.status == Message.Status.SENT
        assert message.body.startswith("【示范人民医院】张先生您好")
        assert "内科" in message.body
        written = json.loads((outbox / "k1.json").read_text(encoding="utf-8"))
        assert written["to"] == "+8613812345678"
        assert message.segments == 1

    def test_it_queues_a_key_only_once(self, morning, outbox, patient_medicine, reminder):
        _queue(patient_medicine, reminder)
        _again, created = message_enqueue(key="k1", patient=patient_medicine, template=reminder)
        assert not created
        assert Message.objects.count() == 1

    def test_it_waits_for_not_before(self, morning, outbox, patient_medicine, reminder):
        _queue(patient_medicine, reminder, not_before=MORNING + datetime.timedelta(hours=1))
        assert messages_send_due(channel="sms").get("sent", 0) == 0


class TestSkipReasons:
    def _send_and_reason(self, message):
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert message.status == Message.Status.SKIPPED
        return message.skip_reason

    def test_it_skips_a_deceased_patient(self, morning, outbox, patient_medicine, greeting):
        message = _queue(patient_medicine, greeting)
        patient_update(
            actor=None, patient=patient_medicine, deceased_on=datetime.date(2026, 11, 20)
        )
        assert self._send_and_reason(message) == "deceased"
        assert not outbox.exists()

    def test_it_skips_a_patient_who_refused_sms(self, morning, outbox, patient_medicine, reminder):
        message = _queue(patient_medicine, reminder)
        patient_update(actor=None, patient=patient_medicine, do_not_contact=["sms"])
        assert self._send_and_reason(message) == "opted_out"

    def test_it_skips_a_category_the_patient_opted_out_of(
        self, morning, outbox, patient_medicine, greeting
    ):
        message = _queue(patient_medicine, greeting)
        OptOut.objects.create(
            patient=patient_medicine, channel="sms", category="greeting", source="staff"
        )
        assert self._send_and_reason(message) == "opted_out"

    def test_it_skips_when_no_mobile_is_usable(self, morning, outbox, patient_medicine, reminder):
        message = _queue(patient_medicine, reminder)
        for phone in patient_medicine.phones.all():
            phone_set_status(actor=None, phone=phone, status=PhoneNumber.Status.SUSPENDED)
        assert self._send_and_reason(message) == "no_number"

    def test_it_does_not_text_a_landline(self, morning, outbox, patient_medicine, reminder):
        patient_medicine.phones.filter(line_type="mobile").delete()
        message = _queue(patient_medicine, reminder)
        assert self._send_and_reason(message) == "no_number"

    def test_it_skips_beyond_the_weekly_cap(
        self, settings, morning, outbox, patient_medicine, greeting
    ):
        settings.HUIFANG_MESSAGE_WEEKLY_CAP = 2
        for n in range(3):
            _queue(patient_medicine, greeting, key=f"g{n}")
        messages_send_due(channel="sms")
        statuses = list(Message.objects.order_by("id").values_list("status", "skip_reason"))
        assert statuses == [("sent", ""), ("sent", ""), ("skipped", "weekly_cap")]

    def test_it_never_holds_back_a_clinical_reminder_for_the_weekly_cap(
        self, settings, morning, outbox, patient_medicine, reminder
    ):
        settings.HUIFANG_MESSAGE_WEEKLY_CAP = 0
        message = _queue(patient_medicine, reminder)
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert message.status == "sent"

    def test_it_skips_a_text_that_would_name_a_sensitive_diagnosis(
        self, morning, outbox, patient_medicine
    ):
        education = MessageTemplate.objects.create(
            code="edu-dx", name="edu", channel="sms", category="education", body="{diagnosis}须知"
        )
        DiagnosisFactory(encounter=patient_medicine.encounters.first(), code="C34.9", name="肺癌")
        message = _queue(
            patient_medicine,
            education,
            context={"diagnosis": "肺癌", "diagnosis_sensitive": True},
        )
        assert self._send_and_reason(message) == "sensitive"


class TestQuietHours:
    @pytest.mark.parametrize(
        ("hour", "minute", "quiet"),
        [
            (20, 59, False),
            (21, 0, True),
            (23, 59, True),
            (0, 30, True),
            (7, 59, True),
            (8, 0, False),
        ],
    )
    def test_it_holds_sms_from_21_to_8_across_midnight(self, hour, minute, quiet):
        moment = datetime.datetime(2026, 11, 24, hour, minute, tzinfo=SHANGHAI)
        until = quiet_hours_until(moment)
        assert (until is not None) == quiet
        if quiet:
            assert timezone.localtime(until).time() == datetime.time(8, 0)
            assert until > moment

    def test_it_sends_what_waited_overnight_in_the_morning(
        self, outbox, patient_medicine, reminder
    ):
        evening = datetime.datetime(2026, 11, 24, 22, 15, tzinfo=SHANGHAI)
        with time_machine.travel(evening, tick=False) as traveller:
            message = _queue(patient_medicine, reminder)
            assert messages_send_due(channel="sms").get("quiet_hours") == 1
            traveller.move_to(datetime.datetime(2026, 11, 25, 2, 0, tzinfo=SHANGHAI))
            assert messages_send_due(channel="sms").get("sent", 0) == 0
            traveller.move_to(datetime.datetime(2026, 11, 25, 8, 1, tzinfo=SHANGHAI))
            assert messages_send_due(channel="sms")["sent"] == 1
        message.refresh_from_db()
        assert message.status == "sent"

    def test_it_lets_e_mail_go_at_night(self, outbox, patient_medicine, settings):
        from huifang.messaging.models import EmailAddress

        EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
        template = MessageTemplate.objects.create(
            code="mail",
            name="mail",
            channel="email",
            category="clinical",
            subject="复查",
            body="请复查",
        )
        with time_machine.travel(datetime.datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI)):
            _queue(patient_medicine, template)
            assert messages_send_due(channel="email")["sent"] == 1


class _KilledAfterSending(Exception):
    pass


class _DiesAfterSend(HttpGatewayBackend):
    """Sends, then the worker "dies" before recording anything."""

    def send(self, outgoing):
        super().send(outgoing)
        raise _KilledAfterSending


class TestIdempotency:
    def test_it_resends_an_interrupted_message_and_the_gateway_keeps_one(
        self, settings, morning, gateway, patient_medicine, reminder
    ):
        message = _queue(patient_medicine, reminder)
        dying = _DiesAfterSend(name="sms", url=gateway.url, secret="gateway-secret")
        with pytest.raises(_KilledAfterSending):
            messages_send_due(channel="sms", backend=dying)
        message.refresh_from_db()
        assert message.status == "sending"
        # Before the lease runs out nobody else takes it.
        assert messages_send_due(channel="sms").get("sent", 0) == 0
        morning.shift(datetime.timedelta(seconds=settings.HUIFANG_MESSAGE_LEASE_SECONDS + 1))
        counts = messages_send_due(channel="sms")
        assert counts["recovered"] == 1
        assert counts["sent"] == 1
        message.refresh_from_db()
        assert message.status == "sent"
        assert len(gateway.accepted) == 1
        assert gateway.requests[message.key] == 2  # the resend was recognised, not delivered

    def test_it_does_not_resend_through_a_backend_that_cannot_deduplicate(
        self, settings, morning, outbox, patient_medicine, reminder
    ):
        from huifang.messaging.backends.console import ConsoleBackend

        class DyingConsole(ConsoleBackend):
            def send(self, outgoing):
                raise _KilledAfterSending

        message = _queue(patient_medicine, reminder)
        with pytest.raises(_KilledAfterSending):
            messages_send_due(channel="sms", backend=DyingConsole(name="console"))
        morning.shift(datetime.timedelta(seconds=settings.HUIFANG_MESSAGE_LEASE_SECONDS + 1))
        import io

        stream = io.StringIO()
        messages_send_due(channel="sms", backend=ConsoleBackend(name="console", stream=stream))
        message.refresh_from_db()
        assert message.status == "failed"
        assert "interrupted" in message.error
        assert stream.getvalue() == ""

    def test_it_waits_a_minute_when_the_gateway_is_busy(
        self, morning, gateway, patient_medicine, reminder
    ):
        message = _queue(patient_medicine, reminder)
        gateway.fail_next = 1
        assert messages_send_due(channel="sms")["retry_later"] == 1
        message.refresh_from_db()
        assert message.status == "queued"
        assert message.not_before == MORNING + datetime.timedelta(minutes=1)
        morning.shift(datetime.timedelta(minutes=1))
        assert messages_send_due(channel="sms")["sent"] == 1

    def test_it_fails_a_message_the_gateway_refuses(
        self, settings, morning, patient_medicine, reminder
    ):
        from huifang.messaging.testing import GatewayServer

        with GatewayServer("the-gateways-own-secret") as other:
            backend = HttpGatewayBackend(name="sms", url=other.url, secret="a-wrong-secret")
            message = _queue(patient_medicine, reminder)
            assert messages_send_due(channel="sms", backend=backend)["failed"] == 1
            assert other.rejected == 1 and not other.accepted
        message.refresh_from_db()
        assert message.status == "failed"


class TestRateLimit:
    def test_it_sends_no_more_than_the_backends_rate_at_once(
        self, settings, morning, gateway, patient_medicine, reminder
    ):
        settings.HUIFANG_MESSAGE_BACKENDS["sms"]["RATE"] = 2
        for n in range(5):
            _queue(patient_medicine, reminder, key=f"r{n}")
        first = messages_send_due(channel="sms")
        assert first["sent"] == 2 and first["rate_limited"] == 1
        assert messages_send_due(channel="sms").get("sent", 0) == 0  # same instant: bucket empty
        morning.shift(datetime.timedelta(seconds=1))
        assert messages_send_due(channel="sms")["sent"] == 2
        assert backend_for("sms").name == "sms"
