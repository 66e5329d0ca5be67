"""The one place follow-up figures are computed. Definitions: docs/metrics.md.

Every function takes a queryset of tasks already scoped to the acting user
(``selectors.report_tasks``) and aggregates in the database: one query per
figure and breakdown, whatever the number of rows. Rates are fractions
(0–1) or ``None`` when the denominator is 0.

The task figures also take the passed records of the same scope
(``passed``, from ``selectors.report_passed``): back-filled touchpoints
whose window had ended, stored as ``PassedTouchpoint`` instead of
``window_passed`` tasks. Each counts exactly as such a task never tried
did (``annotate_passed``), inside the same query (a UNION ALL of the two
grouped queries); ``None`` leaves them out.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from fractions import Fraction
from math import floor

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncDay, TruncMonth, TruncQuarter

from huifang.feedback.models import Case
from huifang.followups.models import (
    ContactAttempt,
    FollowUpTask,
    PassedTouchpoint,
    ReportedRecheck,
)
from huifang.patients.models import Encounter
from huifang.surveys import scoring
from huifang.surveys.models import Answer, ItemKind

# Outcome of an attempt that records there was no number to dial: not an attempt.
NO_PHONE_OUTCOME = "no_phone"
NOT_ATTEMPTED = "not_attempted"

# Built-in three-level answer (followups.questions) → value on scoring's 1–3 scale.
BUILTIN_SATISFACTION = {"satisfied": 3, "fairly_satisfied": 2, "dissatisfied": 1}

# Breakdown name → expression grouped on.
BREAKDOWNS = {
    "department": "encounter__department__code",
    "doctor": "encounter__attending_doctor",
    "nurse": "encounter__responsible_nurse",
    "agent": "agent_name",
    "plan": "plan__code",
    "day": "period_day",
    "month": "period_month",
    "quarter": "period_quarter",
}


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, or ``None`` when nothing is in the denominator."""
    return part / whole if whole else None


def _attempts():
    return ContactAttempt.objects.filter(task=OuterRef("pk")).exclude(
        outcome__code=NO_PHONE_OUTCOME
    )


def annotate_tasks(tasks: QuerySet[FollowUpTask]) -> QuerySet[FollowUpTask]:
    """Per task: attempted, reached, first attempt, last outcome, excluded, agent, periods."""
    attempts = _attempts()
    any_attempt = ContactAttempt.objects.filter(task=OuterRef("pk"))
    reached = Exists(attempts.filter(outcome__counts_as_success=True))
    first_at = Subquery(
        attempts.order_by("at", "id").values("at")[:1], output_field=DateTimeField()
    )
    first_agent = Subquery(
        attempts.filter(agent__isnull=False).order_by("at", "id").values("agent__username")[:1]
    )
    return tasks.annotate(
        is_attempted=Exists(attempts),
        is_reached=reached,
        first_day=TruncDate(first_at),
        last_outcome=Coalesce(
            Subquery(any_attempt.order_by("-at", "-id").values("outcome__code")[:1]),
            F("status"),
        ),
        died=Exists(any_attempt.filter(outcome__patient_effect="deceased"))
        | Q(patient__deceased_on__isnull=False, patient__deceased_on__lte=F("due_until")),
        no_phone=Exists(any_attempt.filter(outcome__code=NO_PHONE_OUTCOME))
        | Q(status=FollowUpTask.Status.NO_PHONE),
        agent_name=Coalesce(F("assigned_to__username"), first_agent),
        period_day=TruncDay("due_from"),
        period_month=TruncMonth("due_from"),
        period_quarter=TruncQuarter("due_from"),
    )


def _task_aggregates() -> dict:
    not_reached = Q(is_reached=False)
    return {
        "due": Count("pk"),
        "attempted": Count("pk", filter=Q(is_attempted=True)),
        "reached": Count("pk", filter=Q(is_reached=True)),
        "on_time": Count(
            "pk",
            filter=Q(
                is_attempted=True,
                first_day__gte=F("due_from"),
                first_day__lte=F("due_until"),
            ),
        ),
        "excluded_deceased": Count("pk", filter=not_reached & Q(died=True)),
        "excluded_no_phone": Count("pk", filter=not_reached & Q(died=False, no_phone=True)),
    }


# The counts of a group of tasks, in the order ``_task_aggregates`` selects them.
COUNTS = ("due", "attempted", "reached", "on_time", "excluded_deceased", "excluded_no_phone")


def _passed_died() -> Q:
    # The second half of annotate_tasks' ``died``: nobody called, so no death learnt on a call.
    return Q(
        encounter__patient__deceased_on__isnull=False,
        encounter__patient__deceased_on__lte=F("due_until"),
    )


def annotate_passed(passed: QuerySet[PassedTouchpoint]) -> QuerySet[PassedTouchpoint]:
    """Per passed record, what ``annotate_tasks`` says of a ``window_passed`` task never tried.

    Not attempted, not reached, last outcome ``window_passed``, no agent, no
    phone problem; ``died`` when the patient died by the end of the window.
    The breakdown fields of ``BREAKDOWNS`` reach the encounter the same way.
    """
    return passed.annotate(
        is_attempted=Value(False, output_field=BooleanField()),
        is_reached=Value(False, output_field=BooleanField()),
        last_outcome=Value(FollowUpTask.Status.WINDOW_PASSED.value, output_field=CharField()),
        died=ExpressionWrapper(_passed_died(), output_field=BooleanField()),
        agent_name=Value(None, output_field=CharField()),
        period_day=TruncDay("due_from"),
        period_month=TruncMonth("due_from"),
        period_quarter=TruncQuarter("due_from"),
    )


def passed_aggregates() -> dict:
    """Due and excluded as deceased of passed records; their other counts are always 0."""
    return {"due": Count("pk"), "excluded_deceased": Count("pk", filter=_passed_died())}


def _passed_columns(names) -> dict:
    """``passed_aggregates`` as the columns ``names`` of ``_task_aggregates``, zeros included."""
    counted = passed_aggregates()
    return {
        name: counted[name] if name in counted else Value(0, output_field=IntegerField())
        for name in names
    }


def _summed(task_rows, passed_rows, fields: tuple[str, ...], order=None) -> dict[tuple, dict]:
    """Grouped count rows of tasks and of passed records, summed per value of ``fields``.

    ``task_rows``/``passed_rows``: ``values(*fields).annotate(counts…)`` with
    the same counts in the same order; ``passed_rows`` ``None``: the tasks'
    alone. One query: a UNION ALL ordered by ``order`` (default ``fields``),
    so keys come in the database's order as before; a key on both sides is
    summed here.
    """
    rows = task_rows
    if passed_rows is not None:
        rows = task_rows.order_by().union(passed_rows.order_by(), all=True)
    merged: dict[tuple, dict] = {}
    for row in rows.order_by(*(order or fields)):
        if not row["due"]:
            # Grouped on a constant (no agent, all rows), an aggregate of no rows is one empty row.
            continue
        key = tuple(row.pop(f) for f in fields)
        if key in merged:
            for name, n in row.items():
                merged[key][name] += n
        else:
            merged[key] = row
    return merged


def _grouped(tasks, passed, fields: tuple[str, ...], names=COUNTS) -> dict[tuple, dict]:
    """The counts ``names`` of tasks and passed records per value of ``fields``. One query.

    ``fields`` empty: one group of every row, under the key ``()``.
    """
    everything = {"every_row": Value(1, output_field=IntegerField())}
    aggregates = _task_aggregates()
    task_rows = annotate_tasks(tasks).annotate(**everything)
    task_rows = task_rows.values(*(fields or everything)).annotate(
        **{n: aggregates[n] for n in names}
    )
    passed_rows = None
    if passed is not None:
        passed_rows = annotate_passed(passed).annotate(**everything)
        passed_rows = passed_rows.values(*(fields or everything)).annotate(**_passed_columns(names))
    rows = _summed(task_rows, passed_rows, tuple(fields or everything))
    if fields:
        return rows
    return {(): rows[(1,)]} if rows else {}


@dataclass
class TaskFigures:
    """Counts and rates of one group of tasks."""

    key: str | None
    due: int
    attempted: int
    reached: int
    on_time: int
    excluded_deceased: int
    excluded_no_phone: int

    @property
    def eligible(self) -> int:
        return self.due - self.excluded_deceased - self.excluded_no_phone

    @property
    def not_reached(self) -> int:
        return self.due - self.reached

    @property
    def follow_up_rate(self) -> float | None:
        return rate(self.attempted, self.due)

    @property
    def success_rate(self) -> float | None:
        return rate(self.reached, self.due)

    @property
    def success_rate_of_attempted(self) -> float | None:
        return rate(self.reached, self.attempted)

    @property
    def success_rate_of_eligible(self) -> float | None:
        return rate(self.reached, self.eligible)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.attempted)

    def as_dict(self) -> dict:
        data = asdict(self)
        for name in (
            "eligible",
            "not_reached",
            "follow_up_rate",
            "success_rate",
            "success_rate_of_attempted",
            "success_rate_of_eligible",
            "on_time_rate",
        ):
            data[name] = getattr(self, name)
        return data


def _key(value) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None else str(value)


def task_figures(
    tasks: QuerySet[FollowUpTask], passed: QuerySet[PassedTouchpoint] | None = None
) -> TaskFigures:
    """Due, attempted, reached, on time and the exclusions over all ``tasks`` and ``passed``.

    One query.
    """
    row = _grouped(tasks, passed, ()).get((), dict.fromkeys(COUNTS, 0))
    return TaskFigures(key=None, **row)


def task_figures_by(
    tasks: QuerySet[FollowUpTask],
    breakdown: str,
    passed: QuerySet[PassedTouchpoint] | None = None,
) -> list[TaskFigures]:
    """The same figures per department, doctor, nurse, agent, plan, day, month or quarter.

    One query; passed records count under no agent.
    """
    rows = _grouped(tasks, passed, (BREAKDOWNS[breakdown],))
    return [TaskFigures(key=_key(key), **row) for (key,), row in rows.items()]


def failure_reasons(
    tasks: QuerySet[FollowUpTask], passed: QuerySet[PassedTouchpoint] | None = None
) -> dict[str, int]:
    """Tasks not reached, by the outcome code of their last attempt.

    A task never attempted counts under its status (``pending``,
    ``no_phone``, ``window_passed``…), and so does a passed record
    (``window_passed``); one query.
    """
    task_rows = (
        annotate_tasks(tasks)
        .filter(is_reached=False)
        .values("last_outcome")
        .annotate(due=Count("pk"))
    )
    passed_rows = None
    if passed is not None:
        passed_rows = annotate_passed(passed).values("last_outcome").annotate(due=Count("pk"))
    rows = _summed(task_rows, passed_rows, ("last_outcome",), order=("-due", "last_outcome"))
    # Stable: ties keep the database's order; only a count summed over both sides moves.
    ordered = sorted(rows.items(), key=lambda item: -item[1]["due"])
    return {outcome: row["due"] for (outcome,), row in ordered}


def _expand(counts: Iterable[tuple[float, int]]) -> list[float]:
    """Counts of each answer value → the list of values ``surveys.scoring`` takes."""
    values: list[float] = []
    for value, n in counts:
        values.extend([value] * n)
    return values


def builtin_satisfaction(tasks: QuerySet[FollowUpTask]) -> dict:
    """The built-in three-level question asked on calls (满意/基本满意/不满意).

    One answer per attempt that recorded it; scored by ``scoring.three_level_rates``
    (which returns percentages; converted here to fractions).
    """
    rows = (
        ContactAttempt.objects.filter(task__in=tasks.values("pk"))
        .filter(answers__satisfaction__in=list(BUILTIN_SATISFACTION))
        .values("answers__satisfaction")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["answers__satisfaction"]: row["n"] for row in rows}
    values = _expand((BUILTIN_SATISFACTION[k], n) for k, n in counts.items())
    rates = scoring.three_level_rates(values)
    return {
        "answers": len(values),
        "counts": {k: counts.get(k, 0) for k in BUILTIN_SATISFACTION},
        **{k: (v / 100 if v is not None else None) for k, v in rates.items()},
    }


def questionnaire_satisfaction(answers: QuerySet[Answer]) -> dict:
    """Five- and three-level questionnaire answers, and per dimension, via ``surveys.scoring``.

    ``answers`` are already scoped and free of voided responses. Counts come
    from one grouped query; the scoring functions get the expanded values.
    """
    rows = (
        answers.filter(
            item__kind__in=[ItemKind.SATISFACTION5, ItemKind.SATISFACTION3],
            number__isnull=False,
        )
        .values("item__kind", "item__dimension", "number")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return satisfaction_from_counts(
        (row["item__kind"], row["item__dimension"], row["number"], row["n"]) for row in rows
    )


def satisfaction_from_counts(counts) -> dict:
    """The questionnaire satisfaction figures from ``(kind, dimension, value, count)`` groups.

    Shared by the live path (one grouped query) and the rollups, so both
    score the same way.
    """
    five: list[tuple[float, int]] = []
    three: list[tuple[float, int]] = []
    flat = []
    for kind, dimension, number, n in counts:
        (five if kind == ItemKind.SATISFACTION5 else three).append((number, n))
        flat.extend([(dimension, "", kind, number)] * n)
    five_values, three_values = _expand(five), _expand(three)
    five_rate = scoring.satisfaction_rate(five_values)
    three_rates = scoring.three_level_rates(three_values)
    return {
        "five_level_answers": len(five_values),
        "five_level_satisfaction_rate": five_rate / 100 if five_rate is not None else None,
        "five_level_mean_score": scoring.mean_score(five_values, ItemKind.SATISFACTION5),
        "three_level_answers": len(three_values),
        "three_level_satisfaction_rate": (
            three_rates["satisfaction_rate"] / 100
            if three_rates["satisfaction_rate"] is not None
            else None
        ),
        "by_dimension": {
            d.dimension: {"answers": d.count, "score": d.score}
            for d in scoring.dimension_scores(flat)
        },
    }


def complaint_figures(cases: QuerySet[Case]) -> dict:
    """Complaints by category and department, answered on time, verification results.

    On time: answered no later than the deadline; late: answered after it,
    or unanswered with the deadline passed (counted at ``now``).
    """
    from django.utils import timezone

    complaints = cases.filter(kind=Case.Kind.COMPLAINT)
    totals = complaints.aggregate(
        total=Count("pk"),
        with_deadline=Count("pk", filter=Q(deadline_at__isnull=False)),
        answered_on_time=Count("pk", filter=Q(answered_at__lte=F("deadline_at"))),
        answered_late=Count("pk", filter=Q(answered_at__gt=F("deadline_at"))),
        overdue_open=Count(
            "pk",
            filter=Q(answered_at__isnull=True, deadline_at__lt=timezone.now())
            & ~Q(status__in=[Case.Status.CLOSED, Case.Status.WITHDRAWN]),
        ),
        verified=Count("pk", filter=Q(verification_result__gt="")),
        verified_satisfied=Count("pk", filter=Q(verification_result=Case.Verification.SATISFIED)),
    )
    by_category = dict(
        complaints.values_list("category").annotate(n=Count("pk")).order_by("category")
    )
    by_department = dict(
        complaints.values_list("department__code")
        .annotate(n=Count("pk"))
        .order_by("department__code")
    )
    by_kind = dict(cases.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
    suggestions_by_status = dict(
        cases.filter(kind=Case.Kind.SUGGESTION)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by("status")
    )
    late = totals["answered_late"] + totals["overdue_open"]
    return {
        "complaints": totals["total"],
        "by_kind": by_kind,
        "suggestions_by_status": suggestions_by_status,
        "by_category": by_category,
        "by_department": {k or "": v for k, v in by_department.items()},
        "with_deadline": totals["with_deadline"],
        "answered_on_time": totals["answered_on_time"],
        "late": late,
        "on_time_handling_rate": rate(
            totals["answered_on_time"], totals["answered_on_time"] + late
        ),
        "verified": totals["verified"],
        "verification_satisfaction_rate": rate(totals["verified_satisfied"], totals["verified"]),
    }


def required_agent_rate() -> Fraction:
    return Fraction(str(getattr(settings, "HUIFANG_AGENT_REQUIRED_RATE", "0.95")))


def required_rate_of(plan_rate) -> Fraction:
    """A plan's required follow-up rate as a fraction: its own target (a percentage,
    ``Plan.required_rate``) where it has one, else ``HUIFANG_AGENT_REQUIRED_RATE``."""
    if plan_rate is None:
        return required_agent_rate()
    return Fraction(str(plan_rate)) / 100


def deductions(*, achieved: int, assigned: int, required: Fraction | None = None) -> int:
    """One assessment point per full 5 % below the required rate (exact arithmetic)."""
    required = required_agent_rate() if required is None else required
    if not assigned:
        return 0
    shortfall = required - Fraction(achieved, assigned)
    return max(0, floor(shortfall / Fraction(5, 100)))


def handling_times(tasks: QuerySet[FollowUpTask]) -> dict[str, dict]:
    """Per agent (who made the attempt): calls timed and mean handling time in seconds.

    Handling time is ``at − started_at`` (opening the task to recording the
    outcome); attempts without a start time or with a negative duration are
    left out. One grouped query.
    """
    duration = ExpressionWrapper(F("at") - F("started_at"), output_field=DurationField())
    rows = (
        ContactAttempt.objects.filter(
            task__in=tasks.values("pk"),
            agent__isnull=False,
            started_at__isnull=False,
            started_at__lte=F("at"),
        )
        .values("agent__username")
        .annotate(calls=Count("pk"), total=Sum(duration))
        .order_by()
    )
    return {
        row["agent__username"]: {
            "calls_timed": row["calls"],
            "mean_handling_seconds": round(row["total"].total_seconds() / row["calls"], 1)
            if row["total"] is not None
            else None,
        }
        for row in rows
    }


def agent_rows(rows: Iterable[tuple[str | None, object, dict]], times: dict) -> list[dict]:
    """The agent table from counts per (agent, plan's own required rate).

    Each agent's required rate is the mean of the required rates of their
    tasks' plans (``required_rate_of``), weighted by tasks: with every plan
    at 100 % (the documents' rule per category) it is 100 %; with no plan
    target it is ``HUIFANG_AGENT_REQUIRED_RATE``. Exact fractions throughout.
    """
    agents: dict[str, dict] = {}
    for agent, plan_rate, counts in rows:
        if agent is None or not counts["due"]:
            continue
        entry = agents.setdefault(
            agent, {"due": 0, "attempted": 0, "reached": 0, "required": Fraction(0)}
        )
        for name in ("due", "attempted", "reached"):
            entry[name] += counts[name]
        entry["required"] += counts["due"] * required_rate_of(plan_rate)
    result = []
    for agent in sorted(agents):
        entry = agents[agent]
        required = entry["required"] / entry["due"]
        result.append(
            {
                "agent": agent,
                "assigned": entry["due"],
                "attempted": entry["attempted"],
                "reached": entry["reached"],
                "completion_rate": rate(entry["attempted"], entry["due"]),
                "required_rate": float(required),
                "deductions": deductions(
                    achieved=entry["attempted"], assigned=entry["due"], required=required
                ),
                **times.get(agent, {"calls_timed": 0, "mean_handling_seconds": None}),
            }
        )
    return result


def agent_figures(tasks: QuerySet[FollowUpTask]) -> list[dict]:
    """Per agent: tasks assigned (or first worked), attempted, reached, completion, deductions,
    and mean handling time.

    Completion is attempted ÷ assigned, compared with the required rate of the
    agent's plans (``agent_rows``). Two queries.
    """
    grouped = _grouped(tasks, None, ("agent_name", "plan__required_rate"))
    return agent_rows(
        ((agent, plan_rate, counts) for (agent, plan_rate), counts in grouped.items()),
        handling_times(tasks),
    )


def recheck_figures(
    tasks: QuerySet[FollowUpTask], passed: QuerySet[PassedTouchpoint] | None = None
) -> dict:
    """Health checks followed up in the period whose patient came back for a later check,
    or said on a call or in a questionnaire that it was re-checked (``ReportedRecheck``).

    A check counts when one of its tasks or passed records is due in the period.
    """
    due = Q(pk__in=tasks.values("encounter_id"))
    if passed is not None:
        due |= Q(pk__in=passed.values("encounter_id"))
    checks = Encounter.objects.filter(due, kind=Encounter.Kind.HEALTH_CHECK)
    later = Encounter.objects.filter(
        patient=OuterRef("patient"),
        kind=Encounter.Kind.HEALTH_CHECK,
        visit_on__gt=OuterRef("visit_on"),
    )
    reported = ReportedRecheck.objects.filter(encounter=OuterRef("pk"))
    row = checks.aggregate(
        followed_up=Count("pk"),
        rechecked=Count("pk", filter=Q(Exists(later)) | Q(Exists(reported))),
    )
    return {**row, "recheck_rate": rate(row["rechecked"], row["followed_up"])}


def dimension_by_department(answers: QuerySet[Answer]) -> dict[str, dict[str, float | None]]:
    """Department code → dimension → mean 0–100 score (``scoring.dimension_scores``).

    For the heat map; one grouped query.
    """
    rows = (
        answers.filter(item__kind__in=list(scoring.SCALE_RANGE), number__isnull=False)
        .exclude(item__dimension="")
        .values("response__encounter__department__code", "item__dimension", "item__kind", "number")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flat: dict[str, list] = {}
    for row in rows:
        department = row["response__encounter__department__code"] or ""
        flat.setdefault(department, []).extend(
            [(row["item__dimension"], "", row["item__kind"], row["number"])] * row["n"]
        )
    return {
        department: {d.dimension: d.score for d in scoring.dimension_scores(answers_)}
        for department, answers_ in sorted(flat.items())
    }


def monthly_by_department(
    tasks: QuerySet[FollowUpTask], passed: QuerySet[PassedTouchpoint] | None = None
) -> dict[str, list[tuple[str, int, int]]]:
    """Department code → [(month "YYYY-MM", reached, due)], for per-department p-charts. One query."""
    rows = _grouped(
        tasks, passed, ("encounter__department__code", "period_month"), names=("due", "reached")
    )
    result: dict[str, list[tuple[str, int, int]]] = {}
    for (department, month), row in rows.items():
        result.setdefault(department, []).append((_key(month)[:7], row["reached"], row["due"]))
    return result


def complaint_funnel(cases: QuerySet[Case]) -> dict[str, int]:
    """Complaints recorded → sent to a department → answered → verified → closed. One query."""
    return cases.filter(kind=Case.Kind.COMPLAINT).aggregate(
        recorded=Count("pk"),
        forwarded=Count("pk", filter=Q(department__isnull=False)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        verified=Count("pk", filter=Q(verification_result__gt="")),
        closed=Count("pk", filter=Q(status=Case.Status.CLOSED)),
    )


# Satisfaction breakdown name → the encounter field grouped on.
SATISFACTION_BREAKDOWNS = {
    "doctor": "attending_doctor",
    "nurse": "responsible_nurse",
}


def satisfaction_by(
    tasks: QuerySet[FollowUpTask], answers: QuerySet[Answer], breakdown: str
) -> list[dict]:
    """Satisfaction per attending doctor or responsible nurse of the encounter. Two queries.

    Per name: the built-in three-level question asked on calls about the
    encounter (``call_answers``; ``call_satisfied`` = 满意 + 基本满意, as
    ``scoring.three_level_rates`` counts the rate) and the five-level
    questionnaire answers on responses about it (``five_level_answers``;
    ``five_level_satisfied`` = 非常满意 5 + 满意 4, as
    ``scoring.satisfaction_rate``). Rates are satisfied ÷ answers. An
    encounter without the name recorded counts under ``""``.
    """
    field = SATISFACTION_BREAKDOWNS[breakdown]
    call_field = f"task__encounter__{field}"
    calls = (
        ContactAttempt.objects.filter(task__in=tasks.values("pk"))
        .filter(answers__satisfaction__in=list(BUILTIN_SATISFACTION))
        .values(call_field, "answers__satisfaction")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows: dict[str, dict] = {}

    def row(key) -> dict:
        key = key or ""
        return rows.setdefault(
            key,
            {
                "key": key,
                "call_answers": 0,
                "call_satisfied": 0,
                "five_level_answers": 0,
                "five_level_satisfied": 0,
            },
        )

    for line in calls:
        r = row(line[call_field])
        r["call_answers"] += line["n"]
        if BUILTIN_SATISFACTION[line["answers__satisfaction"]] >= 2:
            r["call_satisfied"] += line["n"]
    answer_field = f"response__encounter__{field}"
    five = (
        answers.filter(item__kind=ItemKind.SATISFACTION5, number__isnull=False)
        .values(answer_field)
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(number__gte=4)))
        .order_by()
    )
    for line in five:
        r = row(line[answer_field])
        r["five_level_answers"] += line["n"]
        r["five_level_satisfied"] += line["satisfied"]
    result = sorted(rows.values(), key=lambda r: (r["key"] == "", r["key"]))
    for r in result:
        r["call_satisfaction_rate"] = rate(r["call_satisfied"], r["call_answers"])
        r["five_level_satisfaction_rate"] = rate(r["five_level_satisfied"], r["five_level_answers"])
    return result
