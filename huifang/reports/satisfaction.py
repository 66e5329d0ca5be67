"""The satisfaction report: by department, attending doctor, responsible nurse and dimension.

Definitions (docs/metrics.md, "The satisfaction page"):

- five levels: questionnaire answers of the five-level kind; the rate is
  the share of 非常满意 (5) + 满意 (4), as ``scoring.satisfaction_rate``;
- three levels: questionnaire answers of the three-level kind and the
  built-in question asked on calls (满意 / 基本满意 / 不满意); the rate is
  (满意 + 基本满意) ÷ all, as ``scoring.three_level_rates``;
- answers are those of responses submitted in the period (voided left
  out) and of calls on tasks due in it, as the summary counts them, by the
  encounter's department, attending doctor and responsible nurse;
- a doctor or nurse is ranked by the five-level rate (or the three-level
  one, when asked, or when the period has no five-level answer) only with
  at least ``HUIFANG_SATISFACTION_MIN_ANSWERS`` answers on that scale; the
  others are listed after, as "样本不足" (too few answers).

Two grouped queries whatever the number of answers, plus the names.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from huifang.followups.models import ContactAttempt
from huifang.reports import labels, selectors
from huifang.reports.metrics import BUILTIN_SATISFACTION
from huifang.reports.stats import wilson_interval
from huifang.surveys import scoring
from huifang.surveys.models import ItemKind

FIVE, THREE = ItemKind.SATISFACTION5, ItemKind.SATISFACTION3


def minimum_answers() -> int:
    """Five-level answers a doctor or nurse needs before being ranked (setting)."""
    return int(getattr(settings, "HUIFANG_SATISFACTION_MIN_ANSWERS", 10))


@dataclass
class Rate:
    """Satisfied answers of all answers, the rate and its Wilson 95 % interval."""

    satisfied: int = 0
    answers: int = 0

    @property
    def value(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None

    @property
    def low(self) -> float | None:
        interval = wilson_interval(self.satisfied, self.answers)
        return interval[0] if interval else None

    @property
    def high(self) -> float | None:
        interval = wilson_interval(self.satisfied, self.answers)
        return interval[1] if interval else None


@dataclass
class Group:
    """One department, doctor, nurse or dimension: its two rates, mean score and rank."""

    key: str
    name: str
    five: Rate = field(default_factory=Rate)
    three: Rate = field(default_factory=Rate)
    scored: list = field(default_factory=list)  # (dimension, "", kind, value) for the mean score
    rank: int | None = None
    too_few: bool = False

    @property
    def mean_score(self) -> float | None:
        values = [(k, v) for _d, _c, k, v in self.scored]
        if not values:
            return None
        return round(sum(scoring.to_100(v, k) for k, v in values) / len(values), 1)


def _add_answer(group: Group, kind: str, number: float, n: int) -> None:
    if kind == FIVE:
        group.five.answers += n
        group.five.satisfied += n if number >= 4 else 0
    else:
        group.three.answers += n
        group.three.satisfied += n if number >= 2 else 0
    group.scored.extend([(group.key, "", kind, number)] * n)


SCALES = ("five", "three")


def satisfaction_report(*, user, period, department_code: str = "", scale: str = "") -> dict:
    """The period's satisfaction in the user's scope: totals and the four breakdowns.

    ``scale`` (``five`` or ``three``): the rate doctors and nurses are ranked
    by; empty: five levels when the period has five-level answers, else three.

    Only roles that see reports beyond their own figures may ask (an agent's
    or a clinician's request is refused); a department head sees their
    departments' encounters only, and another department is refused.
    """
    if not user.has_perm(selectors.VIEW_REPORTS):
        raise selectors.ReportDenied(
            _("Your role may not see the satisfaction report."), code="report_denied"
        )
    scope = selectors.report_scope(user=user, department_code=department_code)
    bounds = {"scope": scope, "date_from": period.start, "date_to": period.end}
    answers = (
        selectors.report_answers(**bounds)
        .filter(item__kind__in=[FIVE, THREE], number__isnull=False)
        .values(
            "response__encounter__department__code",
            "response__encounter__attending_doctor",
            "response__encounter__responsible_nurse",
            "item__dimension",
            "item__kind",
            "number",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    calls = (
        ContactAttempt.objects.filter(task__in=selectors.report_tasks(**bounds).values("pk"))
        .filter(answers__satisfaction__in=list(BUILTIN_SATISFACTION))
        .values(
            "task__encounter__department__code",
            "task__encounter__attending_doctor",
            "task__encounter__responsible_nurse",
            "answers__satisfaction",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups: dict[str, dict[str, Group]] = {
        "total": {},
        "department": {},
        "doctor": {},
        "nurse": {},
        "dimension": {},
    }

    def group(name: str, key) -> Group:
        key = key or ""
        return groups[name].setdefault(key, Group(key=key, name=key))

    for row in answers:
        kind, number, n = row["item__kind"], row["number"], row["n"]
        for name, key in (
            ("total", "all"),
            ("department", row["response__encounter__department__code"]),
            ("doctor", row["response__encounter__attending_doctor"]),
            ("nurse", row["response__encounter__responsible_nurse"]),
            ("dimension", row["item__dimension"]),
        ):
            _add_answer(group(name, key), kind, number, n)
    for row in calls:
        value, n = BUILTIN_SATISFACTION[row["answers__satisfaction"]], row["n"]
        for name, key in (
            ("total", "all"),
            ("department", row["task__encounter__department__code"]),
            ("doctor", row["task__encounter__attending_doctor"]),
            ("nurse", row["task__encounter__responsible_nurse"]),
        ):
            _add_answer(group(name, key), THREE, value, n)
    departments = labels.department_names(groups["department"])
    dimensions = labels.dimension_labels()
    not_recorded = labels.not_recorded()
    for g in groups["department"].values():
        g.name = departments.get(g.key, g.key)
    for g in groups["dimension"].values():
        g.name = dimensions.get(g.key, g.key)
    minimum = minimum_answers()
    total = groups["total"].get("all", Group(key="all", name=""))
    if scale not in SCALES:
        scale = "five" if total.five.answers or not total.three.answers else "three"
    result = {
        "period": period,
        "minimum": minimum,
        "scale": scale,
        "total": total,
        "department": _by_rate(groups["department"].values()),
        "dimension": _by_rate(groups["dimension"].values()),
    }
    for name in ("doctor", "nurse"):
        for g in groups[name].values():
            g.name = g.key or not_recorded
        result[name] = _ranked(groups[name].values(), minimum, scale)
    return result


def _rate_key(g: Group):
    five, three = g.five.value, g.three.value
    return (five is None, -(five or 0), three is None, -(three or 0), g.name)


def _by_rate(groups) -> list[Group]:
    return sorted(groups, key=_rate_key)


def _ranked(groups, minimum: int, scale: str = "five") -> list[Group]:
    """Those with ``minimum`` answers on ``scale`` ranked by its rate; the rest after, too few."""

    def rate(g: Group) -> Rate:
        return g.five if scale == "five" else g.three

    enough = sorted(
        (g for g in groups if g.key and rate(g).answers >= minimum),
        key=lambda g: (rate(g).value is None, -(rate(g).value or 0), g.name),
    )
    rank, previous = 0, None
    for i, g in enumerate(enough, start=1):
        if rate(g).value != previous:
            rank, previous = i, rate(g).value
        g.rank = rank
    rest = [g for g in groups if g not in enough]
    for g in rest:
        g.too_few = True
    return enough + sorted(rest, key=lambda g: (g.key == "", -rate(g).answers, g.name))
