"""Open follow-up tasks assigned to one person by name (a doctor's callbacks, a lasting reassignment)."""

from django.db.models import QuerySet

from huifang.followups.models import FollowUpTask
from huifang.followups.selectors.worklist import scope_q


def task_list_assigned(*, user, limit: int = 50) -> list[FollowUpTask]:
    """The open tasks assigned to ``user`` within the user's departments, soonest first.

    One query: each row brings its patient, encounter with its department,
    plan and touchpoint.
    """
    if not user.has_perm("followups.view_followuptask"):
        return []
    tasks: QuerySet[FollowUpTask] = (
        FollowUpTask.objects.filter(scope_q(user), assigned_to=user, status__in=FollowUpTask.OPEN)
        .select_related("patient", "encounter__department", "plan", "touchpoint")
        .order_by("next_attempt_at", "pk")
    )
    return list(tasks[:limit])
