"""Answered → verifying: a verification call is queued; its answers close or reopen the case."""

import pytest
from django.utils import timezone

from huifang.feedback import services
from huifang.feedback.models import Case, Notification
from huifang.feedback.tests.conftest import VERIFICATION_ANSWERS, put
from huifang.followups.models import FollowUpTask
from huifang.surveys.selectors import questionnaire_active
from huifang.surveys.services import response_record

pytestmark = pytest.mark.django_db

S = Case.Status


@pytest.fixture
def answered(monday, personas, departments, complaint):
    services.case_triage(
        actor=personas["manager"],
        case=complaint,
        departments=[departments["medicine"]],
        forward=True,
    )
    return services.case_answer(
        actor=personas["head_medicine"],
        case=complaint,
        reply="已电话向患者致歉",
        cause="夜班人手紧张，沟通不耐心",
        rectification="科内通报，组织服务礼仪培训",
    )


def verifying(personas, case):
    return services.case_verification_start(actor=personas["manager"], case=case)


def answer_call(personas, case, verdict):
    case.refresh_from_db()
    return response_record(
        actor=personas["agent"],
        questionnaire=questionnaire_active("complaint-verification"),
        answers=VERIFICATION_ANSWERS[verdict],
        channel="phone",
        patient=case.patient,
        encounter=case.verification_task.encounter,
        task=case.verification_task,
    )


def test_a_verification_call_is_queued_for_the_patient(personas, answered, patient_medicine):
    case = verifying(personas, answered)

    task = FollowUpTask.objects.get(pk=case.verification_task_id)
    assert case.status == S.VERIFYING
    assert task.patient == patient_medicine
    assert (task.plan.code, task.touchpoint.questionnaire_code, task.channel) == (
        "complaint-verification",
        "complaint-verification",
        "phone",
    )
    assert task.status == "pending"
    assert task.phone.owner == "self"
    assert str(task.due_from) == "2026-11-17"  # the next working day
    assert "投诉建议处理核实" in task.reason["text"]


def test_the_patient_satisfied_closes_the_case(personas, answered):
    case = verifying(personas, answered)

    answer_call(personas, case, "satisfied")

    case.refresh_from_db()
    assert (case.status, case.verification_result) == (S.CLOSED, "satisfied")
    assert case.events.last().action == "verified"
    assert Case.objects.count() == 1  # no new complaint from the verification's answers


def test_partly_satisfied_closes_as_partly(personas, answered):
    case = verifying(personas, answered)

    answer_call(personas, case, "partly")

    case.refresh_from_db()
    assert (case.status, case.verification_result) == (S.CLOSED, "partly")
    assert case.events.last().note == "护士长没有回电"


def test_not_satisfied_reopens_once_then_escalates(personas, answered):
    case = verifying(personas, answered)

    answer_call(personas, case, "not_satisfied")

    case.refresh_from_db()
    assert (case.status, case.reopen_count) == (S.WITH_DEPARTMENT, 1)
    assert Case.objects.count() == 1
    assert Notification.objects.filter(
        recipient=personas["head_medicine"], case=case, kind="reopened"
    ).exists()

    services.case_answer(
        actor=personas["head_medicine"],
        case=case,
        reply="护士长已上门致歉",
        cause="首次处理未与患者沟通",
        rectification="专人跟进",
    )
    case = verifying(personas, case)
    assert case.verification_task.sequence == 1  # a second call for the same stay
    answer_call(personas, case, "not_satisfied")

    case.refresh_from_db()
    assert case.status == S.ESCALATED
    assert Notification.objects.filter(
        recipient=personas["quality"], case=case, kind="escalated"
    ).exists()


def test_an_anonymous_case_is_verified_by_hand(personas, departments, monday):
    case = services.case_create(
        actor=personas["manager"],
        kind=Case.Kind.SUGGESTION,
        source=Case.Source.HOTLINE,
        description="门诊热水不够",
        department=departments["medicine"],
    )
    case = put(case, S.ANSWERED)

    case = verifying(personas, case)

    assert case.status == S.VERIFYING
    assert case.verification_task is None
    assert case.events.last().action == "verification_started"
    assert not case.verification_task_id
    services.case_verify(actor=personas["manager"], case=case, result="satisfied")
    case.refresh_from_db()
    assert case.status == S.CLOSED


def test_closing_by_hand_cancels_the_pending_call(personas, answered):
    case = verifying(personas, answered)

    services.case_close(actor=personas["manager"], case=case, note="患者来院当面表示满意")

    task = FollowUpTask.objects.get(pk=case.verification_task_id)
    assert (task.status, task.closed_reason) == ("cancelled", "case_closed")


def test_the_loop_end_to_end_on_the_workbench(client, login, personas, answered):
    """A complaint captured on a call is answered, verified on a second call, and closed."""
    case = verifying(personas, answered)
    task = case.verification_task
    login("agent")

    page = client.get(f"/followups/tasks/{task.uuid}/").content.decode()
    assert "科室是否已经就您反映的问题与您联系过" in page
    version = FollowUpTask.objects.get(pk=task.pk).version
    client.post(
        f"/followups/tasks/{task.uuid}/record/",
        {
            "version": version,
            "outcome": "reached_patient",
            "then": "list",
            **{f"q-{k}": v for k, v in VERIFICATION_ANSWERS["satisfied"].items()},
        },
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="workbench",
    )

    case.refresh_from_db()
    assert (case.status, case.verification_result) == (S.CLOSED, "satisfied")
    assert list(case.events.values_list("action", flat=True)) == [
        "created",
        "triaged",
        "assigned",
        "answered",
        "verification_started",
        "verified",
    ]


def test_a_verification_call_is_never_folded_into_another_call(personas, answered):
    """Merging would hide it in a call that does not ask its questionnaire."""
    from huifang.followups.services.generation import tasks_generate_for_encounters

    case = verifying(personas, answered)
    first = case.verification_task
    tasks_generate_for_encounters([first.encounter_id])  # the stay's own calls, due earlier

    first.refresh_from_db()
    assert first.status == "pending"
    assert first.merged_into is None


def test_a_verification_folded_in_before_is_asked_again(personas, answered):
    """A verification merged into another call (data from before merging skipped them) is
    queued again once that call is done."""
    from huifang.followups.models import FollowUpTask, Outcome
    from huifang.followups.services.generation import tasks_generate_for_encounters
    from huifang.workflows import call_record

    case = verifying(personas, answered)
    first = case.verification_task
    tasks_generate_for_encounters([first.encounter_id])
    keeper = (
        FollowUpTask.objects.filter(encounter_id=first.encounter_id, status="pending")
        .exclude(pk=first.pk)
        .order_by("due_from", "pk")
        .first()
    )
    FollowUpTask.objects.filter(pk=first.pk).update(status="merged", merged_into=keeper)

    call_record(
        task=keeper,
        outcome=Outcome.objects.get(code="reached_patient"),
        agent=personas["agent"],
        at=keeper.next_attempt_at if keeper.next_attempt_at < timezone.now() else timezone.now(),
    )

    case.refresh_from_db()
    assert case.status == S.VERIFYING
    assert case.verification_task != first
    assert case.verification_task.status == "pending"
    assert case.events.last().action == "verification_started"
