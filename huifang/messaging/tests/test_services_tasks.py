import pytest

from huifang.followups.models import FollowUpTask
from huifang.messaging.models import Message
from huifang.messaging.services.sending import messages_send_due
from huifang.messaging.services.tasks import call_us_back_enqueue, task_messages_enqueue
from huifang.patients.services import patient_update
from huifang.surveys.models import Dispatch
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db


def _sms_task(patient, **touchpoint_fields):
    touchpoint = make_touchpoint(code="sms", channel="sms", **touchpoint_fields)
    return make_task(patient, touchpoint=touchpoint)


class TestSmsTouchpoints:
    def test_it_sends_the_reminder_and_closes_the_task(self, morning, outbox, patient_medicine):
        task = _sms_task(patient_medicine)
        assert task_messages_enqueue() == 1
        assert task_messages_enqueue() == 0  # once per task
        messages_send_due(channel="sms")
        message = Message.objects.get(task=task)
        assert message.status == "sent"
        assert "心血管内科病区" in message.body and "11月10日" in message.body
        task.refresh_from_db()
        assert task.status == FollowUpTask.Status.DONE

    def test_a_survey_touchpoint_sends_the_questionnaire_link(
        self, settings, morning, outbox, patient_medicine
    ):
        settings.HUIFANG_BASE_URL = "https://fw.hospital.example"
        task = _sms_task(patient_medicine, questionnaire_code="inpatient-discharge")
        task_messages_enqueue()
        messages_send_due(channel="sms")
        message = Message.objects.get(task=task)
        assert "https://fw.hospital.example/s/" in message.body
        assert Dispatch.objects.get(task=task).channel == "sms"

    def test_a_survey_invitation_never_sent_leaves_no_dispatch_to_count(
        self, morning, outbox, patient_medicine
    ):
        task = _sms_task(patient_medicine, questionnaire_code="inpatient-discharge")
        task_messages_enqueue()
        assert Dispatch.objects.filter(task=task).exists()
        patient_medicine.phones.filter(owner="self").update(status="invalid")
        messages_send_due(channel="sms")
        assert Message.objects.get(task=task).skip_reason == "no_number"
        assert not Dispatch.objects.filter(task=task).exists()  # the response rate ignores it

    def test_it_cancels_the_task_of_a_deceased_patient_with_the_reason(
        self, morning, outbox, patient_medicine
    ):
        task = _sms_task(patient_medicine)
        task_messages_enqueue()
        patient_update(
            actor=None,
            patient=patient_medicine,
            deceased_on=patient_medicine.encounters.get().discharged_on,
        )
        messages_send_due(channel="sms")
        task.refresh_from_db()
        assert task.status == FollowUpTask.Status.CANCELLED
        assert "deceased" in task.closed_reason


class TestCallUsBack:
    def test_it_texts_once_after_the_configured_failed_calls(
        self, settings, morning, outbox, patient_medicine
    ):
        settings.HUIFANG_HOTLINE = "010-88889999"
        task = make_task(patient_medicine)
        task.attempts = 2
        assert call_us_back_enqueue(task=task) is None
        task.attempts = 3
        message = call_us_back_enqueue(task=task)
        assert call_us_back_enqueue(task=task) == message
        messages_send_due(channel="sms")
        message.refresh_from_db()
        assert message.status == "sent" and "010-88889999" in message.body

    def test_it_can_be_turned_off(self, settings, patient_medicine):
        settings.HUIFANG_CALL_US_BACK_AFTER = 0
        task = make_task(patient_medicine)
        task.attempts = 9
        assert call_us_back_enqueue(task=task) is None

    def test_it_follows_a_failed_call_recorded_on_the_workbench(
        self, settings, morning, personas, patient_medicine
    ):
        from django.utils import timezone

        from huifang.followups.models import Outcome
        from huifang.followups.services.claims import task_claim
        from huifang.followups.services.outcomes import attempt_record

        settings.HUIFANG_CALL_US_BACK_AFTER = 1
        task = make_task(patient_medicine)
        no_answer = Outcome.objects.filter(category="not_reached", ends_task=False).first()
        task_claim(agent=personas["agent"], task=task)
        attempt_record(agent=personas["agent"], task=task, outcome=no_answer, at=timezone.now())
        assert Message.objects.filter(key=f"call-us-back:{task.pk}").exists()
