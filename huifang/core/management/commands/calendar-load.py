"""``huifang calendar-load FILE``: enter a year's official holidays from a holiday file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huifang.core.calendar_files import bundled_holiday_files, holiday_file_read
from huifang.core.errors import ApplicationError
from huifang.core.services import calendar_ranges_set


class Command(BaseCommand):
    help = (
        "Enter the days off and make-up working days of a holiday file (JSON, see "
        "docs/scheduling.md) into the holiday table; open tasks are re-planned once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="the holiday file; without it, list the files shipped with Huifang",
        )
        parser.add_argument(
            "--check", action="store_true", help="only read and check the file; write nothing"
        )

    def handle(self, *args, **options):
        if not options["file"]:
            files = bundled_holiday_files()
            for path in files:
                self.stdout.write(str(path))
            if not files:
                self.stdout.write("no holiday files shipped with this version")
            return
        try:
            holidays = holiday_file_read(Path(options["file"]))
            days_off = sum(
                (r.date_to - r.date_from).days + 1 for r in holidays.ranges if r.kind == "holiday"
            )
            workdays = sum(
                (r.date_to - r.date_from).days + 1 for r in holidays.ranges if r.kind == "workday"
            )
            summary = f"{holidays.year}: {days_off} days off, {workdays} make-up working days"
            if options["check"]:
                self.stdout.write(f"{summary}; the file is valid, nothing written")
                return
            result = calendar_ranges_set(actor=None, ranges=holidays.ranges)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        replanned = (
            f"; open tasks from {result.replanned_from.isoformat()} on queued for re-planning"
            if result.replanned_from
            else "; nothing moved"
        )
        self.stdout.write(
            f"{summary}: {result.created} new, {result.updated} changed, "
            f"{result.unchanged} unchanged{replanned}"
        )
