"""The return-visit rate: discharged patients seen again within N days of discharge.

Definition: docs/metrics.md, "Return visits".
"""

from bisect import bisect_right
from datetime import date, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from huifang.core.errors import ApplicationError
from huifang.patients.models import Encounter

MAX_DAYS = 365


def return_days(raw: str | int | None = None) -> int:
    """N from user input, else ``HUIFANG_RETURN_VISIT_DAYS`` (30); 1–365 or an explained error."""
    if raw in (None, ""):
        return int(getattr(settings, "HUIFANG_RETURN_VISIT_DAYS", 30))
    from django.utils.translation import gettext as _

    try:
        days = int(str(raw).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise ApplicationError(
            _("Give the return-visit window as a whole number of days from 1 to %(max)d.")
            % {"max": MAX_DAYS},
            code="invalid_return_days",
        )
    return days


def return_visit_figures(
    discharges: QuerySet[Encounter], *, days: int, today: date
) -> tuple[dict, list[dict]]:
    """(total, per department) of discharges and those with a return within ``days``.

    A discharge is an encounter of ``discharges`` (scoped, discharged in the
    period). It **returned** when the same patient has another encounter
    (a visit or a stay, health checks left out) starting — admission, else
    visit date — on a later day, at most ``days`` after the discharge.
    ``window_open``: discharges whose ``days`` have not all passed by
    ``today`` (they may still return). Two queries.
    """
    rows = list(
        discharges.filter(discharged_on__isnull=False).values_list(
            "pk", "patient_id", "discharged_on", "department__code", "department__name"
        )
    )
    total = {"key": "", "name": "", "discharges": 0, "returned": 0, "window_open": 0}
    if not rows:
        return _rated(total), []
    first = min(r[2] for r in rows)
    last = max(r[2] for r in rows) + timedelta(days=days)
    later = (
        Encounter.objects.filter(patient_id__in=discharges.values("patient_id"))
        .exclude(kind=Encounter.Kind.HEALTH_CHECK)
        .annotate(starts_on=Coalesce("admitted_on", "visit_on"))
        .filter(starts_on__gt=first, starts_on__lte=last)
        .values_list("patient_id", "starts_on")
    )
    starts: dict[int, list[date]] = {}
    for patient_id, starts_on in later:
        starts.setdefault(patient_id, []).append(starts_on)
    for values in starts.values():
        values.sort()
    departments: dict[str, dict] = {}
    for _pk, patient_id, discharged_on, code, name in rows:
        row = departments.setdefault(
            code or "",
            {
                "key": code or "",
                "name": name or "",
                "discharges": 0,
                "returned": 0,
                "window_open": 0,
            },
        )
        dates = starts.get(patient_id, [])
        after = bisect_right(dates, discharged_on)
        returned = after < len(dates) and dates[after] <= discharged_on + timedelta(days=days)
        still_open = discharged_on + timedelta(days=days) > today
        for target in (row, total):
            target["discharges"] += 1
            target["returned"] += int(returned)
            target["window_open"] += int(still_open and not returned)
    per_department = sorted(
        (_rated(r) for r in departments.values()),
        key=lambda r: (-(r["return_rate"] or 0), r["key"]),
    )
    return _rated(total), per_department


def _rated(row: dict) -> dict:
    from huifang.reports.metrics import rate

    row["return_rate"] = rate(row["returned"], row["discharges"])
    return row
