"""``huifang calendar DATE``: is that day a working day, and why."""

import json
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from huifang.core import calendar

REASONS = {
    calendar.WEEKDAY: "ordinary weekday",
    calendar.WEEKEND: "weekend",
    calendar.PUBLIC_HOLIDAY: "public holiday",
    calendar.MAKEUP_WORKDAY: "make-up working day",
    calendar.TABLE_HOLIDAY: "day off in the holiday table",
    calendar.TABLE_WORKDAY: "working day in the holiday table",
    calendar.WEEKEND_UNANNOUNCED_YEAR: "weekend; holidays of this year not announced yet",
    calendar.WEEKDAY_UNANNOUNCED_YEAR: "weekday; holidays of this year not announced yet",
}


UNANNOUNCED = (calendar.WEEKEND_UNANNOUNCED_YEAR, calendar.WEEKDAY_UNANNOUNCED_YEAR)


def reason_text(info: calendar.DayInfo) -> str:
    """Why, in English: a year before the package's first is "no data", not "not announced"."""
    if info.reason in UNANNOUNCED and calendar.year_before_package(info.day.year):
        side = "weekday" if info.working else "weekend"
        return f"{side}; no holiday data for years before {calendar.FIRST_COVERED_YEAR}"
    return REASONS[info.reason]


def parse_date(value: str) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            # The form is right; the day is not in the calendar (2026-02-30).
            raise CommandError(f"no such day: {value}") from None
    raise CommandError(f"not a date: {value}; use YYYY-MM-DD")


class Command(BaseCommand):
    help = "Say whether DATE is a working day, and why (public holidays, 调休, holiday table)."

    def add_arguments(self, parser):
        parser.add_argument("date", help="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        day = parse_date(options["date"])
        info = calendar.day_info(day)
        explanation = calendar.explain(day)
        if options["json"]:
            payload = {
                "date": info.day.isoformat(),
                "working": info.working,
                "reason": info.reason,
                "name": info.name,
                "announced": info.announced,
                "explanation": explanation,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        name = info.name
        if name and info.reason == calendar.MAKEUP_WORKDAY:
            name += "调休"
        detail = f" ({name})" if name else ""
        kind = "working day" if info.working else "day off"
        self.stdout.write(f"{info.day.isoformat()} {kind}: {reason_text(info)}{detail}")
        self.stdout.write(explanation)
