"""The import: stream rows, prepare them, write them in batches.

Each batch is one transaction, keyed on (source, encounter number), so a
run killed at any point and started again ends with exactly the database
one clean run gives: committed batches come back as "unchanged", the rest
is written once. A batch never holds the same encounter number twice;
a repeated number waits for the next batch and then updates the first.
"""

import csv
import hashlib
import logging
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.core.bulk import few_collections, refresh_statistics
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.patients.importing.mapping import (
    FIELDS,
    ColumnMapping,
    check_mapping,
    looks_usable,
    map_headers,
)
from huifang.patients.importing.parallel import (
    PARALLEL_MIN_ROWS,
    prepare_ahead,
    prepare_here,
    prepare_in_worker,
    worker_possible,
)
from huifang.patients.importing.prepare import Prepared, RowPreparer
from huifang.patients.importing.reader import RejectsWriter, TableReader, detect_format
from huifang.patients.importing.writer import BatchWriter, synthetic_record_number
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    ImportRun,
    ImportSource,
    Patient,
    PhoneNumber,
    Procedure,
)
from huifang.patients.signals import encounters_written

logger = logging.getLogger(__name__)

# The tables a bulk import fills; their statistics are refreshed after a large one.
IMPORTED_MODELS = (Patient, PhoneNumber, Encounter, Diagnosis, Procedure, AbnormalFinding)

__all__ = [
    "DepartmentResolver",
    "ImportOptions",
    "ImportResult",
    "import_encounters",
    "synthetic_record_number",
]

UNMAPPED_CODE = "UNMAPPED"


class NoUsableHeader(ApplicationError):
    code = "no_usable_header"


@dataclass
class ImportOptions:
    source: str = "his"
    kind: str = ""
    encoding: str = "auto"
    sheet: str = ""
    mapping: dict | None = None
    dry_run: bool = False
    batch_size: int = 2000
    today: date | None = None
    actor: User | None = None
    output_dir: Path | None = None
    # Where rows are prepared while this thread writes (``parallel``):
    # "inline", "thread", "worker" (a forked process), or ``None`` to choose:
    # inline for small files, else a worker where forking is safe, else a thread.
    preparing: str | None = None


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    patients_created: int = 0


@dataclass
class ImportResult:
    file: str
    run: ImportRun
    counts: Counts
    rejects_file: str
    warnings_file: str
    seconds: float
    mapping: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "rows": self.counts.rows,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "rejected": self.counts.rejected,
            "warnings": self.counts.warnings,
            "patients_created": self.counts.patients_created,
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
        }


INTERRUPTED_AFTER = timedelta(minutes=10)


def import_runs_mark_interrupted(*, runs=None, quiet_for: timedelta = INTERRUPTED_AFTER) -> int:
    """Mark running imports silent for ``quiet_for`` as failed (interrupted); returns how many.

    An import writes its heartbeat with every batch. One that stopped without
    a word (its process killed, the machine restarted) would show "running"
    forever; its committed batches are kept, and importing the same file
    again completes it without duplicates, which the error says.
    """
    cutoff = timezone.now() - quiet_for
    stale = (runs if runs is not None else ImportRun.objects.all()).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff),
        status=ImportRun.Status.RUNNING,
    )
    count = stale.update(
        status=ImportRun.Status.FAILED,
        finished_at=timezone.now(),
        error=(
            "导入中断：导入进程没有再报告进展（可能被终止或服务器重启）。"
            "已写入的批次都已保存，再导入一次同一文件即可补全，不会重复。"
        ),
    )
    if count:
        logger.warning("marked %d interrupted import run(s) as failed", count)
    return count


def _superseded_before(run: ImportRun) -> frozenset[tuple[str, str]]:
    """Rows of this same file that earlier runs saw replaced by a later row of it."""
    earlier = ImportRun.objects.filter(
        source=run.source, file_sha256=run.file_sha256, dry_run=False
    ).exclude(pk=run.pk)
    return frozenset(
        (number, fingerprint)
        for pairs in earlier.values_list("superseded", flat=True)
        for number, fingerprint in pairs or ()
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DepartmentResolver:
    """Department by code or name; unknown names go under an "unmapped" node."""

    def __init__(self):
        self.by_key: dict[str, Department] = {}
        for department in Department.objects.all():
            self.by_key.setdefault(department.code.lower(), department)
            self.by_key.setdefault(department.name, department)
        self.unmapped_root: Department | None = self.by_key.get(UNMAPPED_CODE.lower())

    def resolve(self, text: str) -> tuple[Department, bool]:
        """(department, was it unknown)."""
        key = text or "未填写科室"
        found = self.by_key.get(key) or self.by_key.get(key.lower())
        if found is not None and found.code != UNMAPPED_CODE:
            return found, found.parent_id == getattr(self.unmapped_root, "pk", -1)
        if self.unmapped_root is None:
            self.unmapped_root = Department.objects.create(
                code=UNMAPPED_CODE, name="未映射科室", kind=Department.Kind.OFFICE, sort_order=9999
            )
            self.by_key[UNMAPPED_CODE.lower()] = self.unmapped_root
        code = "U-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()  # noqa: S324
        department = Department.objects.filter(code=code).first()
        if department is None:
            department = Department.objects.create(
                code=code,
                name=key[:100],
                kind=Department.Kind.DEPARTMENT,
                parent=self.unmapped_root,
                sort_order=9999,
            )
        self.by_key[key] = department
        return department, True


def _write_warning(writer, p: Prepared, field_name: str, message: str) -> None:
    # The field as the clerk's file names it (联系电话, 科室), not the code's key.
    label = FIELDS[field_name][0] if field_name in FIELDS else field_name
    writer.writerow([p.row.number, p.row.line, p.number, label, message])


def estimate_rows(path: Path, fmt) -> int:
    """Rows to expect, for a progress bar: lines for text, the sheet's size for XLSX."""
    if fmt.kind == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            sheet = workbook[fmt.sheet] if fmt.sheet else workbook.worksheets[0]
            return max(0, (sheet.max_row or 1) - 1)
        finally:
            workbook.close()
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(0, lines - 1)


def import_encounters(
    path: Path, options: ImportOptions, *, run: ImportRun | None = None
) -> ImportResult:
    """Import one HIS export; see the module docstring for the guarantees.

    ``run``: an ``ImportRun`` made earlier (the upload page makes one); it is
    updated as the import goes, so a page can show progress.
    """
    started = time.monotonic()
    path = Path(path)
    today = options.today or timezone.localdate()
    check_mapping(options.mapping or {})
    fmt = detect_format(path, encoding=options.encoding, sheet=options.sheet)
    saved = ImportSource.objects.filter(name=options.source).first()
    if saved:
        check_mapping(saved.mapping, origin=f"来源“{saved.name}”保存的列映射")
    overrides = dict(saved.mapping) if saved else {}
    overrides.update(options.mapping or {})
    reader = TableReader(path, fmt, extra_headers=overrides)
    rows = reader.rows()
    first = next(rows, None)
    mapping: ColumnMapping = map_headers(reader.header, overrides)
    if not looks_usable(mapping):
        raise NoUsableHeader(
            "表头中缺少必需的列：需要“姓名”和“住院号/门诊号”（或其别名）",
            details={"headers": reader.header, "mapping_helps": True},
        )
    default_kind = options.kind or (saved.default_kind if saved else "")
    if run is None:
        run = ImportRun(
            source=options.source,
            file_name=path.name,
            created_by=options.actor if options.actor and options.actor.is_authenticated else None,
        )
    run.kind = default_kind
    run.file_path = str(path)
    run.file_sha256 = file_sha256(path)
    run.file_size = path.stat().st_size
    run.encoding = fmt.encoding or fmt.kind
    run.sheet = options.sheet
    run.mapping = mapping.as_dict()
    run.dry_run = options.dry_run
    run.status = ImportRun.Status.RUNNING
    run.heartbeat_at = timezone.now()
    run.rows_expected = estimate_rows(path, fmt)
    run.save()
    out_dir = options.output_dir or (Path(settings.MEDIA_ROOT) / "imports" / str(run.uuid))
    rejects_path = out_dir / ("rejects.xlsx" if fmt.kind == "xlsx" else "rejects.csv")
    warnings_path = out_dir / "warnings.csv"
    rejects = RejectsWriter(rejects_path, fmt, reader.header)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = Counts()
    preparer = RowPreparer(mapping, default_kind=default_kind, today=today)
    departments = DepartmentResolver()
    writer = BatchWriter(
        source=options.source,
        actor=options.actor,
        counts=counts,
        departments=departments,
        since=timezone.now(),
        superseded_before=_superseded_before(run),
        run_label=str(run.uuid),
    )
    warning_rows = 0
    try:
        with (
            few_collections(),
            warnings_path.open("w", encoding="utf-8-sig", newline="") as warnings_file,
        ):
            warning_writer = csv.writer(warnings_file)
            warning_writer.writerow(["行号", "文件行", "住院号/门诊号", "字段", "提示"])

            def flush(batch: list[Prepared]) -> None:
                nonlocal warning_rows
                if not batch:
                    return
                with transaction.atomic():
                    extra = writer.write(batch)
                    if writer.superseded and not options.dry_run:
                        run.superseded = [list(pair) for pair in writer.superseded]
                        ImportRun.objects.filter(pk=run.pk).update(superseded=run.superseded)
                    ImportRun.objects.filter(pk=run.pk).update(
                        heartbeat_at=timezone.now(),
                        rows=counts.rows,
                        created=counts.created,
                        updated=counts.updated,
                        unchanged=counts.unchanged,
                        rejected=counts.rejected,
                        patients_created=counts.patients_created,
                    )
                    if options.dry_run:
                        transaction.set_rollback(True)
                    elif writer.written:
                        written = list(writer.written)
                        transaction.on_commit(
                            lambda: encounters_written.send(sender=Encounter, encounter_ids=written)
                        )
                for p in batch:
                    for w in p.warnings:
                        _write_warning(warning_writer, p, w.field, w.message)
                        warning_rows += 1
                for p, field, message in extra:
                    _write_warning(warning_writer, p, field, message)
                    warning_rows += 1
                counts.warnings = warning_rows

            batch: list[Prepared] = []
            keys: set[str] = set()
            preparing = _preparing(options, run.rows_expected)
            if preparing == "worker":
                rows.close()  # the worker reads the file itself, from the start
                outcomes = prepare_in_worker(
                    lambda: TableReader(path, fmt, extra_headers=overrides).rows(), preparer
                )
            else:
                rows = rows if first is None else _chain(first, rows)
                ahead = preparing == "thread"
                outcomes = (prepare_ahead if ahead else prepare_here)(rows, preparer)
            with closing(outcomes):  # a worker or thread ends with the loop, however it ends
                for row, prepared, reason in outcomes:
                    counts.rows += 1
                    if prepared is None:
                        counts.rejected += 1
                        rejects.write(row, reason)
                        continue
                    if prepared.number in keys or len(batch) >= options.batch_size:
                        flush(batch)
                        batch, keys = [], set()
                    batch.append(prepared)
                    keys.add(prepared.number)
            flush(batch)
    except Exception as exc:
        rejects.close()
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    rejects.close()
    if not options.dry_run:
        refresh_statistics(IMPORTED_MODELS, counts.created + counts.updated)
    seconds = time.monotonic() - started
    run.rows = counts.rows
    run.created = counts.created
    run.updated = counts.updated
    run.unchanged = counts.unchanged
    run.rejected = counts.rejected
    run.warnings = counts.warnings
    run.patients_created = counts.patients_created
    run.rejects_path = str(rejects_path) if rejects.count else ""
    run.warnings_path = str(warnings_path)
    run.seconds = seconds
    run.status = ImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    if not options.dry_run:  # a killed run of this file is now complete: say so
        import_runs_mark_interrupted(
            runs=ImportRun.objects.filter(
                source=run.source, file_sha256=run.file_sha256, created_at__lt=run.created_at
            ),
            quiet_for=timedelta(0),
        )
    audit_record(
        actor=options.actor,
        action="create",
        target=run,
        changes={
            "file": path.name,
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
            "dry_run": options.dry_run,
        },
    )
    logger.info(
        "import %s: %s rows, %s created, %s updated, %s unchanged, %s rejected in %.1fs",
        run.uuid,
        counts.rows,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        seconds,
    )
    return ImportResult(
        file=str(path),
        run=run,
        counts=counts,
        rejects_file=run.rejects_path,
        warnings_file=str(warnings_path),
        seconds=seconds,
        mapping=mapping.as_dict(),
    )


def _preparing(options: ImportOptions, rows_expected: int) -> str:
    if options.preparing is not None:
        return options.preparing
    if rows_expected < PARALLEL_MIN_ROWS:
        return "inline"
    return "worker" if worker_possible() else "thread"


def _chain(first, rest):
    yield first
    yield from rest
