"""``huifang reports rebuild-rollups [--from D --to D]`` and ``huifang reports rollups-status``."""

import json

from django.core.management.base import BaseCommand, CommandError

from huifang.core.errors import ApplicationError
from huifang.reports import rollups
from huifang.reports.periods import parse_day


class Command(BaseCommand):
    help = "Rollup tables: rebuild-rollups [--from D --to D], refresh-rollups, rollups-status."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild-rollups", help="Recompute every month of the range from the live tables."
        )
        rebuild.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD)")
        rebuild.add_argument("--to", dest="date_to", help="last day (YYYY-MM-DD)")
        rebuild.add_argument("--json", action="store_true", help="Print one JSON object.")
        refresh = sub.add_parser(
            "refresh-rollups", help="What the periodic job does: scan, recompute dirty months."
        )
        refresh.add_argument("--json", action="store_true", help="Print one JSON object.")
        status = sub.add_parser("rollups-status", help="Rows and bytes of the rollup tables.")
        status.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        try:
            result = self._run(options)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        if options["action"] == "rollups-status":
            for row in result["tables"]:
                size = "?" if row["bytes"] is None else f"{row['bytes']:,} bytes"
                self.stdout.write(f"{row['table']}: {row['rows']:,} rows, {size}")
            return
        self.stdout.write(", ".join(f"{k} {v}" for k, v in result.items()))

    def _run(self, options) -> dict:
        action = options["action"]
        if action == "rebuild-rollups":
            date_from = parse_day(options["date_from"]) if options["date_from"] else None
            date_to = parse_day(options["date_to"]) if options["date_to"] else None
            if date_from and date_to and date_to < date_from:
                raise CommandError("--to is before --from: give the range first day to last.")
            return rollups.rollups_rebuild(date_from=date_from, date_to=date_to)
        if action == "refresh-rollups":
            return rollups.rollups_refresh()
        return {"tables": rollups.rollup_sizes()}
