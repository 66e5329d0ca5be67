"""What one recorded call keeps: answers, education, red flags and complaints, all or nothing."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.core.errors import ApplicationError
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.testing.factories import make_task
from huifang.workflows import call_record

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)
AT = datetime.combine(FRIDAY, time(10, 30), tzinfo=SHANGHAI)


@pytest.fixture
def call(personas):
    def _call(task, code="reached_patient", **kwargs):
        with time_machine.travel(AT, tick=False):
            return call_record(
                task=task,
                outcome=Outcome.objects.get(code=code),
                agent=personas["agent"],
                at=AT,
                **kwargs,
            )

    return _call


def test_it_keeps_the_answers_education_and_handling_start(call, patient_medicine):
    task = make_task(patient_medicine)

    attempt = call(
        task,
        answers={"recovery": "good", "satisfaction": "satisfied"},
        education=["按时按量服药，不自行停药或减量"],
        education_note="低盐饮食",
        started_at=datetime.combine(FRIDAY, time(10, 24), tzinfo=SHANGHAI),
    )

    saved = ContactAttempt.objects.get(pk=attempt.pk)
    assert saved.answers == {"recovery": "good", "satisfaction": "satisfied"}
    assert saved.education == ["按时按量服药，不自行停药或减量"]
    assert saved.education_note == "低盐饮食"
    assert (saved.at - saved.started_at).total_seconds() == 6 * 60


def test_a_red_flag_opens_an_escalation_to_the_attending_department_due_in_hours(
    call, patient_medicine, settings
):
    settings.HUIFANG_ESCALATION_HOURS = 4
    task = make_task(patient_medicine)

    attempt = call(task, red_flag="出院后胸痛两天，活动后加重")

    case = Case.objects.get()
    assert case.kind == Case.Kind.ESCALATION
    assert case.department == task.encounter.department
    assert case.patient == patient_medicine
    assert case.attempt == attempt
    assert case.severity == Case.Severity.HIGH
    assert case.deadline_at == datetime.combine(FRIDAY, time(14, 30), tzinfo=SHANGHAI)
    assert ContactAttempt.objects.get(pk=attempt.pk).red_flag == "出院后胸痛两天，活动后加重"


def test_a_complaint_captured_on_the_call_is_due_in_five_working_days(call, patient_medicine):
    task = make_task(patient_medicine)

    call(
        task,
        feedback=[{"kind": "complaint", "category": "attitude", "description": "夜班护士态度生硬"}],
    )

    case = Case.objects.get()
    assert (case.kind, case.category, case.source) == ("complaint", "attitude", "agent")
    assert case.description == "夜班护士态度生硬"
    # Received Friday 13 Nov; days counted from Monday 16: 16, 17, 18, 19, 20 → end of Friday 20.
    assert case.deadline_at == datetime(2026, 11, 21, tzinfo=SHANGHAI)


def test_a_capture_that_does_not_validate_saves_nothing_of_the_call(call, patient_medicine):
    task = make_task(patient_medicine)

    with pytest.raises(ApplicationError) as error:
        call(task, feedback=[{"kind": "complaint", "category": "attitude", "description": " "}])

    assert error.value.code == "description_required"
    assert ContactAttempt.objects.count() == 0
    assert FollowUpTask.objects.get(pk=task.pk).status == "pending"
    assert Case.objects.count() == 0


def test_a_stale_version_is_refused_and_nothing_is_written(call, patient_medicine):
    task = make_task(patient_medicine)
    call(task, "no_answer")

    with pytest.raises(ApplicationError) as error:
        call(task, "reached_patient", expected_version=0, red_flag="头晕")

    assert error.value.code == "task_changed"
    assert error.value.status == 409
    assert ContactAttempt.objects.count() == 1
    assert Case.objects.count() == 0


def test_booking_a_callback_keeps_it_for_the_agent_who_booked_it(call, personas, patient_medicine):
    task = make_task(patient_medicine)

    call(
        task,
        "not_convenient",
        callback_at=datetime.combine(FRIDAY, time(19, 0), tzinfo=SHANGHAI),
    )

    saved = FollowUpTask.objects.get(pk=task.pk)
    assert saved.callback_by == personas["agent"]
    assert saved.next_attempt_at == datetime.combine(FRIDAY, time(19, 0), tzinfo=SHANGHAI)
