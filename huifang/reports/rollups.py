"""Rollup maintenance: recompute a month from the live tables, mark months dirty, scan.

A month is the unit of work. Every rollup row belongs to one month (the
task's ``due_from``, the response's submission, the case's recording, in
local time), and a recompute replaces all of that month's rows in one
transaction from the same queries the live metrics use
(``metrics.annotate_tasks``; for passed records ``metrics.passed_aggregates``),
so the two can never define a figure differently. The month, not (month, department), is the key because a
task's department, agent or status can change without the task leaving
its month: recomputing the whole month leaves nothing stale behind.

Months become dirty in two ways (docs/metrics.md, "Rollups"):

- on write, inside the writing transaction: a call recorded
  (``followups.signals.attempt_recorded``), a patient recorded deceased, a
  feedback case or a questionnaire response saved (``reports.receivers``);
- by the periodic scan, for the bulk writes that send no signal (imports,
  generation, window passing): rows changed since the last scan, and a
  fingerprint of each month's tasks (count and id sum) that notices a task
  moved to another month; passed records likewise: those recorded since
  the last scan, and a fingerprint (count, and a sum over encounter and
  dates) that notices one deleted, moved or replaced by a task.

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
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractDay, TruncMonth
from django.utils import timezone

from huifang.feedback.models import Case as FeedbackCase
from huifang.followups.models import ContactAttempt, FollowUpTask, PassedTouchpoint
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
COUNTS = metrics.COUNTS
# A transaction that wrote before the scan began may commit after it: look back this far.
SCAN_OVERLAP = timedelta(minutes=10)
SCAN_NAME = "rollups"
# Months computed in one pass (one scan of the attempts) by a rebuild.
REBUILD_SPAN = 6


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


def _passed_sum():
    # Changes when a record of the month is swapped for another or its dates move
    # inside the month, which the count alone would not show.
    return ExpressionWrapper(
        F("encounter_id") + ExtractDay("due_from") + ExtractDay("due_until"),
        output_field=BigIntegerField(),
    )


def passed_fingerprints(passed=None) -> dict[date, tuple[int, int, datetime | None]]:
    """Per month of due_from: passed records' count, ``_passed_sum`` and latest ``recorded_at``."""
    passed = PassedTouchpoint.objects.all() if passed is None else passed
    rows = (
        passed.annotate(m=TruncMonth("due_from"))
        .values("m")
        .annotate(n=Count("pk"), total=Sum(_passed_sum()), changed=Max("recorded_at"))
        .order_by()
    )
    return {_month_value(r["m"]): (r["n"], int(r["total"] or 0), r["changed"]) for r in rows}


def rollups_scan(*, now: datetime | None = None) -> dict:
    """Mark dirty the months whose rows changed since the last scan, by any path.

    Looks at tasks (their fingerprint and ``updated_at``), passed records
    (their fingerprint and ``recorded_at``), attempts recorded, patients and
    encounters updated (their tasks' and passed records' months), cases
    updated and responses submitted or voided. The first scan looks back to
    the oldest build; months never built are built by ``rollups_refresh``.
    """
    now = now or timezone.now()
    state = RollupScan.objects.filter(name=SCAN_NAME).first()
    dirty: set[date] = set()
    built = {
        month: ((count, ids), (passed_count, passed_sum))
        for month, count, ids, passed_count, passed_sum in RollupMonth.objects.filter(
            built_at__isnull=False
        ).values_list("month", "task_count", "task_id_sum", "passed_count", "passed_sum")
    }
    fingerprints = _task_fingerprints()
    passed = passed_fingerprints()
    for month, (stored_tasks, stored_passed) in built.items():
        count, ids, _changed = fingerprints.get(month, (0, 0, None))
        passed_count, passed_sum, _recorded = passed.get(month, (0, 0, None))
        if stored_tasks != (count, ids) or stored_passed != (passed_count, passed_sum):
            dirty.add(month)
    first_build = RollupMonth.objects.aggregate(first=Min("built_at"))["first"]
    since = state.scanned_from if state is not None else first_build
    if since is not None:
        since -= SCAN_OVERLAP
        for month, (_count, _ids, changed) in [*fingerprints.items(), *passed.items()]:
            if changed is not None and changed >= since:
                dirty.add(month)
        dirty |= _task_months(
            FollowUpTask.objects.filter(
                Q(pk__in=ContactAttempt.objects.filter(created_at__gte=since).values("task_id"))
                | Q(patient__updated_at__gte=since)
                | Q(encounter__updated_at__gte=since)
            )
        )
        dirty |= _task_months(
            PassedTouchpoint.objects.filter(
                Q(encounter__patient__updated_at__gte=since) | Q(encounter__updated_at__gte=since)
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


# The month's due tasks and, per task, the facts ``metrics.annotate_tasks``
# computes with correlated subqueries, here with one pass over the month's
# attempts (grouped, ranked): attempted, reached, first attempt, last
# outcome, died, no phone, agent. Set-based so a month of a large hospital
# recomputes in seconds; equality with ``metrics`` is what the tests and
# bench/reports.py check. {first_day} is Django's own local-date cast.
_DUE_CTE = """
WITH t AS (
    SELECT t.id, t.due_from, t.due_until, t.status, t.closed_reason, t.plan_id,
        t.assigned_to_id, e.department_id, e.kind AS encounter_kind, p.deceased_on
    FROM followups_followuptask t
    JOIN patients_encounter e ON e.id = t.encounter_id
    JOIN patients_patient p ON p.id = t.patient_id
    WHERE t.due_from >= %s AND t.due_from < %s AND t.status <> 'merged'
), a AS (
    SELECT a.id, a.task_id, a.at, a.agent_id, o.code, o.counts_as_success AS success,
        o.patient_effect
    FROM followups_contactattempt a JOIN followups_outcome o ON o.id = a.outcome_id
    WHERE a.task_id IN (SELECT id FROM t)
), ranked AS (
    SELECT a.*,
        ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY at DESC, id DESC) AS from_last,
        ROW_NUMBER() OVER (
            PARTITION BY task_id, CASE WHEN code <> 'no_phone' AND agent_id IS NOT NULL
                THEN 1 ELSE 0 END
            ORDER BY at, id
        ) AS agent_rank
    FROM a
), per_task AS (
    SELECT task_id,
        MAX(CASE WHEN code <> 'no_phone' THEN 1 ELSE 0 END) AS attempted,
        MAX(CASE WHEN success THEN 1 ELSE 0 END) AS reached,
        MIN(CASE WHEN code <> 'no_phone' THEN at END) AS first_at,
        MAX(CASE WHEN from_last = 1 THEN code END) AS last_code,
        MAX(CASE WHEN patient_effect = 'deceased' THEN 1 ELSE 0 END) AS died_on_call,
        MAX(CASE WHEN code = 'no_phone' THEN 1 ELSE 0 END) AS no_phone_outcome,
        MAX(CASE WHEN agent_rank = 1 AND code <> 'no_phone' AND agent_id IS NOT NULL
            THEN agent_id END) AS first_agent_id
    FROM ranked GROUP BY task_id
), due AS (
    SELECT t.*, pt.task_id IS NOT NULL AS called,
        COALESCE(pt.attempted, 0) AS attempted, COALESCE(pt.reached, 0) AS reached,
        {first_day} AS first_day, COALESCE(pt.last_code, t.status) AS last_outcome,
        CASE WHEN COALESCE(pt.died_on_call, 0) = 1
            OR (t.deceased_on IS NOT NULL AND t.deceased_on <= t.due_until)
            THEN 1 ELSE 0 END AS died,
        CASE WHEN COALESCE(pt.no_phone_outcome, 0) = 1 OR t.status = 'no_phone'
            THEN 1 ELSE 0 END AS no_phone,
        COALESCE(t.assigned_to_id, pt.first_agent_id) AS agent_id
    FROM t LEFT JOIN per_task pt ON pt.task_id = t.id
    WHERE NOT (t.status = 'cancelled' AND t.closed_reason <> 'deceased'
        AND pt.task_id IS NULL)
)
"""

_TASK_ROWS = """
SELECT d.due_from, d.department_id, d.plan_id, d.encounter_kind, u.username,
    CASE WHEN d.reached = 1 THEN '' ELSE d.last_outcome END,
    COUNT(*), SUM(d.attempted), SUM(d.reached),
    SUM(CASE WHEN d.attempted = 1 AND d.first_day >= d.due_from AND d.first_day <= d.due_until
        THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.reached = 0 AND d.died = 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.reached = 0 AND d.died = 0 AND d.no_phone = 1 THEN 1 ELSE 0 END)
FROM due d LEFT JOIN accounts_user u ON u.id = d.agent_id
GROUP BY d.due_from, d.department_id, d.plan_id, d.encounter_kind, u.username,
    CASE WHEN d.reached = 1 THEN '' ELSE d.last_outcome END
"""

# Tasks with an attempt are due whatever their status (but merged): no need of ``due``.
_BUILTIN_ROWS = """
SELECT d.due_from, d.department_id, d.plan_id, d.encounter_kind, {satisfaction}, COUNT(*)
FROM t d JOIN followups_contactattempt a ON a.task_id = d.id
WHERE {satisfaction} IN ('satisfied', 'fairly_satisfied', 'dissatisfied')
GROUP BY d.due_from, d.department_id, d.plan_id, d.encounter_kind, {satisfaction}
"""

_CALL_ROWS = """
SELECT {month}, d.department_id, d.plan_id, d.encounter_kind, u.username, COUNT(*),
    SUM({micro})
FROM t d JOIN followups_contactattempt a ON a.task_id = d.id
JOIN accounts_user u ON u.id = a.agent_id
WHERE a.started_at IS NOT NULL AND a.started_at <= a.at
GROUP BY {month}, d.department_id, d.plan_id, d.encounter_kind, u.username
"""


def _vendor_sql() -> tuple[dict[str, str], tuple]:
    first_day, first_day_params = connection.ops.datetime_cast_date_sql(
        "pt.first_at", (), timezone.get_current_timezone_name()
    )
    return _vendor_parts(first_day), tuple(first_day_params)


def _vendor_parts(first_day: str) -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "first_day": first_day,
            "satisfaction": "a.answers ->> 'satisfaction'",
            "micro": "(EXTRACT(EPOCH FROM (a.at - a.started_at)) * 1000000)::bigint",
            "month": "CAST(date_trunc('month', d.due_from) AS date)",
        }
    return {
        "first_day": first_day,
        "satisfaction": "json_extract(a.answers, '$.satisfaction')",
        "micro": "django_timestamp_diff(a.at, a.started_at)",
        "month": "substr(d.due_from, 1, 7) || '-01'",
    }


def _raw(sql: str, start: date, end: date) -> list[tuple]:
    """Run one of the queries above over the tasks due from ``start`` to before ``end``."""
    parts, first_day_params = _vendor_sql()
    query = (_DUE_CTE + sql).format(**parts)
    field = FollowUpTask._meta.get_field("due_from")
    bounds = [field.get_db_prep_value(d, connection) for d in (start, end)]
    with connection.cursor() as cursor:
        cursor.execute(query, [*bounds, *first_day_params])
        return cursor.fetchall()


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _task_rows(start: date, end: date) -> list[dict]:
    """The month's due tasks counted per (day, department, plan, kind, agent, failure)."""
    return [
        {
            "due_from": _as_date(r[0]),
            "encounter__department_id": r[1],
            "plan_id": r[2],
            "encounter__kind": r[3],
            "agent_name": r[4],
            "failure": r[5],
            **dict(zip(COUNTS, (int(v or 0) for v in r[6:12]), strict=True)),
        }
        for r in _raw(_TASK_ROWS, start, end)
    ]


def _passed_rows(start: date, end: date):
    """The month's passed records counted per (day, department, plan, kind), as ``metrics``
    counts them: due, and excluded when the patient died; never attempted or reached."""
    return (
        PassedTouchpoint.objects.filter(due_from__gte=start, due_from__lt=end)
        .values("due_from", "encounter__department_id", "plan_id", "encounter__kind")
        .annotate(**metrics.passed_aggregates())
        .order_by()
    )


def _builtin_rows(start: date, end: date) -> list[dict]:
    return [
        {
            "task__due_from": _as_date(r[0]),
            "task__encounter__department_id": r[1],
            "task__plan_id": r[2],
            "task__encounter__kind": r[3],
            "answers__satisfaction": r[4],
            "n": r[5],
        }
        for r in _raw(_BUILTIN_ROWS, start, end)
    ]


def _call_rows(start: date, end: date) -> list[dict]:
    return [
        {
            "month": _as_date(r[0]),
            "task__encounter__department_id": r[1],
            "task__plan_id": r[2],
            "task__encounter__kind": r[3],
            "agent__username": r[4],
            "calls": r[5],
            "total_microseconds": int(r[6] or 0),
        }
        for r in _raw(_CALL_ROWS, start, end)
    ]


def _answer_rows(start: date, end: date):
    lower, _ = _local_bounds(start)
    upper, _ = _local_bounds(end)
    return (
        Answer.objects.filter(
            response__submitted_at__gte=lower,
            response__submitted_at__lt=upper,
            response__voided_at__isnull=True,
            item__kind__in=list(scoring.SCALE_RANGE),
            number__isnull=False,
        )
        .annotate(month=TruncMonth("response__submitted_at"))
        .values(
            "month", "response__encounter__department_id", "item__kind", "item__dimension", "number"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _case_rows(start: date, end: date):
    lower, _ = _local_bounds(start)
    upper, _ = _local_bounds(end)
    return (
        FeedbackCase.objects.filter(created_at__gte=lower, created_at__lt=upper)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "department_id", "kind", "category", "status")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            verified=Count("pk", filter=Q(verification_result__gt="")),
        )
        .order_by()
    )


def _span_objects(start: date, end: date) -> dict[date, list]:
    """Every rollup row of the months from ``start`` to before ``end``, per month, computed
    from the live tables (not yet saved)."""
    tasks: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    days: dict[tuple, dict] = defaultdict(
        lambda: dict.fromkeys((*COUNTS, "satisfied", "fairly_satisfied", "dissatisfied"), 0)
    )
    passed_rows = [
        {**row, "agent_name": None, "failure": FollowUpTask.Status.WINDOW_PASSED.value}
        for row in _passed_rows(start, end)
    ]
    for row in [*_task_rows(start, end), *passed_rows]:
        dims = (row["encounter__department_id"], row["plan_id"], row["encounter__kind"])
        task_key = (month_of(row["due_from"]), *dims, row["agent_name"], row["failure"] or "")
        day_key = (row["due_from"], *dims)
        for name in COUNTS:
            tasks[task_key][name] += row.get(name, 0)
            days[day_key][name] += row.get(name, 0)
    for row in _builtin_rows(start, end):
        day_key = (
            row["task__due_from"],
            row["task__encounter__department_id"],
            row["task__plan_id"],
            row["task__encounter__kind"],
        )
        days[day_key][row["answers__satisfaction"]] += row["n"]
    objects: dict[date, list] = defaultdict(list)
    for k, v in tasks.items():
        objects[k[0]].append(
            TaskRollup(
                month=k[0],
                department_id=k[1],
                plan_id=k[2],
                encounter_kind=k[3],
                agent=k[4],
                reason=k[5],
                **v,
            )
        )
    for k, v in days.items():
        month = month_of(k[0])
        objects[month].append(
            TaskDayRollup(
                day=k[0], month=month, department_id=k[1], plan_id=k[2], encounter_kind=k[3], **v
            )
        )
    for r in _call_rows(start, end):
        objects[r["month"]].append(
            CallRollup(
                month=r["month"],
                department_id=r["task__encounter__department_id"],
                plan_id=r["task__plan_id"],
                encounter_kind=r["task__encounter__kind"],
                agent=r["agent__username"],
                calls_timed=r["calls"],
                handling_microseconds=r["total_microseconds"],
            )
        )
    for r in _answer_rows(start, end):
        month = _month_value(r["month"])
        objects[month].append(
            AnswerRollup(
                month=month,
                department_id=r["response__encounter__department_id"],
                kind=r["item__kind"],
                dimension=r["item__dimension"],
                number=r["number"],
                answers=r["n"],
            )
        )
    for r in _case_rows(start, end):
        month = _month_value(r["month"])
        objects[month].append(
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
        )
    return objects


def _fingerprints(start: date, end: date) -> dict[date, tuple[int, int]]:
    rows = (
        FollowUpTask.objects.filter(due_from__gte=start, due_from__lt=end)
        .annotate(m=TruncMonth("due_from"))
        .values("m")
        .annotate(n=Count("pk"), ids=Coalesce(Sum("pk"), 0))
        .order_by()
    )
    return {_month_value(r["m"]): (r["n"], r["ids"]) for r in rows}


def rollup_months_recompute(*, months: Iterable[date]) -> list[date]:
    """Replace every rollup row of ``months`` with figures computed from the live tables.

    Idempotent. A month another worker holds (its ``RollupMonth`` row is
    locked) is passed over; returns the months recomputed. The dirty marks
    seen at the start are removed with the rows; marks added meanwhile stay.
    The months are computed together, one pass over their span.
    """
    wanted = sorted({month_of(m) for m in months})
    if not wanted:
        return []
    existing = set(RollupMonth.objects.filter(month__in=wanted).values_list("month", flat=True))
    RollupMonth.objects.bulk_create(
        [RollupMonth(month=m) for m in wanted if m not in existing], ignore_conflicts=True
    )
    with transaction.atomic():
        held = list(
            RollupMonth.objects.select_for_update(skip_locked=True)
            .filter(month__in=wanted)
            .order_by("month")
        )
        if not held:
            return []
        months_held = [h.month for h in held]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The planner's guesses for the grouped CTEs are far too high and
                # switch JIT on, which costs more than the query; sorts fit in memory.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        seen = list(RollupDirty.objects.filter(month__in=months_held).values_list("pk", flat=True))
        start, end = months_held[0], next_month(months_held[-1])
        objects = _span_objects(start, end)
        fingerprints = _fingerprints(start, end)
        passed = passed_fingerprints(
            PassedTouchpoint.objects.filter(due_from__gte=start, due_from__lt=end)
        )
        for model in ROLLUP_MODELS:
            model.objects.filter(month__in=months_held).delete()
        by_model: dict[type, list] = defaultdict(list)
        for month in months_held:
            for obj in objects.get(month, ()):
                by_model[type(obj)].append(obj)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=2000)
        now = timezone.now()
        for holder in held:
            count, id_sum = fingerprints.get(holder.month, (0, 0))
            passed_count, passed_sum, _recorded = passed.get(holder.month, (0, 0, None))
            RollupMonth.objects.filter(pk=holder.pk).update(
                built_at=now,
                task_count=count,
                task_id_sum=id_sum,
                passed_count=passed_count,
                passed_sum=passed_sum,
            )
        for chunk in range(0, len(seen), 5000):
            RollupDirty.objects.filter(pk__in=seen[chunk : chunk + 5000]).delete()
    return months_held


def rollup_month_recompute(*, month: date) -> bool:
    """Recompute one month; ``False`` when another worker holds it."""
    return bool(rollup_months_recompute(months=[month]))


def _recompute_in_spans(months: list[date], span: int) -> tuple[int, int]:
    """Recompute ``months`` in runs of up to ``span`` consecutive months."""
    done = skipped = 0
    runs: list[list[date]] = []
    for month in sorted(months):
        if runs and len(runs[-1]) < span and next_month(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    for run in runs:
        recomputed = rollup_months_recompute(months=run)
        done += len(recomputed)
        skipped += len(run) - len(recomputed)
    return done, skipped


def rollups_rebuild(*, date_from: date | None = None, date_to: date | None = None) -> dict:
    """Recompute every month from ``date_from`` to ``date_to`` (default: all the data).

    Months of the range without any data are built too (empty), so the read
    path knows they hold nothing rather than falling back to live queries.
    """
    if date_from is None or date_to is None:
        bounds = [
            model.objects.aggregate(first=Min("due_from"), last=Max("due_from"))
            for model in (FollowUpTask, PassedTouchpoint)
        ]
        firsts = [b["first"] for b in bounds if b["first"] is not None]
        lasts = [b["last"] for b in bounds if b["last"] is not None]
        date_from = date_from or min(firsts, default=None) or timezone.localdate()
        date_to = date_to or max(lasts, default=None) or timezone.localdate()
    done, skipped = _recompute_in_spans(months_between(date_from, date_to), REBUILD_SPAN)
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
    done, skipped = _recompute_in_spans(sorted((wanted - built) | dirty), REBUILD_SPAN)
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
