"""``huifang import-encounters FILE``: import a HIS export of patients and encounters."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huifang.core.errors import ApplicationError
from huifang.patients.importing.pipeline import ImportOptions, import_encounters
from huifang.patients.models import Encounter


class Command(BaseCommand):
    help = (
        "Import patients and encounters from a CSV/TSV (UTF-8 or GB18030) or XLSX export. "
        "Rejected rows go to a rejects file with the reason; re-importing is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", default="his", help="source system name (default: his)")
        parser.add_argument(
            "--kind",
            default="",
            choices=["", *Encounter.Kind.values],
            help="encounter kind when the file has no kind column",
        )
        parser.add_argument(
            "--encoding", default="auto", choices=["auto", "utf-8", "gb18030", "gbk"]
        )
        parser.add_argument("--sheet", default="", help="XLSX sheet name (default: the first)")
        parser.add_argument("--mapping", help='JSON file {"header in the file": "field" or null}')
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read mapping file {options['mapping']}: {exc}") from exc
            if not isinstance(mapping, dict):
                raise CommandError("the mapping file must hold one JSON object")
        try:
            result = import_encounters(
                path,
                ImportOptions(
                    source=options["source"],
                    kind=options["kind"],
                    encoding=options["encoding"],
                    sheet=options["sheet"],
                    mapping=mapping,
                    dry_run=options["dry_run"],
                    batch_size=max(1, options["batch_size"]),
                ),
            )
        except ApplicationError as exc:
            hint = "；列名不同时请用 --mapping 指定" if exc.details.get("mapping_helps") else ""
            raise CommandError(f"{exc.message}{hint} [{exc.code}]") from exc
        if not result.counts.rows:  # processed (exit 0), but say it: an export that went wrong
            self.stderr.write(f"{path.name}: the file has a header but no data rows")
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        c = result.counts
        self.stdout.write(
            f"{path.name}: {c.rows} rows — {c.created} created, {c.updated} updated, "
            f"{c.unchanged} unchanged, {c.rejected} rejected; {c.warnings} warnings; "
            f"{c.patients_created} new patients; {result.seconds:.1f}s"
            + (" (dry run: nothing written)" if options["dry_run"] else "")
        )
        if result.rejects_file:
            self.stdout.write(f"rejected rows: {result.rejects_file}")
        if c.warnings:
            self.stdout.write(f"warnings: {result.warnings_file}")
