"""Report periods from the query string: a month (2026-11) or a quarter (2026-Q4)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.core.errors import ApplicationError


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    kind: str  # "month" or "quarter"


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str | None) -> Period:
    """``2026-11`` → November 2026; ``2026-Q4`` → October–December; empty → the last whole month.

    The current month is still being called: its rates would count the calls
    not yet due, so a report opens on the month that has ended.
    """
    if not text:
        text = f"{last_complete_month():%Y-%m}"
    text = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            return Period(text, date(year, month, 1), _month_end(year, month), "month")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, q = int(m[1]), int(m[2])
        first = 3 * q - 2
        return Period(text, date(year, first, 1), _month_end(year, first + 2), "quarter")
    raise ApplicationError(
        _("Choose a month (2026-11) or a quarter (2026-Q4), not %(text)s.") % {"text": text},
        code="invalid_period",
    )


def last_complete_month(today: date | None = None) -> date:
    """The first day of the month before ``today``'s (default: the local today)."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def trailing_months(period: Period, months: int = 12) -> tuple[date, date]:
    """The ``months`` months ending with ``period``, for trends and p-charts."""
    year, month = period.end.year, period.end.month - months + 1
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1), period.end


def parse_day(text: str | None) -> date:
    """``2026-11-14`` → that day; empty → today."""
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ApplicationError(
            _("Write dates as YYYY-MM-DD, not %(text)s.") % {"text": text}, code="invalid_date"
        ) from None
