"""``huifang import-followups FILE``: import a historical follow-up register (回访登记本)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError
from huifang.followups.registers.pipeline import RegisterOptions, followups_import


class Command(BaseCommand):
    help = (
        "Import past follow-up calls from a register (CSV/TSV in UTF-8 or GB18030, or XLSX) "
        "as encounters, tasks and attempts. Rejected rows go to a rejects file with the "
        "reason; re-importing is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--source",
            default="his",
            help="source system whose encounter numbers the register quotes (default: his)",
        )
        parser.add_argument(
            "--encoding", default="auto", choices=["auto", "utf-8", "gb18030", "gbk"]
        )
        parser.add_argument("--sheet", default="", help="XLSX sheet name (default: the first)")
        parser.add_argument(
            "--rejects", help="where to write rejected rows (default: next to FILE)"
        )
        parser.add_argument(
            "--warnings",
            help="where to write rows imported with a warning (default: next to FILE)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("no such file: %(path)s") % {"path": path})
        try:
            result = followups_import(
                path,
                RegisterOptions(
                    source=options["source"],
                    encoding=options["encoding"],
                    sheet=options["sheet"],
                    rejects=Path(options["rejects"]) if options["rejects"] else None,
                    warnings=Path(options["warnings"]) if options["warnings"] else None,
                    batch_size=max(1, options["batch_size"]),
                ),
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        c = result.counts
        self.stdout.write(
            _(
                "%(name)s: %(rows)s rows — %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(rejected)s rejected; %(warnings)s warnings; "
                "%(patients)s new patients, %(tasks)s new tasks; %(seconds).1fs"
            )
            % {
                "name": path.name,
                "rows": c.rows,
                "created": c.created,
                "updated": c.updated,
                "unchanged": c.unchanged,
                "rejected": c.rejected,
                "warnings": c.warnings,
                "patients": c.patients_created,
                "tasks": c.tasks_created,
                "seconds": result.seconds,
            }
        )
        if c.rows and not (c.created or c.updated):
            self.stdout.write(_("Nothing changed: every row was imported before."))
        if result.rejects_file:
            self.stdout.write(_("rejected rows: %(path)s") % {"path": result.rejects_file})
        if result.warnings_file:
            self.stdout.write(_("warnings: %(path)s") % {"path": result.warnings_file})
        for warning in result.warnings[:20]:
            self.stdout.write(warning)
