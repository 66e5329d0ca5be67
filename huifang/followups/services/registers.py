"""Historical registers uploaded from the web: keep the file, check the columns, run it.

The import itself is ``followups.registers.pipeline.followups_import`` — the
same code as ``huifang import-followups`` — run by a worker; the upload and
the downloads follow the HIS import's web flow (``patients.services``) and
use the same permission (``patients.import_encounters``: managers and
administrators).
"""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.followups.models import RegisterImport
from huifang.followups.registers.mapping import FIELDS, LABELS
from huifang.patients import services as patient_services

IMPORT_PERMISSION = "patients.import_encounters"


def _require_import(actor: User) -> None:
    if not actor.has_perm(IMPORT_PERMISSION):
        raise ApplicationError("您的角色无权导入回访登记本", code="permission_denied", status=403)


def register_import_upload(
    *, actor: User, uploaded, source: str = "his", encoding: str = "auto", sheet: str = ""
) -> RegisterImport:
    """Keep an uploaded register and make a waiting run for it; nothing is imported yet."""
    _require_import(actor)
    if uploaded.size > patient_services.UPLOAD_LIMIT_BYTES:
        raise ApplicationError(
            "文件超过 512 MB，请拆分后再上传，或用命令行导入", code="file_too_large"
        )
    run = RegisterImport.objects.create(
        source=(source or "his").strip()[:50],
        encoding=encoding or "auto",
        sheet=(sheet or "").strip()[:100],
        file_name=Path(uploaded.name).name[:255],
        created_by=actor,
    )
    folder = Path(settings.MEDIA_ROOT) / "registers" / str(run.uuid)
    folder.mkdir(parents=True, exist_ok=True)
    # Kept under its own name, so the import's audit entry and log name the clerk's file.
    suffix = Path(uploaded.name).suffix.lower()[:10] or ".csv"
    stem = Path(uploaded.name).stem.strip(". ")[:100] or "upload"
    target = folder / f"{stem}{suffix}"
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    run.file_path = str(target)
    run.file_size = target.stat().st_size
    run.save(update_fields=["file_path", "file_size"])
    audit_record(actor=actor, action="create", target=run, changes={"file": run.file_name})
    return run


@transaction.atomic
def register_import_start(*, actor: User, run: RegisterImport, mapping: dict) -> RegisterImport:
    """Fix the column mapping (header → field or None) of a waiting run and queue it."""
    from huifang.followups.tasks import register_import_task

    _require_import(actor)
    run = RegisterImport.objects.select_for_update().get(pk=run.pk)
    if run.status != RegisterImport.Status.PENDING:
        raise ApplicationError("该导入已开始或已结束", code="import_not_pending", status=409)
    used = [field for field in mapping.values() if field]
    unknown = sorted({field for field in used if field not in FIELDS})
    if unknown:
        raise ApplicationError(f"未知的字段：{', '.join(unknown)}", code="unknown_field")
    doubled = sorted({field for field in used if used.count(field) > 1})
    if doubled:
        labels = "、".join(LABELS[f] for f in doubled)
        raise ApplicationError(f"同一字段被指定给了多列：{labels}", code="duplicate_mapping")
    missing = [LABELS[f] for f in ("date", "name", "outcome") if f not in used]
    if missing:
        raise ApplicationError(f"必须指定这些列：{'、'.join(missing)}", code="mapping_incomplete")
    run.mapping = {header: (field or None) for header, field in mapping.items()}
    run.save(update_fields=["mapping"])
    audit_record(actor=actor, action="update", target=run, changes={"mapping": run.mapping})
    run_id = run.pk
    transaction.on_commit(lambda: register_import_task(run_id))
    return run


def register_import_execute(*, run_id: int) -> None:
    """Run a queued register import (in a worker), recording progress after each batch.

    A file that cannot be read or has no register header fails the run with
    the reason; rows already written stay (each batch is one transaction, and
    the import is idempotent, so the file can simply be uploaded again).
    """
    from huifang.followups.registers.pipeline import RegisterOptions, followups_import
    from huifang.patients.importing.pipeline import estimate_rows
    from huifang.patients.importing.reader import detect_format

    run = RegisterImport.objects.select_related("created_by").get(pk=run_id)
    if run.status not in (RegisterImport.Status.PENDING, RegisterImport.Status.RUNNING):
        return
    path = Path(run.file_path)
    folder = path.parent
    try:
        fmt = detect_format(path, encoding=run.encoding, sheet=run.sheet)
        expected = estimate_rows(path, fmt)
    except ApplicationError as exc:
        _fail(run, exc.message)
        return
    RegisterImport.objects.filter(pk=run.pk).update(
        status=RegisterImport.Status.RUNNING, rows_expected=expected
    )

    def progress(counts) -> None:
        RegisterImport.objects.filter(pk=run.pk).update(
            rows=counts.rows,
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=counts.rejected,
            warnings=counts.warnings,
        )

    options = RegisterOptions(
        source=run.source,
        encoding=run.encoding,
        sheet=run.sheet,
        rejects=folder / ("rejects.xlsx" if fmt.kind == "xlsx" else "rejects.csv"),
        warnings=folder / "warnings.csv",
        mapping=run.mapping or None,
        actor=run.created_by,
        progress=progress,
    )
    try:
        result = followups_import(path, options)
    except ApplicationError as exc:
        _fail(run, exc.message)
        return
    except Exception as exc:
        # Not left "running" for ever: the page shows the failure; the worker logs the trace.
        _fail(run, f"{type(exc).__name__}: {exc}")
        raise
    c = result.counts
    RegisterImport.objects.filter(pk=run.pk).update(
        status=RegisterImport.Status.SUCCEEDED,
        rows=c.rows,
        created=c.created,
        updated=c.updated,
        unchanged=c.unchanged,
        rejected=c.rejected,
        warnings=c.warnings,
        patients_created=c.patients_created,
        tasks_created=c.tasks_created,
        rejects_path=result.rejects_file,
        warnings_path=result.warnings_file,
        seconds=result.seconds,
        finished_at=timezone.now(),
    )


def _fail(run: RegisterImport, message: str) -> None:
    RegisterImport.objects.filter(pk=run.pk).update(
        status=RegisterImport.Status.FAILED, error=str(message)[:2000], finished_at=timezone.now()
    )


def register_import_file_for_download(*, actor: User, run: RegisterImport, which: str) -> Path:
    """The rejects or warnings file of a run; each download is audited (the HIS import's rule)."""
    _require_import(actor)
    return patient_services.import_file_for_download(actor=actor, run=run, which=which)
