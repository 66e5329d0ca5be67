"""In-app notifications to the people who must act on a case (e-mail comes with messaging)."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.feedback.models import Case, Notification

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _with_perm(perm: str) -> QuerySet[User]:
    return User.objects.with_perm(perm, include_superusers=False, backend=_MODEL_BACKEND)


def _with_ancestors(department_ids: Iterable[int]) -> set[int]:
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    for pk in department_ids:
        while pk is not None and pk not in found:
            found.add(pk)
            pk = parents.get(pk)
    return found


def department_heads(case: Case) -> list[User]:
    """Who answers for the case's departments: heads of them or of a department above them."""
    from huifang.feedback.workflow import case_department_ids

    ids = _with_ancestors(case_department_ids(case))
    if not ids:
        return []
    return list(_with_perm("feedback.answer_case").filter(departments__in=ids).distinct())


def attending_clinician(encounter) -> User | None:
    """The attending doctor of ``encounter`` as a user: a clinician of its department, by name.

    The hospital system gives the attending doctor as a name (``主治医师``);
    the active user who may dispose of red flags, has that full name and
    works in the encounter's department (or a department above its ward) is
    that doctor. ``None`` when nobody matches: the department heads still
    see the red flag.
    """
    name = (getattr(encounter, "attending_doctor", "") or "").strip()
    if not name or encounter.department_id is None:
        return None
    ids = _with_ancestors([encounter.department_id])
    return (
        _with_perm("feedback.dispose_case")
        .filter(is_active=True, display_name=name, departments__in=ids)
        .order_by("pk")
        .first()
    )


def service_managers() -> list[User]:
    return list(_with_perm("feedback.triage_case"))


def office() -> list[User]:
    """The service managers and the quality office: who hears of late and escalated cases."""
    return list(_with_perm("feedback.escalate_case"))


def notifications_send(
    *, case: Case, kind: str, recipients: Iterable[User], now: datetime | None = None
) -> int:
    """Tell each recipient (once, whoever appears twice) that ``case`` needs them; returns how many."""
    now = now or timezone.now()
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    Notification.objects.bulk_create(
        Notification(recipient=user, case=case, kind=kind, created_at=now)
        for user in unique.values()
    )
    return len(unique)


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
