"""The read path: the period's figures from the rollups when they cover it, live otherwise.

``FigureSource`` mirrors the functions of ``metrics`` the dashboard and the
summary call. Each method answers from the rollups when every month of the
period is built and not dirty and the scope and filters are ones the
rollups' grain can answer; otherwise it calls ``metrics`` on the live
querysets it was given. Both paths give the same numbers: the rollups hold
sums of the very counts ``metrics`` computes (``reports.rollups``).

What the rollups can answer: whole months; a department subtree (the
scope's department ids); ``Filters`` of plans and encounter kinds (task
figures only). An agent's own figures, partial months and any other
narrowing go live. A caller that narrows the live querysets further must
say so in ``Filters`` (or pass ``Filters(other=True)``), or the rollups
would answer for more than it asked.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from huifang.accounts.selectors import ALL_DEPARTMENTS
from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask, PassedTouchpoint
from huifang.reports import metrics
from huifang.reports.models import (
    AnswerRollup,
    CallRollup,
    CaseRollup,
    RollupDirty,
    RollupMonth,
    TaskDayRollup,
    TaskRollup,
)
from huifang.reports.rollups import COUNTS, month_of, months_between, next_month
from huifang.surveys import scoring
from huifang.surveys.models import ItemKind

ROLLUP_BREAKDOWNS = {"department", "agent", "plan", "month", "quarter", "day"}


@dataclass(frozen=True)
class Filters:
    """Narrowing beyond scope and period: plan codes, encounter kinds, anything else."""

    plan_codes: frozenset[str] = field(default_factory=frozenset)
    encounter_kinds: frozenset[str] = field(default_factory=frozenset)
    # Any narrowing the rollups' grain cannot answer (a tag, a doctor…): always live.
    other: bool = False

    @property
    def tasks_only(self) -> bool:
        return bool(self.plan_codes or self.encounter_kinds)


NO_FILTERS = Filters()


def whole_months(date_from: date, date_to: date) -> list[date] | None:
    """The months of the period when it is made of whole months, else ``None``."""
    if date_from.day != 1 or (date_to + timedelta(days=1)).day != 1 or date_to < date_from:
        return None
    return months_between(date_from, date_to)


def covered_months(months: list[date]) -> set[date]:
    """Of ``months``, those ended, built and not dirty: one query.

    A month not ended yet still holds tasks not due (the live figures leave
    them out until their first due day comes, with no write to mark the
    month dirty): it is always read live.
    """
    today = timezone.localdate()
    months = [m for m in months if next_month(m) <= today]
    if not months:
        return set()
    dirty = RollupDirty.objects.filter(month=OuterRef("month"))
    return set(
        RollupMonth.objects.filter(month__in=months, built_at__isnull=False)
        .exclude(Exists(dirty))
        .values_list("month", flat=True)
    )


class FigureSource:
    """The figures of one period, scope and filter, from rollups or live.

    ``tasks``, ``passed``, ``answers``, ``cases``: the live querysets
    (already scoped and filtered) used when the rollups cannot answer; built
    on demand by the callables so an answer from the rollups never evaluates
    them. ``passed`` (the passed records, counted with the tasks) may be
    left out: the live figures are then the tasks' alone.
    """

    def __init__(
        self,
        *,
        scope,
        date_from: date,
        date_to: date,
        tasks: Callable[[], QuerySet[FollowUpTask]],
        passed: Callable[[], QuerySet[PassedTouchpoint]] | None = None,
        answers: Callable[[], QuerySet] | None = None,
        cases: Callable[[], QuerySet[Case]] | None = None,
        filters: Filters = NO_FILTERS,
        known_covered: list[date] | None = None,
    ):
        """``known_covered``: months already known to be covered (read from rollups as is)."""
        self.scope = scope
        self.date_from, self.date_to = date_from, date_to
        self.filters = filters
        self._tasks, self._passed, self._answers, self._cases = tasks, passed, answers, cases
        self._cache: dict = {}
        if known_covered is not None:
            self.months, self.from_rollups = sorted(known_covered), True
            return
        months = whole_months(date_from, date_to)
        answerable = months is not None and scope.agent is None and not filters.other
        self.months = months or []
        self.from_rollups = answerable and covered_months(self.months) == set(self.months)

    # The live querysets, evaluated at most once each.
    def live_tasks(self):
        if "tasks" not in self._cache:
            self._cache["tasks"] = self._tasks()
        return self._cache["tasks"]

    def live_passed(self):
        if self._passed is None:
            return None
        if "passed" not in self._cache:
            self._cache["passed"] = self._passed()
        return self._cache["passed"]

    def live_answers(self):
        if "answers" not in self._cache:
            self._cache["answers"] = self._answers()
        return self._cache["answers"]

    def live_cases(self):
        if "cases" not in self._cache:
            self._cache["cases"] = self._cases()
        return self._cache["cases"]

    @property
    def answers_from_rollups(self) -> bool:
        return self.from_rollups and not self.filters.tasks_only

    # Rollup querysets narrowed to the period, scope and filters.
    def _rows(self, model, *, tasks: bool = True):
        qs = model.objects.filter(month__in=self.months)
        if self.scope.department_ids is not ALL_DEPARTMENTS:
            qs = qs.filter(department_id__in=self.scope.department_ids)
        if tasks:
            if self.filters.plan_codes:
                qs = qs.filter(plan__code__in=self.filters.plan_codes)
            if self.filters.encounter_kinds:
                qs = qs.filter(encounter_kind__in=self.filters.encounter_kinds)
        return qs

    @staticmethod
    def _sums(names=COUNTS) -> dict:
        return {name: Sum(name) for name in names}

    # Task figures -----------------------------------------------------------

    def task_figures(self) -> metrics.TaskFigures:
        if not self.from_rollups:
            return metrics.task_figures(self.live_tasks(), self.live_passed())
        row = self._rows(TaskRollup).aggregate(**self._sums())
        return metrics.TaskFigures(key=None, **{k: v or 0 for k, v in row.items()})

    def task_figures_by(self, breakdown: str) -> list[metrics.TaskFigures]:
        if not self.from_rollups or breakdown not in ROLLUP_BREAKDOWNS:
            return metrics.task_figures_by(self.live_tasks(), breakdown, self.live_passed())
        if breakdown == "day":
            rows = self._rows(TaskDayRollup).values("day").annotate(**self._sums()).order_by("day")
            return [_figures(r.pop("day"), r) for r in rows]
        if breakdown in ("month", "quarter"):
            grouped: dict[date, dict] = OrderedDict()
            for row in (
                self._rows(TaskRollup).values("month").annotate(**self._sums()).order_by("month")
            ):
                month = row.pop("month")
                key = month if breakdown == "month" else _quarter(month)
                total = grouped.setdefault(key, dict.fromkeys(COUNTS, 0))
                for name in COUNTS:
                    total[name] += row[name]
            return [_figures(k, v) for k, v in grouped.items()]
        field_name = {"department": "department__code", "plan": "plan__code", "agent": "agent"}[
            breakdown
        ]
        rows = (
            self._rows(TaskRollup).values(field_name).annotate(**self._sums()).order_by(field_name)
        )
        return [_figures(r.pop(field_name), r) for r in rows]

    def failure_reasons(self) -> dict[str, int]:
        if not self.from_rollups:
            return metrics.failure_reasons(self.live_tasks(), self.live_passed())
        rows = (
            self._rows(TaskRollup)
            .exclude(reason="")
            .values("reason")
            .annotate(n=Sum("due"))
            .order_by("-n", "reason")
        )
        return {r["reason"]: r["n"] for r in rows if r["n"]}

    def builtin_satisfaction(self) -> dict:
        if not self.from_rollups:
            return metrics.builtin_satisfaction(self.live_tasks())
        row = self._rows(TaskDayRollup).aggregate(**self._sums(tuple(metrics.BUILTIN_SATISFACTION)))
        counts = {k: row[k] or 0 for k in metrics.BUILTIN_SATISFACTION}
        values = metrics._expand(
            (metrics.BUILTIN_SATISFACTION[k], n) for k, n in counts.items() if n
        )
        rates = scoring.three_level_rates(values)
        return {
            "answers": len(values),
            "counts": counts,
            **{k: (v / 100 if v is not None else None) for k, v in rates.items()},
        }

    def _handling_times(self) -> dict[str, dict]:
        rows = (
            self._rows(CallRollup)
            .values("agent")
            .annotate(calls=Sum("calls_timed"), total=Sum("handling_microseconds"))
            .order_by()
        )
        return {
            r["agent"]: {
                "calls_timed": r["calls"],
                "mean_handling_seconds": round(r["total"] / 10**6 / r["calls"], 1),
            }
            for r in rows
            if r["calls"]
        }

    def agent_figures(self) -> list[dict]:
        if not self.from_rollups:
            return metrics.agent_figures(self.live_tasks())
        rows = (
            self._rows(TaskRollup)
            .values("agent", "plan__required_rate")
            .annotate(**self._sums())
            .order_by()
        )
        return metrics.agent_rows(
            ((r.pop("agent"), r.pop("plan__required_rate"), r) for r in rows),
            self._handling_times(),
        )

    # Answers and cases ------------------------------------------------------

    def _answer_counts(self, kinds) -> list[dict]:
        return list(
            self._rows(AnswerRollup, tasks=False)
            .filter(kind__in=list(kinds))
            .values("department__code", "kind", "dimension", "number")
            .annotate(n=Sum("answers"))
            .order_by()
        )

    def questionnaire_satisfaction(self) -> dict:
        if not self.answers_from_rollups:
            return metrics.questionnaire_satisfaction(self.live_answers())
        return metrics.satisfaction_from_counts(
            (row["kind"], row["dimension"], row["number"], row["n"])
            for row in self._answer_counts([ItemKind.SATISFACTION5, ItemKind.SATISFACTION3])
        )

    def dimension_by_department(self) -> dict[str, dict[str, float | None]]:
        if not self.answers_from_rollups:
            return metrics.dimension_by_department(self.live_answers())
        flat: dict[str, list] = {}
        for row in self._answer_counts(scoring.SCALE_RANGE):
            if not row["dimension"]:
                continue
            department = row["department__code"] or ""
            flat.setdefault(department, []).extend(
                [(row["dimension"], "", row["kind"], row["number"])] * row["n"]
            )
        return {
            department: {d.dimension: d.score for d in scoring.dimension_scores(answers_)}
            for department, answers_ in sorted(flat.items())
        }

    def complaint_funnel(self) -> dict[str, int]:
        if not self.answers_from_rollups:
            return metrics.complaint_funnel(self.live_cases())
        complaints = self._rows(CaseRollup, tasks=False).filter(kind=Case.Kind.COMPLAINT)
        row = complaints.aggregate(
            recorded=Sum("cases"),
            forwarded=Sum("cases", filter=Q(department__isnull=False)),
            answered=Sum("answered"),
            verified=Sum("verified"),
            closed=Sum("cases", filter=Q(status=Case.Status.CLOSED)),
        )
        return {k: v or 0 for k, v in row.items()}


def _quarter(month: date) -> date:
    return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def _figures(key, row: dict) -> metrics.TaskFigures:
    return metrics.TaskFigures(key=metrics._key(key), **{k: row[k] or 0 for k in COUNTS})


def monthly_figures(
    *,
    scope,
    date_from: date,
    date_to: date,
    tasks: Callable[[date, date], QuerySet[FollowUpTask]],
    filters: Filters = NO_FILTERS,
    passed: Callable[[date, date], QuerySet[PassedTouchpoint]] | None = None,
) -> list[metrics.TaskFigures]:
    """Task figures per month of the trend: covered months from the rollups, the rest live.

    ``tasks(date_from, date_to)`` (and ``passed(…)``, the passed records)
    gives the live rows of a range (scoped and filtered like the rollups).
    One rollup query, and one live query per run of consecutive months not
    covered (usually just the current month).
    """

    def live(a: date, b: date) -> list[metrics.TaskFigures]:
        return metrics.task_figures_by(tasks(a, b), "month", passed(a, b) if passed else None)

    months = whole_months(date_from, date_to)
    if months is None or scope.agent is not None or filters.other:
        return live(date_from, date_to)
    covered = covered_months(months)
    result: dict[date, metrics.TaskFigures] = {}
    if covered:
        source = FigureSource(
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            tasks=lambda: None,
            filters=filters,
            known_covered=sorted(covered),
        )
        for figures in source.task_figures_by("month"):
            result[date.fromisoformat(figures.key)] = figures
    run: list[date] = []
    for month in [*months, None]:
        if month is not None and month not in covered:
            run.append(month)
            continue
        if run:
            for figures in live(run[0], next_month(run[-1]) - timedelta(days=1)):
                result[month_of(date.fromisoformat(figures.key))] = figures
            run = []
    return [result[m] for m in sorted(result)]
