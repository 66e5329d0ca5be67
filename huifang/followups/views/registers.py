"""Historical follow-up registers uploaded from the web: upload, check the columns, watch, download."""

from pathlib import Path

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from huifang.followups.registers.mapping import FIELDS, LABELS, detected_fields
from huifang.followups.selectors import registers as selectors
from huifang.followups.services import registers as services


def register_import_list(request):
    """Past register imports and the upload form (the HIS import's form: file, source, encoding)."""
    from huifang.patients.forms import ImportUploadForm

    runs = selectors.register_import_list(user=request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = services.register_import_upload(
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            source=form.cleaned_data["source"],
            encoding=form.cleaned_data["encoding"],
            sheet=form.cleaned_data["sheet"],
        )
        return redirect("followups:register_import_preview", run_uuid=run.uuid)
    return render(
        request,
        "followups/register_import_list.html",
        {"runs": runs, "form": form, "nav_active": "imports"},
    )


def register_import_preview(request, run_uuid):
    """The columns as detected, with the first rows; the clerk corrects them and starts."""
    from huifang.patients.importing.reader import preview

    run = selectors.register_import_get(user=request.user, run_uuid=run_uuid)
    if run.status != run.Status.PENDING:
        return redirect("followups:register_import_detail", run_uuid=run.uuid)
    aliases = [alias for names in FIELDS.values() for alias in names]
    fmt, header, rows = preview(
        Path(run.file_path), encoding=run.encoding, sheet=run.sheet, extra_headers=aliases
    )
    headers = [str(h) for h in header]
    if request.method == "POST":
        chosen = {
            column: (request.POST.get(f"col-{index}") or None)
            for index, column in enumerate(headers)
        }
        services.register_import_start(actor=request.user, run=run, mapping=chosen)
        return redirect("followups:register_import_detail", run_uuid=run.uuid)
    from huifang.patients.selectors import PREVIEW_SAMPLE_ROWS, import_preview_columns

    # One row per column of the file, its first values masked as every list's.
    columns = import_preview_columns(headers, detected_fields(headers), rows)
    return render(
        request,
        "followups/register_import_preview.html",
        {
            "run": run,
            "format": fmt,
            "columns": columns,
            "samples": range(1, min(len(rows), PREVIEW_SAMPLE_ROWS) + 1),
            "fields": list(LABELS.items()),
            "nav_active": "imports",
        },
    )


def register_import_detail(request, run_uuid):
    """Progress while it runs (htmx polls the progress part), counts and downloads after."""
    run = selectors.register_import_get(user=request.user, run_uuid=run_uuid)
    percent = 0
    if run.rows_expected:
        percent = min(100, round(100 * run.rows / run.rows_expected))
    if run.status == run.Status.SUCCEEDED:
        percent = 100
    mapping = [(header, LABELS.get(field, "")) for header, field in run.mapping.items() if field]
    context = {"run": run, "percent": percent, "mapping": mapping, "nav_active": "imports"}
    if request.htmx:
        return render(request, "followups/register_import_detail.html#progress", context)
    return render(request, "followups/register_import_detail.html", context)


def register_import_download(request, run_uuid, which: str):
    """The run's rejected rows or its warnings; audited."""
    if which not in ("rejects", "warnings"):
        raise Http404
    run = selectors.register_import_get(user=request.user, run_uuid=run_uuid)
    path = services.register_import_file_for_download(actor=request.user, run=run, which=which)
    stem = run.file_name.rsplit(".", 1)[0]
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{stem}-{which}{path.suffix}"
    )
