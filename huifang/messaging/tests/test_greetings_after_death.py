"""A patient whose death an agent recorded on a call never receives another greeting.

The greeting was queued before the call (a holiday campaign scheduled ahead);
the death is recorded through the workbench's outcome "患者已故"; at send time
the messaging path asks the patients' contact rule and skips the message.
"""

import datetime

import pytest
from django.utils import timezone

from huifang.followups.models import Outcome
from huifang.followups.services.outcomes import attempt_record
from huifang.messaging.models import Message
from huifang.messaging.selectors import Cohort
from huifang.messaging.services.campaigns import campaign_create, campaign_start
from huifang.messaging.services.sending import messages_send_due
from huifang.testing.factories import make_task

pytestmark = pytest.mark.django_db


def test_a_patient_recorded_deceased_on_a_call_gets_no_greeting(
    personas, morning, outbox, greeting, patient_medicine, patient_surgery
):
    manager = personas["manager"]
    campaign = campaign_start(
        actor=manager,
        campaign=campaign_create(
            actor=manager, name="冬至问候", template=greeting, cohort=Cohort(departments=["HQ"])
        ),
    )
    task = make_task(
        patient_medicine,
        due_from=datetime.date(2026, 11, 24),
        due_until=datetime.date(2026, 11, 27),
    )

    attempt_record(
        task=task,
        outcome=Outcome.objects.get(patient_effect=Outcome.PatientEffect.DECEASED),
        agent=personas["agent"],
        at=timezone.now(),
        note="家属告知患者已去世",
    )
    messages_send_due(channel="sms")
    messages_send_due(channel="sms")

    to_deceased = Message.objects.get(campaign=campaign, patient=patient_medicine)
    assert to_deceased.status == Message.Status.SKIPPED
    assert to_deceased.skip_reason == Message.SkipReason.DECEASED
    assert Message.objects.get(campaign=campaign, patient=patient_surgery).status == (
        Message.Status.SENT
    )
