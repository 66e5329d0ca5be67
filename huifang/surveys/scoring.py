"""The one place satisfaction is computed. Formulas: docs/surveys.md.

Pure functions over lists of answer values (voided responses are left out
by the caller, ``selectors.questionnaire_scores``). Every result is a
percentage or a 0–100 score rounded to one decimal, or ``None`` when there
is nothing to compute from (no answers), never a division by zero.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from huifang.surveys.models import ItemKind

# Lowest and highest value of each ordered scale.
SCALE_RANGE = {
    ItemKind.SATISFACTION5: (1, 5),
    ItemKind.SATISFACTION3: (1, 3),
    ItemKind.FREQUENCY4: (1, 4),
    ItemKind.RATING10: (0, 10),
}


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def to_100(value: float, kind: str) -> float:
    """A scale answer on 0–100: (value − lowest) / (highest − lowest) × 100.

    Five levels: 5 → 100, 4 → 75, 3 → 50, 2 → 25, 1 → 0.
    """
    low, high = SCALE_RANGE[kind]
    return 100 * (value - low) / (high - low)


def mean_score(values: Iterable[float], kind: str) -> float | None:
    """The mean of the answers on 0–100 (see ``to_100``)."""
    values = list(values)
    if not values:
        return None
    return round(sum(to_100(v, kind) for v in values) / len(values), 1)


def top_box(values: Iterable[float], kind: str) -> float | None:
    """Share (%) of answers at the top of the scale (非常满意; 总是; 10 of 0–10)."""
    values = list(values)
    return _pct(sum(1 for v in values if v == SCALE_RANGE[kind][1]), len(values))


def satisfaction_rate(values: Iterable[float]) -> float | None:
    """Five levels: share (%) of 非常满意 (5) and 满意 (4) among all answers."""
    values = list(values)
    return _pct(sum(1 for v in values if v >= 4), len(values))


def three_level_rates(values: Iterable[float]) -> dict[str, float | None]:
    """Three levels: the share (%) of each of 满意 (3), 基本满意 (2), 不满意 (1),
    and the satisfaction rate, (满意 + 基本满意) / all."""
    values = list(values)
    n = len(values)
    return {
        "satisfied": _pct(sum(1 for v in values if v == 3), n),
        "basically_satisfied": _pct(sum(1 for v in values if v == 2), n),
        "dissatisfied": _pct(sum(1 for v in values if v == 1), n),
        "satisfaction_rate": _pct(sum(1 for v in values if v >= 2), n),
    }


def nps(values: Iterable[float]) -> float | None:
    """Net promoter score on 0–10 answers: % of 9–10 minus % of 0–6, from −100 to 100.

    Computed from counts, then rounded once, so 1 promoter of 3 answers and
    no detractor is 33.3, not 33.3 − 0.0 rounded twice.
    """
    values = list(values)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values), 1)


def response_rate(*, completed: int, dispatched: int) -> float | None:
    """Completed dispatches as a share (%) of all dispatches."""
    return _pct(completed, dispatched)


@dataclass
class ItemScore:
    """What one scale item's answers come to."""

    code: str
    text: str
    kind: str
    dimension: str
    count: int
    score: float | None
    top_box: float | None
    satisfaction_rate: float | None = None
    three_level: dict | None = None
    nps: float | None = None


@dataclass
class DimensionScore:
    dimension: str
    count: int
    score: float | None
    items: list[str] = field(default_factory=list)


def item_score(
    *, code: str, text: str, kind: str, dimension: str, values: list[float]
) -> ItemScore:
    """All measures that apply to one item's answers."""
    result = ItemScore(
        code=code,
        text=text,
        kind=kind,
        dimension=dimension,
        count=len(values),
        score=mean_score(values, kind),
        top_box=top_box(values, kind),
    )
    if kind == ItemKind.SATISFACTION5:
        result.satisfaction_rate = satisfaction_rate(values)
    elif kind == ItemKind.SATISFACTION3:
        result.three_level = three_level_rates(values)
        result.satisfaction_rate = result.three_level["satisfaction_rate"]
    elif kind == ItemKind.RATING10:
        result.nps = nps(values)
    return result


def dimension_scores(answers: Iterable[tuple[str, str, str, float]]) -> list[DimensionScore]:
    """Per dimension, the mean of its scale answers on 0–100.

    ``answers`` are ``(dimension, item code, kind, value)``. Every answer
    counts once, whichever item it came from, so an item asked of more
    patients weighs more. Items without a dimension are left out.
    """
    grouped: dict[str, list[float]] = {}
    codes: dict[str, list[str]] = {}
    for dimension, code, kind, value in answers:
        if not dimension or kind not in SCALE_RANGE:
            continue
        grouped.setdefault(dimension, []).append(to_100(value, kind))
        if code not in codes.setdefault(dimension, []):
            codes[dimension].append(code)
    return [
        DimensionScore(
            dimension=dimension,
            count=len(scores),
            score=round(sum(scores) / len(scores), 1),
            items=codes[dimension],
        )
        for dimension, scores in grouped.items()
    ]
