"""The loop's steps: who may take which, the timeline and audit they leave, what they notify."""

import pytest

from huifang.core.errors import Conflict, PermissionDenied
from huifang.core.models import AuditEntry
from huifang.feedback import services, workflow
from huifang.feedback.models import Case, CaseEvent, Notification
from huifang.feedback.tests.conftest import put

pytestmark = pytest.mark.django_db

S = Case.Status
PERSONAS = [
    "agent",
    "doctor",
    "head_medicine",
    "head_surgery",
    "manager",
    "quality",
    "admin",
    "nobody",
]

# Who may take each step of a 内科 case (the permission matrix, as the product promises it).
ALLOWED = {
    "triage": {"manager"},
    "assign": {"manager"},
    "answer": {"head_medicine"},
    "return": {"manager"},
    "start_verification": {"manager"},
    "verify": {"manager"},
    "close": {"manager"},
    "reopen": {"manager", "quality"},
    "escalate": {"manager", "quality"},
    "withdraw": {"manager"},
    # A clinical red flag's disposition: its department's clinicians and heads.
    "dispose": {"doctor", "head_medicine"},
    "merge": {"manager"},
}


def ready(case, action):
    """The case as the step needs it: a red flag for the disposition."""
    transition = workflow.TRANSITIONS[action]
    fields = {"kind": Case.Kind.ESCALATION} if Case.Kind.ESCALATION in transition.kinds else {}
    return put(case, transition.sources[0], **fields)


def take(action, *, actor, case, departments):
    calls = {
        "triage": lambda: services.case_triage(
            actor=actor, case=case, departments=[departments["medicine"]]
        ),
        "assign": lambda: services.case_assign(actor=actor, case=case),
        "answer": lambda: services.case_answer(
            actor=actor,
            case=case,
            reply="已向患者致歉",
            cause="夜班人手紧张，沟通不耐心",
            rectification="科内通报并组织服务礼仪培训",
        ),
        "return": lambda: services.case_return(actor=actor, case=case, note="整改措施不具体"),
        "start_verification": lambda: services.case_verification_start(actor=actor, case=case),
        "verify": lambda: services.case_verify(actor=actor, case=case, result="satisfied"),
        "close": lambda: services.case_close(actor=actor, case=case, note="患者表示理解"),
        "reopen": lambda: services.case_reopen(actor=actor, case=case, note="患者再次来电"),
        "escalate": lambda: services.case_escalate(actor=actor, case=case, note="涉及多次投诉"),
        "withdraw": lambda: services.case_withdraw(actor=actor, case=case, note="患者撤回投诉"),
        "dispose": lambda: services.case_dispose(
            actor=actor, case=case, disposition="advised_visit", note="已电话联系，建议今日来院复查"
        ),
        "merge": lambda: services.case_merge(
            actor=actor,
            case=case,
            into=services.case_create(
                actor=None,
                kind=Case.Kind.COMPLAINT,
                source=Case.Source.HOTLINE,
                description="患者来电再次反映夜班护士态度",
                encounter=case.encounter,
            ),
        ),
    }
    return calls[action]()


def test_the_matrix_covers_every_step():
    assert set(ALLOWED) == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("username", PERSONAS)
def test_each_step_is_taken_only_by_the_roles_allowed(
    action, username, personas, departments, complaint
):
    transition = workflow.TRANSITIONS[action]
    case = ready(complaint, action)
    actor = personas[username]
    events_before = CaseEvent.objects.filter(case=case).count()

    if username in ALLOWED[action]:
        moved = take(action, actor=actor, case=case, departments=departments)

        assert moved.status != transition.sources[0]
        event = CaseEvent.objects.filter(case=case).last()
        assert (event.actor, event.from_status, event.to_status) == (
            actor,
            transition.sources[0],
            moved.status,
        )
        assert AuditEntry.objects.filter(
            target_type="feedback.case", target_id=str(case.pk), field="status"
        ).exists()
    else:
        with pytest.raises(PermissionDenied):
            take(action, actor=actor, case=case, departments=departments)
        case.refresh_from_db()
        assert case.status == transition.sources[0]
        assert CaseEvent.objects.filter(case=case).count() == events_before
    assert workflow.may(actor, case, action) == (
        username in ALLOWED[action] and case.status == transition.sources[0]
    )


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_a_step_from_the_wrong_status_is_refused(action, personas, departments, complaint):
    wrong = next(s for s in S.values if s not in workflow.TRANSITIONS[action].sources)
    case = put(ready(complaint, action), wrong)
    actor = personas[sorted(ALLOWED[action])[0]]

    with pytest.raises(Conflict):
        take(action, actor=actor, case=case, departments=departments)


def test_a_captured_complaint_asks_the_managers_to_triage(personas, complaint):
    assert complaint.status == S.NEW
    assert list(complaint.events.values_list("action", flat=True)) == ["created"]
    assert Notification.objects.filter(
        recipient=personas["manager"], case=complaint, kind="new_case"
    ).exists()
    assert not Notification.objects.filter(recipient=personas["head_medicine"]).exists()


def test_a_clinical_escalation_goes_straight_to_the_department(personas, patient_medicine):
    case = services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.ESCALATION,
        source=Case.Source.AGENT,
        description="伤口红肿发热",
        encounter=patient_medicine.encounters.first(),
    )

    assert case.status == S.WITH_DEPARTMENT
    # A red flag, not "a case for your department" (test_services_red_flags.py has the rest).
    heads = Notification.objects.filter(case=case, kind="red_flag").values_list(
        "recipient__username", flat=True
    )
    assert list(heads) == ["head_medicine"]


def test_forwarding_notifies_the_heads_of_the_departments_involved(
    personas, departments, complaint
):
    services.case_triage(
        actor=personas["manager"],
        case=complaint,
        departments=[departments["medicine_ward"], departments["surgery"]],
        forward=True,
    )

    complaint.refresh_from_db()
    assert complaint.status == S.WITH_DEPARTMENT
    assert complaint.department == departments["medicine_ward"]
    notified = set(
        Notification.objects.filter(case=complaint, kind="assigned").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"head_medicine", "head_surgery"}


def test_a_complaints_answer_needs_the_cause_and_the_rectification(personas, complaint):
    case = put(complaint, S.WITH_DEPARTMENT)

    with pytest.raises(Exception) as caught:
        services.case_answer(actor=personas["head_medicine"], case=case, reply="已致歉")

    assert caught.value.code == "answer_incomplete"


def test_closing_reopening_and_escalating_need_a_reason(personas, complaint):
    case = put(complaint, S.ANSWERED)

    with pytest.raises(Exception) as caught:
        services.case_close(actor=personas["manager"], case=case, note=" ")

    assert caught.value.code == "note_required"


def test_events_are_never_changed_or_deleted(complaint):
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(case=complaint).update(note="x")
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(case=complaint).delete()
