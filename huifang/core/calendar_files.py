"""Holiday files: a year's official days off and make-up working days, as the
State Council publishes them, in a form ``huifang calendar-load`` enters.

The format (docs/scheduling.md, "Next year's holidays")::

    {
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔…〕…号）",
      "days": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03", "kind": "holiday"},
        {"name": "春节调休", "from": "2027-02-06", "kind": "workday"}
      ]
    }

``to`` defaults to ``from``; ``kind`` is ``holiday`` (days off) or
``workday`` (a make-up working day, 调休). Every range must touch ``year``
(a New Year break may start on 31 December of the year before).
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError
from huifang.core.models import CalendarDay
from huifang.core.services import CalendarRange

BUNDLED_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class HolidayFile:
    year: int
    source: str
    ranges: list[CalendarRange]


def _invalid(message: str, *, code: str = "calendar_file_invalid", **details) -> ApplicationError:
    return ApplicationError(message, code=code, details=details)


def _day(value, *, where: str) -> date:
    if not isinstance(value, str):
        raise _invalid(
            _("%(where)s: a date is missing; write it as YYYY-MM-DD.") % {"where": where}
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(
            _("%(where)s: %(value)s is not a date; write it as YYYY-MM-DD.")
            % {"where": where, "value": value}
        ) from None


def holiday_file_read(path: Path) -> HolidayFile:
    """Read and check a holiday file; ``ApplicationError`` says what is wrong and where."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _invalid(
            _("No such file: %(path)s") % {"path": path}, code="calendar_file_missing"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(
            _("%(path)s is not a JSON file in UTF-8: %(error)s") % {"path": path, "error": exc}
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise _invalid(_('The file must be one JSON object with a "year", for example 2027.'))
    year = data["year"]
    days = data.get("days")
    if not isinstance(days, list) or not days:
        raise _invalid(_('The file lists no days: give them under "days".'))
    source = str(data.get("source") or "").strip()
    note = _("Official arrangement: %(source)s") % {"source": source} if source else ""
    ranges = []
    for number, entry in enumerate(days, start=1):
        where = _("entry %(n)d") % {"n": number}
        if not isinstance(entry, dict):
            raise _invalid(_("%(where)s is not an object.") % {"where": where})
        first = _day(entry.get("from"), where=where)
        last = _day(entry.get("to", entry.get("from")), where=where)
        kind = entry.get("kind")
        if kind not in CalendarDay.Kind.values:
            raise _invalid(
                _('%(where)s: "kind" must be "holiday" (days off) or "workday" (make-up day).')
                % {"where": where}
            )
        if year not in (first.year, last.year):
            raise _invalid(
                _("%(where)s: %(from)s to %(to)s is not in %(year)d.")
                % {"where": where, "from": first, "to": last, "year": year}
            )
        ranges.append(
            CalendarRange(
                name=str(entry.get("name") or ""),
                date_from=first,
                date_to=last,
                kind=kind,
                note=note,
            )
        )
    return HolidayFile(year=year, source=source, ranges=ranges)


def bundled_holiday_files() -> list[Path]:
    """The holiday files shipped with the product, oldest year first."""
    return sorted(BUNDLED_DIR.glob("holidays-*.json"))
