"""The periodic job: a reminder before the deadline, the overdue case escalated to the office."""

import pytest
import time_machine

from huifang.core.models import JobRun
from huifang.feedback import services, tasks
from huifang.feedback.models import Case, Notification
from huifang.feedback.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_department(monday, personas, departments, complaint):
    # Monday 16 Nov → five working days → due by the end of Mon 23 Nov.
    Case.objects.filter(pk=complaint.pk).update(created_at=at(2026, 11, 16, 9, 0))
    return services.case_triage(
        actor=personas["manager"],
        case=complaint,
        departments=[departments["medicine"]],
        forward=True,
    )


def kinds_for(user, case):
    return sorted(
        Notification.objects.filter(recipient=user, case=case).values_list("kind", flat=True)
    )


def test_the_department_is_reminded_once_the_day_before(personas, with_department):
    case = with_department
    assert case.deadline_at == at(2026, 11, 24)

    with time_machine.travel(at(2026, 11, 20, 12, 0), tick=False):
        tasks.deadlines_periodic()
    assert kinds_for(personas["head_medicine"], case) == ["assigned"]

    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        tasks.deadlines_periodic()
        tasks.deadlines_periodic()

    assert kinds_for(personas["head_medicine"], case) == ["assigned", "reminder"]
    assert kinds_for(personas["head_surgery"], case) == []
    assert case.events.last().action == "reminded"
    assert JobRun.objects.filter(name="feedback.deadlines", status="succeeded").count() == 3


def test_an_overdue_case_is_escalated_to_the_manager_and_the_quality_office(
    personas, with_department
):
    case = with_department

    with time_machine.travel(at(2026, 11, 24, 0, 15), tick=False):
        tasks.deadlines_periodic()
        tasks.deadlines_periodic()

    case.refresh_from_db()
    assert case.overdue_escalated_at is not None
    assert case.status == Case.Status.WITH_DEPARTMENT  # the department may still answer
    assert "overdue" in kinds_for(personas["manager"], case)
    assert kinds_for(personas["quality"], case) == ["overdue"]
    assert "overdue" in kinds_for(personas["head_medicine"], case)
    assert list(case.events.filter(action="overdue").values_list("action", flat=True)) == [
        "overdue"
    ]


def test_an_answer_after_the_deadline_is_kept_as_late(personas, with_department):
    with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
        case = services.case_answer(
            actor=personas["head_medicine"],
            case=with_department,
            reply="已致歉",
            cause="沟通不足",
            rectification="培训",
        )

    assert case.answered_late
    assert case.events.last().data["late"] is True
