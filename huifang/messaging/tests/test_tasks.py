import io

import pytest
from django.core.management import call_command

from huifang.messaging.models import Message
from huifang.messaging.services.sending import message_enqueue
from huifang.messaging.tasks import send_due
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db


def test_the_periodic_job_sends_due_tasks_and_messages(morning, outbox, patient_medicine):
    task = make_task(patient_medicine, touchpoint=make_touchpoint(code="sms", channel="sms"))
    summary = send_due.call_local()
    assert summary["tasks_queued"] == 1
    assert summary["sms"]["sent"] == 1
    assert Message.objects.get(task=task).status == "sent"


def test_the_sender_command_stops_when_idle(morning, outbox, patient_medicine, greeting):
    message, _ = message_enqueue(key="g", patient=patient_medicine, template=greeting)
    call_command("send-messages", "--until-idle", "--channel", "sms", stdout=io.StringIO())
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_periodic_job_sends_due_web_surveys(morning, outbox, patient_medicine):
    touchpoint = make_touchpoint(
        code="satisfaction", channel="web", questionnaire_code="inpatient-satisfaction"
    )
    task = make_task(patient_medicine, touchpoint=touchpoint, phone=None)
    summary = send_due.call_local()
    assert summary["web_surveys"] == {"queued": 1, "fallback": 0}
    assert Message.objects.get(task=task).status == "sent"
    task.refresh_from_db()
    assert task.status == "done"


def test_the_sender_command_sends_due_web_surveys(morning, outbox, patient_medicine):
    touchpoint = make_touchpoint(
        code="satisfaction", channel="web", questionnaire_code="inpatient-satisfaction"
    )
    task = make_task(patient_medicine, touchpoint=touchpoint, phone=None)
    call_command("send-messages", "--until-idle", stdout=io.StringIO())
    assert Message.objects.get(task=task).status == "sent"
