"""Rollup maintenance: recompute a month from the live tables, mark months dirty, scan.

A month is the unit of work. Every rollup row belongs to one month (the
task's ``due_from``, the response's submission, the case's recording, in
local time), and a recompute replaces all of that month's rows in one
transaction from the same queries the live metrics use
(``metrics.annotate_tasks``), so the two can never define a figure
differently. The month, not (month, department), is the key because a
task's department, agent or status can change without the task leaving
its month: recomputing the whole month leaves nothing stale behind.

Months become dirty in two ways (docs/metrics.md, "Rollups"):

- on write, inside the writing transaction: a call recorded
  (``followups.signals.attempt_recorded``), a patient recorded deceased, a
  feedback case or a questionnaire response saved (``reports.receivers``);
- by the periodic scan, for the bulk writes that send no signal (imports,
  generation, window passing): rows changed since the last scan, and a
  fingerprint of each month's tasks (count and id sum) that notices a task
  moved to another month.

The periodic job (``reports.tasks``) then recomputes the dirty months. Two
workers never recompute the same month at once: each takes the month's
``RollupMonth`` row with ``SELECT … FOR UPDATE SKIP LOCKED`` and passes over
a month another holds. A recompute deletes only the dirty marks it saw at
its start, so a mark added meanwhile survives for the next run.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from huifang.feedback.models import Case as FeedbackCase
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.reports import metrics
from huifang.reports.models import (
    AnswerRollup,
    CallRollup,
    CaseRollup,
    RollupDirty,
    RollupMonth,
    RollupScan,
    TaskDayRollup,
    TaskRollup,
)
from huifang.surveys import scoring
from huifang.surveys.models import Answer, Response

ROLLUP_MODELS = (TaskRollup, TaskDayRollup, CallRollup, AnswerRollup, CaseRollup)
COUNTS = ("due", "attempted", "reached", "on_time", "excluded_deceased", "excluded_no_phone")
# A transaction that wrote before the scan began may commit after it: look back this far.
SCAN_OVERLAP = timedelta(minutes=10)
SCAN_NAME = "rollups"


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(date_from: date, date_to: date) -> list[date]:
    """The first days of every month from ``date_from``'s to ``date_to``'s, both included."""
    months, month = [], month_of(date_from)
    while month <= date_to:
        months.append(month)
        month = next_month(month)
    return months


def _local_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine(next_month(month), time.min))
    return start, end


def _month_value(value) -> date:
    """``TruncMonth`` gives a date or an aware datetime depending on the field and database."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return month_of(value)


# Marking ------------------------------------------------------------------


def rollup_mark_dirty(*, months: Iterable[date], reason: str = "") -> int:
    """Mark months out of date; call inside the transaction that changed them.

    Only inserts (never updates) so a write never waits on a recompute in progress.
    """
    rows = [RollupDirty(month=month_of(m), reason=reason[:30]) for m in set(map(month_of, months))]
    RollupDirty.objects.bulk_create(rows)
    return len(rows)


def _task_months(tasks) -> set[date]:
    return {
        _month_value(m)
        for m in tasks.annotate(m=TruncMonth("due_from")).values_list("m", flat=True).distinct()
    }


def _stamp_months(queryset, field: str) -> set[date]:
    return {
        _month_value(m)
        for m in queryset.annotate(m=TruncMonth(field)).values_list("m", flat=True).distinct()
        if m is not None
    }


def _task_fingerprints() -> dict[date, tuple[int, int, datetime | None]]:
    rows = (
        FollowUpTask.objects.annotate(m=TruncMonth("due_from"))
        .values("m")
        .annotate(n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"))
        .order_by()
    )
    return {_month_value(r["m"]): (r["n"], r["ids"] or 0, r["changed"]) for r in rows}


def rollups_scan(*, now: datetime | None = None) -> dict:
    """Mark dirty the months whose rows changed since the last scan, by any path.

    Looks at tasks (their fingerprint and ``updated_at``), attempts recorded,
    patients and encounters updated (their tasks' months), cases updated and
    responses submitted or voided. The first scan only sets the watermark:
    months never built are built by ``rollups_refresh``'s ``ensure`` window.
    """
    now = now or timezone.now()
    state = RollupScan.objects.filter(name=SCAN_NAME).first()
    dirty: set[date] = set()
    built = {
        month: (count, ids)
        for month, count, ids in RollupMonth.objects.filter(built_at__isnull=False).values_list(
            "month", "task_count", "task_id_sum"
        )
    }
    fingerprints = _task_fingerprints()
    for month, stored in built.items():
        count, ids, _changed = fingerprints.get(month, (0, 0, None))
        if stored != (count, ids):
            dirty.add(month)
    if state is not None:
        since = state.scanned_from - SCAN_OVERLAP
        for month, (_count, _ids, changed) in fingerprints.items():
            if changed is not None and changed >= since:
                dirty.add(month)
        dirty |= _task_months(
            FollowUpTask.objects.filter(
                Q(pk__in=ContactAttempt.objects.filter(created_at__gte=since).values("task_id"))
                | Q(patient__updated_at__gte=since)
                | Q(encounter__updated_at__gte=since)
            )
        )
        dirty |= _stamp_months(FeedbackCase.objects.filter(updated_at__gte=since), "created_at")
        dirty |= _stamp_months(
            Response.objects.filter(Q(submitted_at__gte=since) | Q(voided_at__gte=since)),
            "submitted_at",
        )
    built_months = set(built)
    marked = rollup_mark_dirty(months=dirty & built_months, reason="scan")
    RollupScan.objects.update_or_create(name=SCAN_NAME, defaults={"scanned_from": now})
    return {"months_marked": marked}


# Recomputing --------------------------------------------------------------


def _task_rows(month: date):
    """One grouped query over the month's due tasks, at the finest grain of both task tables."""
    start, end = month, next_month(month) - timedelta(days=1)
    from huifang.reports.selectors import ALL_DEPARTMENTS, Scope, report_tasks

    tasks = metrics.annotate_tasks(
        report_tasks(scope=Scope(department_ids=ALL_DEPARTMENTS), date_from=start, date_to=end)
    )
    reason = Case(
        When(is_reached=True, then=Value("")),
        default=F("last_outcome"),
        output_field=CharField(),
    )
    return (
        tasks.annotate(failure=reason)
        .values(
            "due_from",
            "encounter__department_id",
            "plan_id",
            "encounter__kind",
            "agent_name",
            "failure",
        )
        .annotate(**metrics._task_aggregates())
        .order_by()
    )


def _builtin_rows(month: date):
    start, end = month, next_month(month) - timedelta(days=1)
    from huifang.reports.selectors import ALL_DEPARTMENTS, Scope, report_tasks

    tasks = report_tasks(scope=Scope(department_ids=ALL_DEPARTMENTS), date_from=start, date_to=end)
    return (
        ContactAttempt.objects.filter(task__in=tasks.values("pk"))
        .filter(answers__satisfaction__in=list(metrics.BUILTIN_SATISFACTION))
        .values(
            "task__due_from",
            "task__encounter__department_id",
            "task__plan_id",
            "task__encounter__kind",
            "answers__satisfaction",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _call_rows(month: date):
    from django.db.models import DurationField, ExpressionWrapper

    start, end = month, next_month(month) - timedelta(days=1)
    from huifang.reports.selectors import ALL_DEPARTMENTS, Scope, report_tasks

    tasks = report_tasks(scope=Scope(department_ids=ALL_DEPARTMENTS), date_from=start, date_to=end)
    duration = ExpressionWrapper(F("at") - F("started_at"), output_field=DurationField())
    return (
        ContactAttempt.objects.filter(
            task__in=tasks.values("pk"),
            agent__isnull=False,
            started_at__isnull=False,
            started_at__lte=F("at"),
        )
        .values(
            "task__encounter__department_id",
            "task__plan_id",
            "task__encounter__kind",
            "agent__username",
        )
        .annotate(calls=Count("pk"), total=Sum(duration))
        .order_by()
    )


def _answer_rows(month: date):
    start, end = _local_bounds(month)
    return (
        Answer.objects.filter(
            response__submitted_at__gte=start,
            response__submitted_at__lt=end,
            response__voided_at__isnull=True,
            item__kind__in=list(scoring.SCALE_RANGE),
            number__isnull=False,
        )
        .values("response__encounter__department_id", "item__kind", "item__dimension", "number")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _case_rows(month: date):
    start, end = _local_bounds(month)
    return (
        FeedbackCase.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("department_id", "kind", "category", "status")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            verified=Count("pk", filter=Q(verification_result__gt="")),
        )
        .order_by()
    )


def _month_objects(month: date) -> list:
    """Every rollup row of ``month``, computed from the live tables (not yet saved)."""
    tasks: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    days: dict[tuple, dict] = defaultdict(
        lambda: dict.fromkeys((*COUNTS, "satisfied", "fairly_satisfied", "dissatisfied"), 0)
    )
    for row in _task_rows(month):
        dims = (
            row["encounter__department_id"],
            row["plan_id"],
            row["encounter__kind"],
        )
        task_key = (*dims, row["agent_name"], row["failure"] or "")
        day_key = (row["due_from"], *dims)
        for name in COUNTS:
            tasks[task_key][name] += row[name]
            days[day_key][name] += row[name]
    for row in _builtin_rows(month):
        day_key = (
            row["task__due_from"],
            row["task__encounter__department_id"],
            row["task__plan_id"],
            row["task__encounter__kind"],
        )
        days[day_key][row["answers__satisfaction"]] += row["n"]
    objects: list = [
        TaskRollup(
            month=month,
            department_id=k[0],
            plan_id=k[1],
            encounter_kind=k[2],
            agent=k[3],
            reason=k[4],
            **v,
        )
        for k, v in tasks.items()
    ]
    objects += [
        TaskDayRollup(
            day=k[0], month=month, department_id=k[1], plan_id=k[2], encounter_kind=k[3], **v
        )
        for k, v in days.items()
    ]
    objects += [
        CallRollup(
            month=month,
            department_id=r["task__encounter__department_id"],
            plan_id=r["task__plan_id"],
            encounter_kind=r["task__encounter__kind"],
            agent=r["agent__username"],
            calls_timed=r["calls"],
            handling_microseconds=_microseconds(r["total"]),
        )
        for r in _call_rows(month)
    ]
    objects += [
        AnswerRollup(
            month=month,
            department_id=r["response__encounter__department_id"],
            kind=r["item__kind"],
            dimension=r["item__dimension"],
            number=r["number"],
            answers=r["n"],
        )
        for r in _answer_rows(month)
    ]
    objects += [
        CaseRollup(
            month=month,
            department_id=r["department_id"],
            kind=r["kind"],
            category=r["category"],
            status=r["status"],
            cases=r["n"],
            answered=r["answered"],
            verified=r["verified"],
        )
        for r in _case_rows(month)
    ]
    return objects


def _microseconds(total: timedelta | None) -> int:
    if total is None:
        return 0
    return (total.days * 86400 + total.seconds) * 1_000_000 + total.microseconds


def _fingerprint(month: date) -> tuple[int, int]:
    row = FollowUpTask.objects.filter(
        due_from__gte=month, due_from__lt=next_month(month)
    ).aggregate(n=Count("pk"), ids=Coalesce(Sum("pk"), 0))
    return row["n"], row["ids"]


def rollup_month_recompute(*, month: date) -> bool:
    """Replace every rollup row of ``month`` with figures computed from the live tables.

    Idempotent. Returns ``False`` without doing anything when another worker
    holds the month (its ``RollupMonth`` row is locked). The dirty marks seen
    at the start are removed with the rows; marks added meanwhile stay.
    """
    month = month_of(month)
    RollupMonth.objects.get_or_create(month=month)
    with transaction.atomic():
        holder = RollupMonth.objects.select_for_update(skip_locked=True).filter(month=month).first()
        if holder is None:
            return False
        seen = list(RollupDirty.objects.filter(month=month).values_list("pk", flat=True))
        objects = _month_objects(month)
        count, id_sum = _fingerprint(month)
        for model in ROLLUP_MODELS:
            model.objects.filter(month=month).delete()
        by_model: dict[type, list] = defaultdict(list)
        for obj in objects:
            by_model[type(obj)].append(obj)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=2000)
        RollupMonth.objects.filter(pk=holder.pk).update(
            built_at=timezone.now(), task_count=count, task_id_sum=id_sum
        )
        for chunk in range(0, len(seen), 5000):
            RollupDirty.objects.filter(pk__in=seen[chunk : chunk + 5000]).delete()
    return True


def rollups_rebuild(*, date_from: date | None = None, date_to: date | None = None) -> dict:
    """Recompute every month from ``date_from`` to ``date_to`` (default: all the data).

    Months of the range without any data are built too (empty), so the read
    path knows they hold nothing rather than falling back to live queries.
    """
    if date_from is None or date_to is None:
        bounds = FollowUpTask.objects.aggregate(first=Min("due_from"), last=Max("due_from"))
        date_from = date_from or bounds["first"] or timezone.localdate()
        date_to = date_to or bounds["last"] or timezone.localdate()
    months = months_between(date_from, date_to)
    done = skipped = 0
    for month in months:
        if rollup_month_recompute(month=month):
            done += 1
        else:
            skipped += 1
    return {"months": done, "skipped_busy": skipped}


def rollups_refresh(*, ensure_months: int = 13, now: datetime | None = None) -> dict:
    """The periodic job: scan for changes, then recompute the dirty months.

    Also builds any month of the trailing ``ensure_months`` (and the next
    one) never built yet, so a new installation fills its rollups by itself.
    """
    now = now or timezone.now()
    summary = rollups_scan(now=now)
    today = timezone.localdate(now)
    wanted = set()
    month = month_of(today)
    for _ in range(ensure_months):
        wanted.add(month)
        month = month_of(month - timedelta(days=1))
    wanted.add(next_month(month_of(today)))
    built = set(RollupMonth.objects.filter(built_at__isnull=False).values_list("month", flat=True))
    dirty = set(RollupDirty.objects.values_list("month", flat=True).distinct())
    todo = sorted((wanted - built) | dirty)
    done = skipped = 0
    for month in todo:
        if rollup_month_recompute(month=month):
            done += 1
        else:
            skipped += 1
    return {**summary, "months_recomputed": done, "skipped_busy": skipped}


def rollup_sizes() -> list[dict]:
    """Rows and bytes (PostgreSQL: ``pg_total_relation_size``; SQLite: dbstat if present)."""
    sizes = []
    with connection.cursor() as cursor:
        for model in (*ROLLUP_MODELS, RollupMonth, RollupDirty):
            table = model._meta.db_table
            rows = model.objects.count()
            size = None
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                size = cursor.fetchone()[0]
            else:
                try:
                    cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = %s", [table])
                    size = cursor.fetchone()[0]
                except DatabaseError:  # dbstat is an optional SQLite module
                    size = None
            sizes.append({"table": table, "rows": rows, "bytes": size})
    return sizes
