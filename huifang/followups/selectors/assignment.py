"""Reads for giving tasks to people: who may take a task, whose tasks are whose.

The users offered for a task are exactly those ``services.claims.
user_may_work_task`` accepts: active, holding the permission the task needs
(``followups.work_task`` for the agents' calls, ``followups.work_callback_task``
for a doctor's callback) and covering the patient's department — through
one of their own departments or an ancestor of it, or by seeing every
department. Each list is one query, whatever the number of staff.
"""

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.followups.adhoc_plans import DOCTOR_PLAN
from huifang.followups.models import FollowUpTask

WORK_PERMISSION = "followups.work_task"
CALLBACK_PERMISSION = "followups.work_callback_task"


def _holding(permission: str) -> Q:
    app_label, codename = permission.split(".")
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )


def _ancestors(department_id: int) -> set[int]:
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    found, current = set(), department_id
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def _covering(department_id: int) -> Q:
    everything = Q(
        groups__permissions__codename="view_all_departments",
        groups__permissions__content_type__app_label="accounts",
    )
    return everything | Q(departments__in=_ancestors(department_id))


def holds_by_role(user, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` through a role or a grant of its own.

    Unlike ``has_perm`` this is not true of every superuser: an
    administrator's account is not offered calls it has no role for.
    """
    if not user.is_superuser:
        return user.has_perm(permission)
    return User.objects.filter(_holding(permission), pk=user.pk).exists()


def users_who_may_work(*, permission: str, department_id: int) -> QuerySet[User]:
    """Active users holding ``permission`` whose departments cover ``department_id``."""
    holders = User.objects.filter(_holding(permission), is_active=True).values("pk")
    covering = User.objects.filter(_covering(department_id)).values("pk")
    return (
        User.objects.filter(pk__in=holders)
        .filter(pk__in=covering)
        .order_by("display_name", "username")
    )


def task_assignee_choices(*, user, task: FollowUpTask) -> list[User]:
    """Whom ``user`` (a manager) may give ``task`` to: eligible users, never anyone else."""
    if not user.has_perm("followups.reassign_task"):
        return []
    permission = CALLBACK_PERMISSION if task.plan.code == DOCTOR_PLAN else WORK_PERMISSION
    return list(
        users_who_may_work(permission=permission, department_id=task.encounter.department_id)
    )


def clinician_choices(*, department_id: int) -> list[User]:
    """The clinicians who may call back a patient of ``department_id`` (a doctor's callback)."""
    return list(users_who_may_work(permission=CALLBACK_PERMISSION, department_id=department_id))


def receiver_choices(*, user, owner, tasks: list[FollowUpTask]) -> list[User]:
    """Whom ``owner``'s ``tasks`` may go to: active colleagues who may work at least one of them.

    One query per distinct (kind of task, department) among ``tasks``.
    """
    if not user.has_perm("followups.reassign_task") or not tasks:
        return []
    kinds = {
        (
            CALLBACK_PERMISSION if task.plan.code == DOCTOR_PLAN else WORK_PERMISSION,
            task.encounter.department_id,
        )
        for task in tasks
    }
    eligible: set[int] = set()
    for permission, department_id in sorted(kinds):
        eligible.update(
            users_who_may_work(permission=permission, department_id=department_id).values_list(
                "pk", flat=True
            )
        )
    eligible.discard(owner.pk)
    return list(User.objects.filter(pk__in=eligible).order_by("display_name", "username"))


def owned_by_q(owner, now: datetime) -> Q:
    """Open tasks that are ``owner``'s: assigned to them, their booked callback, or held now."""
    return Q(status__in=FollowUpTask.OPEN) & (
        Q(assigned_to=owner) | Q(callback_by=owner) | Q(claimed_by=owner, lease_expires_at__gt=now)
    )


def _scope_q(user) -> Q:
    scope = user_department_scope(user)
    return Q() if scope is ALL_DEPARTMENTS else Q(encounter__department_id__in=scope)


def task_list_of_user(*, user, owner, now: datetime | None = None) -> QuerySet[FollowUpTask]:
    """``owner``'s open tasks that ``user`` may see (the bulk reassignment page), oldest due first."""
    now = now or timezone.now()
    return (
        FollowUpTask.objects.filter(_scope_q(user), owned_by_q(owner, now))
        .select_related("patient", "encounter__department", "plan", "touchpoint")
        .order_by("due_until", "next_attempt_at", "pk")
    )


def task_owners(*, user, now: datetime | None = None) -> list[User]:
    """Staff who can hold tasks (active or not), each with ``open_tasks``: how many they hold now.

    For the bulk reassignment page's "whose tasks" list; one query for the
    users, two for the counts.
    """
    if not user.has_perm("followups.reassign_task"):
        return []
    now = now or timezone.now()
    people = list(
        User.objects.filter(_holding(WORK_PERMISSION) | _holding(CALLBACK_PERMISSION))
        .distinct()
        .order_by("-is_active", "display_name", "username")
    )
    scoped = FollowUpTask.objects.filter(_scope_q(user), status__in=FollowUpTask.OPEN)
    counts: dict[int, int] = dict(
        scoped.filter(assigned_to__isnull=False)
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
        .values_list("assigned_to", "n")
    )
    # A booked callback of a task assigned to the same person is counted once.
    for owner_id, count in (
        scoped.filter(callback_by__isnull=False)
        .exclude(assigned_to=F("callback_by"))
        .values_list("callback_by")
        .annotate(n=Count("pk"))
        .values_list("callback_by", "n")
    ):
        counts[owner_id] = counts.get(owner_id, 0) + count
    for person in people:
        person.open_tasks = counts.get(person.pk, 0)
    return people


def task_list_for_clinician(*, user, now: datetime | None = None) -> QuerySet[FollowUpTask]:
    """The doctor's callbacks assigned to ``user`` (a clinician) and still open, soonest first.

    Only tasks of ``user``'s own departments (a clinician moved to another
    department no longer sees the old one's patients). For the clinicians'
    pages: each row brings its patient, encounter, department and
    touchpoint, so listing them costs one query.
    """
    if not user.has_perm(CALLBACK_PERMISSION):
        return FollowUpTask.objects.none()
    return (
        FollowUpTask.objects.filter(
            _scope_q(user),
            assigned_to=user,
            plan__code=DOCTOR_PLAN,
            status__in=FollowUpTask.OPEN,
        )
        .select_related("patient", "encounter__department", "touchpoint", "plan", "claimed_by")
        .order_by("next_attempt_at", "pk")
    )
