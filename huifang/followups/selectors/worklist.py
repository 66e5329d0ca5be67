"""Reads for the agent's worklist: which tasks are due now, overdue, booked, stuck.

One set of conditions serves the list, its counts and the "next task"
claim (``services.claims.task_claim_next``), so what an agent sees counted
is what the button hands out.

- **Due now**: a pending phone task whose next attempt has come, inside one
  of its call windows now (the touchpoint's windows, or the patient's own
  time), on a working day, and not claimed by someone else.
- **Booked callbacks**: the time a patient asked to be called back is kept
  for the agent who booked it; after ``HUIFANG_CALLBACK_OPEN_AFTER_MINUTES``
  unanswered it opens to the team (and shows as due now for everyone).
- **Overdue**: still pending after the last day of its due window.
- **No usable phone**: tasks that wait for someone to find a number.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from huifang.accounts.models import User
from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.followups import slots
from huifang.followups.adhoc_plans import DOCTOR_PLAN
from huifang.followups.models import Channel, FollowUpTask, Plan, Touchpoint

Status = FollowUpTask.Status

GROUPS = ("due_now", "callbacks", "overdue", "no_phone", "mine")

# Ranks of the "next task" order: the task the agent already holds, a
# callback the agent booked, then one the team has inherited, then tasks in
# their window, then late ones.
RANK_HELD, RANK_MY_CALLBACK, RANK_OPEN_CALLBACK, RANK_DUE, RANK_OVERDUE = -1, 0, 1, 2, 3


@dataclass(frozen=True)
class WorklistFilters:
    department_id: int | None = None
    plan_id: int | None = None
    priority_min: int | None = None
    channel: str = ""


def callback_open_after() -> timedelta:
    return timedelta(minutes=settings.HUIFANG_CALLBACK_OPEN_AFTER_MINUTES)


def _local(now: datetime) -> datetime:
    return now.astimezone(slots.local_zone())


def in_call_window_q(now: datetime) -> Q:
    """Tasks whose call windows hold ``now``: the touchpoint's, or the patient's own time.

    The same choice as ``scheduling.patient_windows``: a patient's preferred
    time replaces the plan's windows; an open-ended one lasts two hours.
    Nothing is inside a window on a day off.
    """
    local = _local(now)
    if not slots.is_call_day(local.date()):
        return Q(pk__in=[])
    moment = local.time()
    open_touchpoints = [
        touchpoint_id
        for touchpoint_id, windows in Touchpoint.objects.values_list("pk", "call_windows")
        if slots.window_of(now, slots.parse_windows(windows)) is not None
    ]
    plan_windows = Q(patient__preferred_time_start__isnull=True, touchpoint_id__in=open_touchpoints)
    own_closed = Q(
        patient__preferred_time_start__lte=moment,
        patient__preferred_time_end__gt=moment,
    )
    own_open = Q(patient__preferred_time_start__lte=moment) & (
        Q(patient__preferred_time_end__isnull=True)
        | Q(patient__preferred_time_end__lte=F("patient__preferred_time_start"))
    )
    if moment >= time(2, 0):
        two_hours_ago = (datetime.combine(local.date(), moment) - timedelta(hours=2)).time()
        own_open &= Q(patient__preferred_time_start__gt=two_hours_ago)
    return plan_windows | own_closed | own_open


def scope_q(user) -> Q:
    scope = user_department_scope(user)
    if scope is ALL_DEPARTMENTS:
        return Q()
    return Q(encounter__department_id__in=scope)


def _filters_q(filters: WorklistFilters) -> Q:
    condition = Q()
    if filters.department_id:
        condition &= Q(
            encounter__department_id__in=department_descendant_ids([filters.department_id])
        )
    if filters.plan_id:
        condition &= Q(plan_id=filters.plan_id)
    if filters.priority_min is not None:
        condition &= Q(priority__gte=filters.priority_min)
    if filters.channel:
        condition &= Q(channel=filters.channel)
    return condition


def claimable_q(user, now: datetime) -> Q:
    """Pending phone tasks this agent may take: not held by someone else, and
    unassigned, assigned to them, or assigned to a colleague whose account was
    deactivated (the task goes back to the team). A doctor's callback is never
    in the agents' queue: its clinician opens it from their own list.
    """
    held_by_other = Q(claimed_by__isnull=False, lease_expires_at__gt=now) & ~Q(claimed_by=user)
    inactive = User.objects.filter(is_active=False).values("pk")
    doctor_plans = Plan.objects.filter(code=DOCTOR_PLAN).values("pk")
    return (
        Q(status=Status.PENDING, channel=Channel.PHONE)
        & (Q(assigned_to__isnull=True) | Q(assigned_to=user) | Q(assigned_to__in=inactive))
        & ~held_by_other
        & ~Q(plan_id__in=doctor_plans)
    )


def _due_parts(user, now: datetime) -> tuple[Q, Q, Q]:
    """The agent's own due callbacks, callbacks inherited from colleagues, tasks in a window now."""
    my_callback = Q(callback_by=user, next_attempt_at__lte=now)
    open_callback = Q(
        callback_by__isnull=False, next_attempt_at__lte=now - callback_open_after()
    ) & ~Q(callback_by=user)
    regular = Q(callback_by__isnull=True, next_attempt_at__lte=now) & in_call_window_q(now)
    return my_callback, open_callback, regular


def due_q(user, now: datetime) -> Q:
    """Tasks whose time has come: the agent's own callbacks, inherited ones, or in a window now."""
    my_callback, open_callback, regular = _due_parts(user, now)
    return my_callback | open_callback | regular


def rank_expression(user, now: datetime) -> Case:
    today = _local(now).date()
    return Case(
        When(claimed_by=user, lease_expires_at__gt=now, then=Value(RANK_HELD)),
        When(callback_by=user, then=Value(RANK_MY_CALLBACK)),
        When(callback_by__isnull=False, then=Value(RANK_OPEN_CALLBACK)),
        When(due_until__gte=today, then=Value(RANK_DUE)),
        default=Value(RANK_OVERDUE),
        output_field=IntegerField(),
    )


_QUEUE_ORDER = ("-priority", "due_until", "next_attempt_at", "pk")


def next_task_groups(
    *, user, now: datetime, filters: WorklistFilters | None = None
) -> list[QuerySet[FollowUpTask]]:
    """The tasks "next task" may hand ``user`` now, as querysets in the order to try them.

    A task the agent already holds (they resume it: one open task per
    agent); a callback the agent booked; callbacks the team inherited; tasks
    in their window, by priority and the nearest end of window; overdue
    ones. Each is ordered like the ``task_queue`` index, so the database
    walks the index and stops at the first free row instead of sorting the
    whole queue on every claim.
    """
    filters = filters or WorklistFilters()
    today = _local(now).date()
    base = FollowUpTask.objects.filter(scope_q(user), claimable_q(user, now), _filters_q(filters))
    # One read of the touchpoints' windows per claim, shared by the groups.
    my_callback, open_callback, regular = _due_parts(user, now)
    groups = [
        Q(claimed_by=user, lease_expires_at__gt=now) & (my_callback | open_callback | regular),
        my_callback,
        open_callback,
        regular & Q(due_until__gte=today),
        regular & Q(due_until__lt=today),
    ]
    return [base.filter(condition).order_by(*_QUEUE_ORDER) for condition in groups]


def next_task_candidates(
    *, user, now: datetime, filters: WorklistFilters | None = None
) -> QuerySet[FollowUpTask]:
    """Every task "next task" may hand ``user`` now, best first (one query; for lists and tests)."""
    filters = filters or WorklistFilters()
    return (
        FollowUpTask.objects.filter(scope_q(user))
        .filter(claimable_q(user, now), due_q(user, now), _filters_q(filters))
        .annotate(rank=rank_expression(user, now))
        .order_by("rank", *_QUEUE_ORDER)
    )


def _group_q(group: str, user, now: datetime) -> Q:
    today = _local(now).date()
    if group == "due_now":
        return claimable_q(user, now) & due_q(user, now) & Q(due_until__gte=today)
    if group == "callbacks":
        return Q(status=Status.PENDING, callback_by=user)
    if group == "overdue":
        return claimable_q(user, now) & Q(due_until__lt=today)
    if group == "no_phone":
        return Q(status=Status.NO_PHONE)
    if group == "mine":
        return Q(status=Status.PENDING, claimed_by=user, lease_expires_at__gt=now)
    raise ValueError(f"unknown worklist group {group!r}")


def worklist_counts(*, user, now: datetime, filters: WorklistFilters) -> dict[str, int]:
    """How many tasks each group holds for ``user`` (one query)."""
    base = FollowUpTask.objects.filter(scope_q(user), _filters_q(filters)).filter(
        status__in=FollowUpTask.OPEN
    )
    return base.aggregate(
        **{group: Count("pk", filter=_group_q(group, user, now)) for group in GROUPS}
    )


def worklist(
    *, user, now: datetime, group: str, filters: WorklistFilters
) -> QuerySet[FollowUpTask]:
    """The tasks of one group, in the order they should be called."""
    tasks = (
        FollowUpTask.objects.filter(scope_q(user), _filters_q(filters), _group_q(group, user, now))
        .select_related(
            "patient",
            "encounter__department",
            "plan",
            "touchpoint",
            "claimed_by",
            "callback_by",
            "phone",
        )
        .annotate(rank=rank_expression(user, now))
    )
    if group == "callbacks":
        return tasks.order_by("next_attempt_at", "pk")
    return tasks.order_by("rank", "-priority", "due_until", "next_attempt_at", "pk")


def worklist_plans() -> list[Plan]:
    return list(Plan.objects.filter(is_active=True).only("pk", "name").order_by("name"))


def task_for_user(*, user, task_uuid) -> FollowUpTask:
    """The task, if it is in ``user``'s scope; else 404 (another department's task does not exist for them)."""
    from django.shortcuts import get_object_or_404

    if not user.has_perm("followups.view_followuptask"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return get_object_or_404(
        FollowUpTask.objects.filter(scope_q(user)).select_related(
            "patient",
            "encounter__department__parent",
            "plan",
            "touchpoint",
            "phone",
            "claimed_by",
            "callback_by",
            "assigned_to",
        ),
        uuid=task_uuid,
    )


def now_in_working_hours(now: datetime | None = None) -> bool:
    """Whether ``now`` lies in a default call window of a working day (for the worklist's hint)."""
    now = now or timezone.now()
    if not slots.is_call_day(_local(now).date()):
        return False
    return slots.window_of(now, slots.default_windows()) is not None


@dataclass(frozen=True)
class NextWindow:
    opens_at: datetime
    waiting: int


def next_window_opening(*, user, now: datetime, filters: WorklistFilters) -> NextWindow:
    """When the next default call window opens after ``now``, and how many calls are due then.

    "Due then" is what the "due now" tab will hold at that moment for
    ``user`` — the same conditions, read at the opening time (one query,
    plus one read of the touchpoints' windows).
    """
    opens_at = slots.next_slot(now, slots.default_windows())
    waiting = (
        FollowUpTask.objects.filter(scope_q(user), _filters_q(filters))
        .filter(_group_q("due_now", user, opens_at))
        .count()
    )
    return NextWindow(opens_at=opens_at, waiting=waiting)
