"""Intervals, two-proportion tests and control limits, with the standard library only.

Definitions and the choices made (no Yates correction; Fisher's exact test
when an expected count is below 5): docs/metrics.md, "Statistics".
"""

from dataclasses import dataclass
from math import erfc, exp, lgamma, sqrt

from django.utils.translation import gettext_lazy as _

from huifang.core.errors import ApplicationError

# The 97.5th percentile of the standard normal distribution.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    successes: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.successes / self.total if self.total else None


def parse_proportion(text: str) -> Proportion:
    """``"217/400"`` → Proportion(217, 400); anything else is an ApplicationError."""
    parts = text.strip().split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ApplicationError(
            _("Write a rate as successes/total, e.g. 217/400, not %(text)s.") % {"text": text},
            code="invalid_proportion",
        )
    successes, total = int(parts[0]), int(parts[1])
    if total == 0 or successes > total:
        raise ApplicationError(
            _("A rate needs a total above 0 and no more successes than the total: %(text)s.")
            % {"text": text},
            code="invalid_proportion",
        )
    return Proportion(successes, total)


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval (95 % by default) for ``successes / total``; None when total is 0."""
    if total <= 0:
        return None
    p = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    # At 0 or all successes the bound is exactly 0 or 1 (rounding would leave 0.9999…).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def chi_square_p(statistic: float) -> float:
    """Upper tail of the chi-square distribution with one degree of freedom."""
    return erfc(sqrt(statistic / 2))


def _log_choose(n: int, k: int) -> float:
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p of Fisher's exact test on [[a, b], [c, d]].

    Sums the hypergeometric probabilities of every table with the same
    margins that is no more likely than the one observed (the usual
    definition, as R's fisher.test), with a small relative tolerance.
    """
    row1, col1, n = a + b, a + c, a + b + c + d
    low, high = max(0, col1 - (n - row1)), min(row1, col1)

    def log_p(x: int) -> float:
        return _log_choose(col1, x) + _log_choose(n - col1, row1 - x) - _log_choose(n, row1)

    observed = log_p(a)
    total = 0.0
    for x in range(low, high + 1):
        lp = log_p(x)
        if lp <= observed + 1e-7:
            total += exp(lp)
    return min(1.0, total)


def compare_rates(a: Proportion, b: Proportion) -> dict:
    """Compare two proportions: Pearson's chi-square, or Fisher's exact when an expected count < 5."""
    table = [
        [a.successes, a.total - a.successes],
        [b.successes, b.total - b.successes],
    ]
    n = a.total + b.total
    col = [table[0][0] + table[1][0], table[0][1] + table[1][1]]
    rows = [a.total, b.total]
    expected = [[rows[i] * col[j] / n for j in range(2)] for i in range(2)]
    if min(min(r) for r in expected) < 5:
        test, statistic = "fisher", None
        p_value = fisher_exact(table[0][0], table[0][1], table[1][0], table[1][1])
    else:
        test = "chi_square"
        statistic = sum(
            (table[i][j] - expected[i][j]) ** 2 / expected[i][j] for i in range(2) for j in range(2)
        )
        p_value = chi_square_p(statistic)
    return {
        "a": a.rate,
        "b": b.rate,
        "difference": a.rate - b.rate,
        "test": test,
        "statistic": statistic,
        "p_value": p_value,
        "ci_a": list(wilson_interval(a.successes, a.total)),
        "ci_b": list(wilson_interval(b.successes, b.total)),
    }


def p_chart(points: list[tuple[str, int, int]]) -> list[dict]:
    """p-chart over ``(label, successes, total)`` points (e.g. months of one department).

    Centre line: all successes ÷ all totals; limits ±3 standard errors of
    each point's own total, clipped to 0–1; ``out_of_control`` when the
    point's rate lies outside them.
    """
    all_successes = sum(s for _, s, _ in points)
    all_total = sum(t for _, _, t in points)
    if not all_total:
        return []
    centre = all_successes / all_total
    result = []
    for label, successes, total in points:
        if not total:
            result.append(
                {
                    "label": label,
                    "rate": None,
                    "centre": centre,
                    "lower": None,
                    "upper": None,
                    "out_of_control": False,
                }
            )
            continue
        sigma = sqrt(centre * (1 - centre) / total)
        lower, upper = max(0.0, centre - 3 * sigma), min(1.0, centre + 3 * sigma)
        value = successes / total
        result.append(
            {
                "label": label,
                "rate": value,
                "centre": centre,
                "lower": lower,
                "upper": upper,
                "out_of_control": value < lower or value > upper,
            }
        )
    return result
