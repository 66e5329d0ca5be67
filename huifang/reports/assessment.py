"""A department's monthly assessment points from its late and reopened cases.

Definition: docs/metrics.md, "Department assessment points". The rules
(points per late case, per reopened case, the monthly cap) are settings:
``HUIFANG_DEPARTMENT_POINTS_PER_LATE_CASE``, ``…_PER_REOPENED_CASE`` and
``…_CAP``.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from huifang.accounts.models import Department
from huifang.feedback.models import Case


@dataclass(frozen=True)
class PointRules:
    per_late: Decimal
    per_reopened: Decimal
    cap: Decimal | None  # None: no cap

    def points(self, *, late: int, reopened: int) -> Decimal:
        points = late * self.per_late + reopened * self.per_reopened
        return min(points, self.cap) if self.cap is not None else points


def point_rules() -> PointRules:
    """The deduction rules from the settings (defaults 1 point, 1 point, at most 10 a month)."""

    def number(name: str, default: str) -> Decimal:
        return Decimal(str(getattr(settings, name, default)))

    cap = str(getattr(settings, "HUIFANG_DEPARTMENT_POINTS_CAP", "10")).strip()
    return PointRules(
        per_late=number("HUIFANG_DEPARTMENT_POINTS_PER_LATE_CASE", "1"),
        per_reopened=number("HUIFANG_DEPARTMENT_POINTS_PER_REOPENED_CASE", "1"),
        cap=Decimal(cap) if cap else None,
    )


def _unit_of() -> dict[int, tuple[int, str, str]]:
    """Department id → (id, code, name) of the department a ward belongs to. One query."""
    nodes = {
        pk: (parent, kind, code, name)
        for pk, parent, kind, code, name in Department.objects.values_list(
            "pk", "parent_id", "kind", "code", "name"
        )
    }
    result = {}
    for pk in nodes:
        unit, seen = pk, set()
        while nodes[unit][1] == Department.Kind.WARD and nodes[unit][0] in nodes:
            if unit in seen:
                break
            seen.add(unit)
            unit = nodes[unit][0]
        result[pk] = (unit, nodes[unit][2], nodes[unit][3])
    return result


def department_points(
    cases: QuerySet[Case], *, now: datetime, rules: PointRules | None = None
) -> list[dict]:
    """Per department (wards under their department), cases, late, reopened and points.

    ``cases``: the cases recorded in the period in scope (``selectors.report_cases``).
    Late: answered after the deadline, or still awaiting an answer with the
    deadline passed at ``now`` (as the monthly notice counts days late).
    Reopened: reopened at least once. Points are worked out per calendar
    month recorded, capped per month, and summed over the period's months.
    Departments with neither late nor reopened cases are listed with 0.
    Two queries.
    """
    rules = rules or point_rules()
    late = Q(answered_at__isnull=False, deadline_at__isnull=False, answered_at__gt=F("deadline_at"))
    late |= Q(status__in=Case.AWAITING_ANSWER, deadline_at__lt=now)
    rows = (
        cases.filter(department__isnull=False)
        .annotate(month=TruncMonth("created_at"))
        .values("department_id", "month")
        .annotate(
            cases=Count("pk"),
            late=Count("pk", filter=late),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        )
        .order_by()
    )
    units = _unit_of()
    # (unit, month) first: the cap is per department and month.
    monthly: dict[tuple[int, object], dict] = {}
    for row in rows:
        unit = units.get(row["department_id"])
        if unit is None:
            continue
        entry = monthly.setdefault((unit, row["month"]), {"cases": 0, "late": 0, "reopened": 0})
        for name in ("cases", "late", "reopened"):
            entry[name] += row[name]
    result: dict[int, dict] = {}
    for ((unit_id, code, name), _month), entry in monthly.items():
        out = result.setdefault(
            unit_id,
            {"key": code, "name": name, "cases": 0, "late": 0, "reopened": 0, "points": Decimal(0)},
        )
        for field in ("cases", "late", "reopened"):
            out[field] += entry[field]
        out["points"] += rules.points(late=entry["late"], reopened=entry["reopened"])
    return sorted(result.values(), key=lambda r: (-r["points"], r["key"]))
