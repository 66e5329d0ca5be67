"""The working calendar: which days are working days, and why.

Sources, strongest first:

1. the holiday table administrators keep (``CalendarDay``): a ``holiday``
   row is a day off even on a weekday, a ``workday`` row a make-up working
   day (调休) even on a weekend;
2. the ``chinese_calendar`` package: public holidays and make-up working days
   as announced by the State Council, for the years it knows;
3. for a year the package does not know (not announced yet when it was
   released, or before its first year, 2004): weekends are days off,
   weekdays are working days. One warning per year per process goes to the
   log; nothing raises.

Scheduling asks this module millions of times, so it never queries per call:
the table is loaded once per process into a dict and reloaded when the
services bump ``_version`` (``invalidate()``), or after ``RELOAD_SECONDS`` so
edits made by another process are seen within a minute. Answers are memoised
per date until the next reload.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

from huifang.core.errors import ApplicationError

logger = logging.getLogger(__name__)

RELOAD_SECONDS = 60.0
# More days off in a row than this is a misconfigured table, not a holiday:
# the longest official break (Spring Festival) is nine days.
MAX_DAYS_OFF_IN_A_ROW = 30

WEEKDAY = "weekday"
WEEKEND = "weekend"
PUBLIC_HOLIDAY = "public_holiday"
MAKEUP_WORKDAY = "makeup_workday"
TABLE_HOLIDAY = "table_holiday"
TABLE_WORKDAY = "table_workday"
WEEKEND_UNANNOUNCED_YEAR = "weekend_unannounced_year"
WEEKDAY_UNANNOUNCED_YEAR = "weekday_unannounced_year"

# chinese_calendar names holidays with the English values of its Holiday enum.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

WEEKDAY_NAMES_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class DayInfo:
    """Whether ``day`` is a working day, and why.

    ``reason`` is a stable English code (the module's constants); ``name``
    the holiday's Chinese name when known (for a make-up working day, the
    holiday it makes up for); ``announced`` whether ``chinese_calendar``
    knows the year.
    """

    day: date
    working: bool
    reason: str
    name: str
    announced: bool


@dataclass
class _State:
    version: int
    loaded_at: float
    table: dict[date, tuple[str, str]]
    infos: dict[date, DayInfo]


_lock = threading.Lock()
_version = 0
_state = _State(version=-1, loaded_at=float("-inf"), table={}, infos={})
_warned_years: set[int] = set()


def invalidate() -> None:
    """Make every reader reload the holiday table on its next call.

    Called by the services after each write. Other processes notice within
    ``RELOAD_SECONDS``.
    """
    global _version
    with _lock:
        _version += 1


def clear_caches() -> None:
    """Forget the table, the memoised answers and the years already warned about."""
    global _state
    with _lock:
        _state = _State(version=-1, loaded_at=float("-inf"), table={}, infos={})
        _warned_years.clear()


def _load_table() -> dict[date, tuple[str, str]]:
    from huifang.core.models import CalendarDay

    return {
        row_date: (kind, name)
        for row_date, kind, name in CalendarDay.objects.values_list("date", "kind", "name")
    }


def _current_state() -> _State:
    global _state
    state = _state
    now = time.monotonic()
    if state.version == _version and now - state.loaded_at < RELOAD_SECONDS:
        return state
    version = _version  # read before loading: a write during the load reloads again
    state = _State(version=version, loaded_at=now, table=_load_table(), infos={})
    _state = state
    return state


def _warn_unannounced(year: int) -> None:
    if year in _warned_years:
        return
    with _lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "working calendar: no official holiday data for %d; using weekends and the holiday table",
        year,
    )


def _compute(day: date, table: dict[date, tuple[str, str]]) -> DayInfo:
    try:
        working = chinese_calendar.is_workday(day)
        _, holiday = chinese_calendar.get_holiday_detail(day)
        announced = True
    except NotImplementedError:
        working, holiday, announced = day.weekday() < 5, None, False

    if not announced:
        _warn_unannounced(day.year)

    entry = table.get(day)
    if entry is not None:
        kind, name = entry
        if kind == "holiday":
            return DayInfo(day, False, TABLE_HOLIDAY, name, announced)
        return DayInfo(day, True, TABLE_WORKDAY, name, announced)

    if not announced:
        reason = WEEKDAY_UNANNOUNCED_YEAR if working else WEEKEND_UNANNOUNCED_YEAR
        return DayInfo(day, working, reason, "", False)

    name = HOLIDAY_NAMES_ZH.get(holiday, holiday) if holiday else ""
    weekend = day.weekday() >= 5
    if working:
        reason = MAKEUP_WORKDAY if weekend or holiday else WEEKDAY
    else:
        reason = PUBLIC_HOLIDAY if holiday else WEEKEND
    return DayInfo(day, working, reason, name, True)


def state_token() -> object:
    """An object that is replaced whenever the answers may change (table edited or reloaded).

    For callers that remember answers derived from the calendar (the
    scheduling memos): same token, same answers.
    """
    return _current_state()


def day_info(day: date) -> DayInfo:
    """Whether ``day`` is a working day, and why (a ``datetime`` counts as its date)."""
    if isinstance(day, datetime):
        day = day.date()
    state = _current_state()
    info = state.infos.get(day)
    if info is None:
        info = _compute(day, state.table)
        state.infos[day] = info
    return info


def is_working_day(day: date) -> bool:
    """True when staff work on ``day`` and calls may be made."""
    return day_info(day).working


def _no_working_day(start: date) -> ApplicationError:
    return ApplicationError(
        f"{start:%Y-%m-%d} 起连续 {MAX_DAYS_OFF_IN_A_ROW} 天以上都不是工作日，"
        "请检查节假日表是否登记有误",
        code="calendar_no_working_day",
        details={"from": start.isoformat(), "days": MAX_DAYS_OFF_IN_A_ROW},
    )


def next_working_day(day: date, *, inclusive: bool = True) -> date:
    """The first working day on or after ``day`` (strictly after it when not ``inclusive``).

    Raises ``ApplicationError`` (``calendar_no_working_day``) when more than
    ``MAX_DAYS_OFF_IN_A_ROW`` days in a row are days off.
    """
    if isinstance(day, datetime):
        day = day.date()
    start = day if inclusive else day + timedelta(days=1)
    current = start
    for _ in range(MAX_DAYS_OFF_IN_A_ROW + 1):
        if is_working_day(current):
            return current
        current += timedelta(days=1)
    raise _no_working_day(start)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day counted from ``day``, ``day`` itself being the 1st if working.

    ``add_working_days(day, 1) == next_working_day(day)``, and the closed
    interval ``[next_working_day(day), add_working_days(day, n)]`` holds
    exactly ``n`` working days. So a touchpoint due from ``start`` with a
    window of ``w`` working days is due until the end of
    ``add_working_days(start, w)``. ``n`` must be at least 1.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    current = next_working_day(day)
    for _ in range(n - 1):
        current = next_working_day(current, inclusive=False)
    return current


def working_days_between(a: date, b: date) -> int:
    """How many working days the closed interval ``[a, b]`` holds; 0 when ``b < a``."""
    count = 0
    current = a
    while current <= b:
        count += is_working_day(current)
        current += timedelta(days=1)
    return count


# The first year chinese_calendar has holiday data for (2004 with 1.11).
FIRST_COVERED_YEAR = min(chinese_calendar.holidays).year


def year_before_package(year: int) -> bool:
    """True for a past year ``chinese_calendar`` has no data for (before ``FIRST_COVERED_YEAR``).

    Such a year is not "not announced yet": the package simply does not go back that far.
    """
    return year < FIRST_COVERED_YEAR


def year_announced(year: int) -> bool:
    """True when ``chinese_calendar`` has the official holidays of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def unannounced_years(years) -> list[int]:
    """The years among ``years`` whose holidays the package does not know, sorted.

    For pages that warn "holidays for 2027 are not announced yet; enter them
    in the holiday table". Logs nothing.
    """
    return sorted(year for year in set(years) if not year_announced(year))


def explain(day: date) -> str:
    """One Chinese sentence saying whether ``day`` is a working day, and why."""
    info = day_info(day)
    label = f"{info.day:%Y-%m-%d}（{WEEKDAY_NAMES_ZH[info.day.weekday()]}）"
    name = f"（{info.name}）" if info.name else ""
    if info.reason == PUBLIC_HOLIDAY:
        return f"{label}是{info.name}法定节假日，不上班"
    if info.reason == MAKEUP_WORKDAY:
        return f"{label}是{info.name}调休上班日"
    if info.reason == WEEKDAY:
        return f"{label}是普通工作日"
    if info.reason == WEEKEND:
        return f"{label}是周末，不上班"
    if info.reason == TABLE_HOLIDAY:
        return f"{label}在节假日表中登记为休息日{name}，不上班"
    if info.reason == TABLE_WORKDAY:
        return f"{label}在节假日表中登记为上班日{name}"
    state = "工作日" if info.working else "休息日"
    if year_before_package(info.day.year):
        return (
            f"{label}：节假日数据只收录 {FIRST_COVERED_YEAR} 年起的安排，没有 {info.day.year} 年的，"
            f"按周末规则和节假日表视为{state}"
        )
    return (
        f"{label}：国务院尚未公布 {info.day.year} 年节假日安排，按周末规则视为{state}"
        "（可在节假日表中登记官方安排）"
    )
