"""Figures by the patient's sex, age band and department group; plans against their
required rate; satisfaction by every dimension. Definitions: docs/metrics.md,
"Breakdowns by patient and department group".

Like ``metrics``, every function takes querysets already scoped to the
acting user (``selectors.report_tasks`` …) and groups in the database: one
query per source (tasks with passed records, call answers, questionnaire
answers), whatever the number of rows. These figures are always live (the
rollups carry no sex, age or group).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.followups.models import ContactAttempt, FollowUpTask, PassedTouchpoint
from huifang.patients.models import Sex
from huifang.reports import metrics
from huifang.surveys.models import Answer, Dimension, ItemKind

UNKNOWN = ""
UNGROUPED = ""
PATIENT_BREAKDOWNS = ("sex", "age", "department_group")


# --- Age bands ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBand:
    """Ages ``low`` to ``high`` (inclusive; ``high`` None: and older)."""

    low: int
    high: int | None

    @property
    def key(self) -> str:
        return f"{self.low}-{self.high}" if self.high is not None else f"{self.low}+"

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.high is not None else f"{self.low}+"


def age_bands(bounds=None) -> list[AgeBand]:
    """The bands from their lower bounds (``HUIFANG_REPORT_AGE_BANDS``, default 0,18,45,60,75).

    Bounds are sorted; the first band starts at 0 whatever the first bound.
    """
    if bounds is None:
        bounds = getattr(settings, "HUIFANG_REPORT_AGE_BANDS", [0, 18, 45, 60, 75])
    lows = sorted({int(b) for b in bounds} | {0})
    return [
        AgeBand(low, lows[i + 1] - 1 if i + 1 < len(lows) else None) for i, low in enumerate(lows)
    ]


def _age_at_encounter(prefix: str) -> dict:
    """Annotations giving the patient's age in whole years on the encounter's day.

    The day is the discharge, else the visit, else the admission date. Age is
    computed from year, month and day parts so SQLite and PostgreSQL agree.
    """
    on = Coalesce(f"{prefix}discharged_on", f"{prefix}visit_on", f"{prefix}admitted_on")
    born = f"{prefix}patient__birth_date"
    return {
        "bd_on_y": ExtractYear(on),
        "bd_on_m": ExtractMonth(on),
        "bd_on_d": ExtractDay(on),
        "bd_born_y": ExtractYear(born),
        "bd_born_m": ExtractMonth(born),
        "bd_born_d": ExtractDay(born),
    }


def _age_band_case(bands: list[AgeBand]) -> tuple:
    before_birthday = Q(bd_on_m__lt=F("bd_born_m")) | Q(
        bd_on_m=F("bd_born_m"), bd_on_d__lt=F("bd_born_d")
    )
    age = (
        F("bd_on_y")
        - F("bd_born_y")
        - Case(When(before_birthday, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    whens = [When(Q(bd_born_y__isnull=True) | Q(bd_on_y__isnull=True), then=Value(UNKNOWN))]
    # Highest band first: the first matching When wins.
    for band in reversed(bands):
        whens.append(When(bd_age__gte=band.low, then=Value(band.key)))
    return age, Case(*whens, default=Value(UNKNOWN))


def _group_on(qs: QuerySet, breakdown: str, prefix: str) -> QuerySet:
    """``qs`` with ``group_key``: the sex, age band or department (id) of its encounter."""
    if breakdown == "sex":
        return qs.annotate(group_key=F(f"{prefix}patient__sex"))
    if breakdown == "department_group":
        return qs.annotate(group_key=F(f"{prefix}department_id"))
    if breakdown == "age":
        age, band = _age_band_case(age_bands())
        return (
            qs.annotate(**_age_at_encounter(prefix)).annotate(bd_age=age).annotate(group_key=band)
        )
    raise ValueError(f"unknown breakdown {breakdown!r}")


# --- Department groups ----------------------------------------------------------------


def department_group_map() -> tuple[dict[int, str], list[tuple[str, str]]]:
    """Department id → group code, and the groups (code, name) in their order. Three queries.

    A department is in the group it is listed in, else in its nearest listed
    parent's; failing that, in the first group (in order) with a word of
    ``name_keywords`` in its own name, else in its nearest parent's name.
    """
    from huifang.reports.models import DepartmentGroup, DepartmentGroupMember

    groups = list(DepartmentGroup.objects.order_by("sort_order", "code"))
    code_of = {g.pk: g.code for g in groups}
    listed = {
        department_id: code_of[group_id]
        for department_id, group_id in DepartmentGroupMember.objects.values_list(
            "department_id", "group_id"
        )
    }
    nodes = {
        pk: (parent, name)
        for pk, parent, name in Department.objects.values_list("pk", "parent_id", "name")
    }

    def chain(pk):
        seen = set()
        while pk is not None and pk in nodes and pk not in seen:
            seen.add(pk)
            yield pk
            pk = nodes[pk][0]

    def by_words(name: str) -> str | None:
        for group in groups:
            if any(word and word in name for word in group.name_keywords or []):
                return group.code
        return None

    result = {}
    for pk in nodes:
        found = next((listed[p] for p in chain(pk) if p in listed), None)
        if found is None:
            found = next((c for p in chain(pk) if (c := by_words(nodes[p][1]))), None)
        result[pk] = found or UNGROUPED
    return result, [(g.code, g.name) for g in groups]


# --- Figures per group ----------------------------------------------------------------


def _row(key: str, label: str) -> dict:
    return {
        "key": key,
        "label": label,
        **dict.fromkeys(metrics.COUNTS, 0),
        "call_answers": 0,
        "call_satisfied": 0,
        "five_level_answers": 0,
        "five_level_satisfied": 0,
    }


def _finish(row: dict) -> dict:
    row["follow_up_rate"] = metrics.rate(row["attempted"], row["due"])
    row["success_rate"] = metrics.rate(row["reached"], row["due"])
    row["call_satisfaction_rate"] = metrics.rate(row["call_satisfied"], row["call_answers"])
    row["five_level_satisfaction_rate"] = metrics.rate(
        row["five_level_satisfied"], row["five_level_answers"]
    )
    return row


def _keys_and_labels(breakdown: str, groups=None) -> list[tuple[str, str]]:
    if breakdown == "sex":
        return [
            (Sex.MALE, Sex.MALE.label),
            (Sex.FEMALE, Sex.FEMALE.label),
            (Sex.UNKNOWN, Sex.UNKNOWN.label),
        ]
    if breakdown == "age":
        return [(b.key, b.label) for b in age_bands()] + [
            (UNKNOWN, _("Date of birth not recorded"))
        ]
    return [*groups, (UNGROUPED, _("Not in a group"))]


def figures_by_patient(
    tasks: QuerySet[FollowUpTask],
    answers: QuerySet[Answer],
    breakdown: str,
    passed: QuerySet[PassedTouchpoint] | None = None,
) -> list[dict]:
    """Due, attempted, reached, their rates and satisfaction per sex, age band or group.

    ``breakdown``: ``sex`` (the patient's), ``age`` (the patient's age on the
    encounter's day, in ``age_bands()``), ``department_group`` (the encounter
    department's group, ``department_group_map``). Satisfaction: the built-in
    three-level question on calls of these tasks (满意 + 基本满意 ÷ answers)
    and the five-level questionnaire answers (非常满意 + 满意 ÷ answers).
    Every group is listed, in order, with zeros when nothing is in it.
    Three queries (six with the department groups' map).
    """
    groups = None
    department_to_group: dict[int, str] = {}
    if breakdown == "department_group":
        department_to_group, groups = department_group_map()

    rows = {key: _row(key, str(label)) for key, label in _keys_and_labels(breakdown, groups)}

    def key_of(value) -> str:
        if breakdown == "department_group":
            key = department_to_group.get(value, UNGROUPED)
        else:
            key = value if value is not None else (Sex.UNKNOWN if breakdown == "sex" else UNKNOWN)
        # A value outside the known ones (an imported sex code) gets its own row.
        rows.setdefault(key, _row(key, str(key)))
        return key

    counted = metrics._grouped(
        _group_on(tasks, breakdown, "encounter__"),
        _group_on(passed, breakdown, "encounter__") if passed is not None else None,
        ("group_key",),
    )
    for (value,), counts in counted.items():
        row = rows[key_of(value)]
        for name in metrics.COUNTS:
            row[name] += counts[name]
    calls = (
        _group_on(
            ContactAttempt.objects.filter(task__in=tasks.values("pk")).filter(
                answers__satisfaction__in=list(metrics.BUILTIN_SATISFACTION)
            ),
            breakdown,
            "task__encounter__",
        )
        .values("group_key", "answers__satisfaction")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for line in calls:
        row = rows[key_of(line["group_key"])]
        row["call_answers"] += line["n"]
        if metrics.BUILTIN_SATISFACTION[line["answers__satisfaction"]] >= 2:
            row["call_satisfied"] += line["n"]
    five = (
        _group_on(
            answers.filter(item__kind=ItemKind.SATISFACTION5, number__isnull=False),
            breakdown,
            "response__encounter__",
        )
        .values("group_key")
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(number__gte=4)))
        .order_by()
    )
    for line in five:
        row = rows[key_of(line["group_key"])]
        row["five_level_answers"] += line["n"]
        row["five_level_satisfied"] += line["satisfied"]
    return [_finish(row) for row in rows.values()]


# --- Plans against their required rate ------------------------------------------------


def plan_targets(plan_rows: list[metrics.TaskFigures]) -> list[dict]:
    """Each plan's follow-up rate against its required rate, the shortfall and the points.

    ``plan_rows``: task figures by plan code. The required rate is the plan's
    own (``Plan.required_rate``), else the hospital-wide
    ``HUIFANG_AGENT_REQUIRED_RATE``; the shortfall is required − actual (0
    when met) and the points one per full 5 % below (``metrics.deductions``).
    One query.
    """
    from huifang.followups.models import Plan

    plans = {
        code: (name, rate)
        for code, name, rate in Plan.objects.filter(
            code__in=[r.key for r in plan_rows]
        ).values_list("code", "name", "required_rate")
    }
    result = []
    for figures in plan_rows:
        name, own = plans.get(figures.key, (figures.key, None))
        required = metrics.required_rate_of(own)
        actual = figures.follow_up_rate
        shortfall = max(0.0, float(required) - actual) if actual is not None else None
        result.append(
            {
                "key": figures.key,
                "name": name,
                "due": figures.due,
                "attempted": figures.attempted,
                "follow_up_rate": actual,
                "required_rate": float(required),
                "own_target": own is not None,
                "shortfall": shortfall,
                "points": metrics.deductions(
                    achieved=figures.attempted, assigned=figures.due, required=required
                ),
            }
        )
    result.sort(key=lambda r: (-(r["shortfall"] or 0), r["key"] or ""))
    return result


# --- Satisfaction by dimension ----------------------------------------------------------


def dimension_rows(answers: QuerySet[Answer]) -> list[dict]:
    """Every questionnaire dimension in order: answers, mean 0–100 score, satisfaction rate.

    Five- and three-level answers as ``satisfaction.questionnaire`` counts
    them (``scoring.dimension_scores`` for the score); the rate is the share
    of 非常满意 + 满意 among the dimension's five-level answers
    (``scoring.satisfaction_rate``). Dimensions nobody answered are listed
    with 0 answers, so a reader sees they were not asked. One query.
    """
    from huifang.surveys import scoring

    counts = (
        answers.filter(
            item__kind__in=[ItemKind.SATISFACTION5, ItemKind.SATISFACTION3],
            number__isnull=False,
        )
        .exclude(item__dimension="")
        .values("item__dimension", "item__kind", "number")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flat: list[tuple] = []
    five: dict[str, list[float]] = {}
    for row in counts:
        dimension, kind, number, n = (
            row["item__dimension"],
            row["item__kind"],
            row["number"],
            row["n"],
        )
        flat.extend([(dimension, "", kind, number)] * n)
        if kind == ItemKind.SATISFACTION5:
            five.setdefault(dimension, []).extend([number] * n)
    scores = {d.dimension: d for d in scoring.dimension_scores(flat)}
    rows = []
    known = list(Dimension.choices)
    known += [(key, key) for key in scores if key not in Dimension.values]
    for value, label in known:
        score = scores.get(value)
        values = five.get(value, [])
        rate = scoring.satisfaction_rate(values)
        rows.append(
            {
                "key": value,
                "label": str(label),
                "answers": score.count if score else 0,
                "score": score.score if score else None,
                "five_level_answers": len(values),
                "five_level_satisfied": sum(1 for v in values if v >= 4),
                "five_level_satisfaction_rate": rate / 100 if rate is not None else None,
            }
        )
    return rows
