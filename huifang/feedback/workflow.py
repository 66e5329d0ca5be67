"""The permission matrix of the loop: which role may take a case along which step.

One table, read by the services (to refuse), the case page (to show only
the allowed actions) and the tests (to walk every transition and role).
The permissions are given to roles in ``accounts.roles``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.feedback.models import Case

S = Case.Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    permission: str
    sources: tuple[str, ...]
    # None: the service decides (verification: closed, back to the department or escalated).
    target: str | None
    # The acting user must belong to one of the case's departments (answers).
    own_department: bool = False
    # The kinds of case the step is for (empty: every kind).
    kinds: tuple[str, ...] = ()


K = Case.Kind
_NOT_RED_FLAGS = (K.COMPLAINT, K.SUGGESTION, K.PRAISE)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("triage", _("Triage"), "feedback.triage_case", (S.NEW,), S.TRIAGED),
        Transition(
            "assign",
            _("Forward to the department"),
            "feedback.triage_case",
            (S.TRIAGED, S.ESCALATED),
            S.WITH_DEPARTMENT,
        ),
        Transition(
            "answer",
            _("Answer"),
            "feedback.answer_case",
            (S.WITH_DEPARTMENT,),
            S.ANSWERED,
            own_department=True,
            kinds=_NOT_RED_FLAGS,
        ),
        # A clinical red flag is not answered with a reply to a complaint: the
        # doctor records what was done, and that closes it.
        Transition(
            "dispose",
            _("Record the clinical disposition"),
            "feedback.dispose_case",
            (S.WITH_DEPARTMENT, S.ESCALATED),
            S.CLOSED,
            own_department=True,
            kinds=(K.ESCALATION,),
        ),
        Transition(
            "return",
            _("Send the answer back"),
            "feedback.triage_case",
            (S.ANSWERED,),
            S.WITH_DEPARTMENT,
        ),
        Transition(
            "start_verification",
            _("Verify with the patient"),
            "feedback.verify_case",
            (S.ANSWERED,),
            S.VERIFYING,
        ),
        Transition(
            "verify",
            _("Record the verification"),
            "feedback.verify_case",
            (S.VERIFYING,),
            None,
        ),
        Transition(
            "close",
            _("Close"),
            "feedback.close_case",
            (S.TRIAGED, S.ANSWERED, S.VERIFYING, S.ESCALATED),
            S.CLOSED,
        ),
        Transition("reopen", _("Reopen"), "feedback.reopen_case", (S.CLOSED,), S.WITH_DEPARTMENT),
        Transition(
            "escalate",
            _("Escalate"),
            "feedback.escalate_case",
            (S.NEW, S.TRIAGED, S.WITH_DEPARTMENT, S.ANSWERED, S.VERIFYING),
            S.ESCALATED,
        ),
        Transition(
            "merge",
            _("Merge into another case"),
            "feedback.merge_case",
            tuple(Case.OPEN),
            S.MERGED,
        ),
        Transition(
            "withdraw",
            _("Withdrawn by the patient"),
            "feedback.withdraw_case",
            tuple(Case.OPEN),
            S.WITHDRAWN,
        ),
    ]
}


def case_department_ids(case: Case) -> set[int]:
    ids = {d.pk for d in case.departments.all()}
    if case.department_id:
        ids.add(case.department_id)
    return ids


def in_own_department(user, case: Case) -> bool:
    """Whether ``case`` concerns one of the user's departments (or a ward under one)."""
    scope = user_department_scope(user)
    if scope is ALL_DEPARTMENTS:
        return True
    return bool(scope & case_department_ids(case))


def fits_kind(case: Case, action: str) -> bool:
    kinds = TRANSITIONS[action].kinds
    return not kinds or case.kind in kinds


def in_charge(user, case: Case) -> bool:
    """The case's own departments, or the doctor a red flag was sent to by name."""
    if case.assigned_to_id is not None and case.assigned_to_id == getattr(user, "pk", None):
        return True
    return in_own_department(user, case)


def may(user, case: Case, action: str) -> bool:
    """Whether ``user`` may take ``case`` along ``action`` now (status, kind, role, department)."""
    transition = TRANSITIONS[action]
    if case.status not in transition.sources or not fits_kind(case, action):
        return False
    if not user.has_perm(transition.permission):
        return False
    return not transition.own_department or in_charge(user, case)


def allowed_actions(user, case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if may(user, case, t.action)]
