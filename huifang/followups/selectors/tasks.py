"""Follow-up tasks and their contact attempts as lists for other systems (the API).

Scoped like every read: the user's departments by the encounter's
department, and only for roles that may see follow-up tasks.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.core.errors import NotFound
from huifang.core.errors import PermissionDenied as ApplicationPermissionDenied
from huifang.followups.models import ContactAttempt, FollowUpTask


@dataclass(frozen=True)
class TaskFilters:
    status: str = ""
    plan: str = ""
    department_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True)
class AttemptFilters:
    task_uuid: str | None = None
    after_id: int | None = None
    department_id: int | None = None


def _require(user) -> None:
    if not user.has_perm("followups.view_followuptask"):
        raise ApplicationPermissionDenied(_("Your role may not see follow-up tasks."))


def _scope_q(user, prefix: str = "") -> Q:
    scope = user_department_scope(user)
    if scope is ALL_DEPARTMENTS:
        return Q()
    return Q(**{f"{prefix}encounter__department_id__in": scope})


def _department_q(department_id: int | None, prefix: str = "") -> Q:
    if not department_id:
        return Q()
    ids = department_descendant_ids([department_id])
    return Q(**{f"{prefix}encounter__department_id__in": ids})


def task_list(*, user, filters: TaskFilters = TaskFilters()) -> QuerySet[FollowUpTask]:
    """Tasks in the user's departments, by due date; a department filter takes its wards."""
    _require(user)
    tasks = FollowUpTask.objects.filter(_scope_q(user), _department_q(filters.department_id))
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.plan:
        tasks = tasks.filter(plan__code=filters.plan)
    if filters.due_from:
        tasks = tasks.filter(due_from__gte=filters.due_from)
    if filters.due_to:
        tasks = tasks.filter(due_from__lte=filters.due_to)
    return tasks.select_related(
        "patient", "encounter__department", "plan", "touchpoint", "phone", "assigned_to"
    ).order_by("due_from", "id")


def task_get(*, user, task_uuid) -> FollowUpTask:
    """One task the user may see, or ``NotFound`` (also for a task outside the scope)."""
    task = task_list(user=user).filter(uuid=task_uuid).first()
    if task is None:
        raise NotFound(_("No such follow-up task, or it is outside your departments."))
    return task


def attempt_list(*, user, filters: AttemptFilters = AttemptFilters()) -> QuerySet[ContactAttempt]:
    """Calls and messages recorded on the tasks the user may see, in the order recorded.

    ``after_id`` (the last id a system has seen) lets it fetch only what is new.
    """
    _require(user)
    attempts = ContactAttempt.objects.filter(
        _scope_q(user, "task__"), _department_q(filters.department_id, "task__")
    )
    if filters.task_uuid:
        attempts = attempts.filter(task__uuid=filters.task_uuid)
    if filters.after_id:
        attempts = attempts.filter(pk__gt=filters.after_id)
    return attempts.select_related("task__patient", "outcome", "phone", "agent").order_by("id")
