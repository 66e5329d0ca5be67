"""Call slots: the moments inside call windows on working days.

All times are Asia/Shanghai wall-clock times (settings.TIME_ZONE). A window
is a pair of ``time`` (start inclusive, end exclusive). The default windows
are 10:00–12:00 and 15:00–17:00 (domain.md), or ``HUIFANG_CALL_WINDOWS``
when set; a touchpoint may override them. ``HUIFANG_CALL_EVERY_DAY`` makes
every day a calling day (for trying the demo on a Sunday).
"""

import functools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from huifang.core import calendar

Window = tuple[time, time]
DEFAULT_WINDOWS: tuple[Window, ...] = ((time(10, 0), time(12, 0)), (time(15, 0), time(17, 0)))
_MAX_DAYS = 400  # guard: no working day with a window for this long means misconfiguration


@functools.lru_cache(maxsize=4)
def windows_from_text(raw: str) -> tuple[Window, ...]:
    pairs = [part.split("-") for part in raw.replace("，", ",").split(",") if part.strip()]
    return parse_windows([[start.strip(), end.strip()] for start, end in pairs])


def default_windows() -> tuple[Window, ...]:
    """The call windows of touchpoints that set none: ``HUIFANG_CALL_WINDOWS``, else 10–12 and 15–17."""
    raw = (getattr(settings, "HUIFANG_CALL_WINDOWS", "") or "").strip()
    return windows_from_text(raw) if raw else DEFAULT_WINDOWS


def is_call_day(day: date) -> bool:
    """Whether calls are made on ``day``: working days, or every day with ``HUIFANG_CALL_EVERY_DAY``."""
    return getattr(settings, "HUIFANG_CALL_EVERY_DAY", False) or calendar.is_working_day(day)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    """The hospital's calendar day at ``moment``."""
    return timezone.localtime(moment, local_zone()).date()


def parse_windows(raw: Sequence | None) -> tuple[Window, ...]:
    """``[["10:00", "12:00"], …]`` → windows, sorted; empty → the default windows."""
    if not raw:
        return default_windows()
    windows = []
    for start, end in raw:
        begin, finish = time.fromisoformat(str(start)), time.fromisoformat(str(end))
        if finish <= begin:
            raise ValueError(f"call window ends before it starts: {start}–{end}")
        windows.append((begin, finish))
    return tuple(sorted(windows))


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=local_zone())


def window_of(moment: datetime, windows: Sequence[Window]) -> int | None:
    """Index of the window holding ``moment`` (local), or None."""
    local = moment.astimezone(local_zone()).time()
    for index, (start, end) in enumerate(windows):
        if start <= local < end:
            return index
    return None


def first_slot_on(
    day: date, windows: Sequence[Window], *, preferred: time | None = None
) -> datetime:
    """The first slot of a working ``day``: the patient's preferred time, else the first window."""
    if preferred is not None:
        return at(day, preferred)
    return at(day, windows[0][0])


def next_slot(
    after: datetime,
    windows: Sequence[Window],
    *,
    avoid_window: int | None = None,
    not_before: date | None = None,
) -> datetime:
    """The earliest moment ≥ ``after`` inside a window on a working day.

    ``avoid_window``: skip that window (by index) — "retry in a different
    call window", so a patient who never answers in the morning is tried in
    the afternoon; ignored when there is only one window. ``not_before``:
    never earlier than that day.
    """
    if len(windows) < 2:
        avoid_window = None
    local = after.astimezone(local_zone())
    day = local.date()
    if not_before is not None and day < not_before:
        day, local = not_before, at(not_before, time.min)
    for _ in range(_MAX_DAYS):
        if is_call_day(day):
            for index, (start, end) in enumerate(windows):
                if index == avoid_window:
                    continue
                begin, finish = at(day, start), at(day, end)
                if local < finish:
                    return max(begin, local)
        day += timedelta(days=1)
        local = at(day, time.min)
    raise ValueError("no call window on a working day within 400 days")
