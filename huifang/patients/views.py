from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huifang.accounts.selectors import department_list
from huifang.core.errors import ApplicationError
from huifang.core.phones import dial_string, national_format
from huifang.patients import actions, selectors, services, timeline
from huifang.patients.forms import ContactPreferencesForm, PhoneForm
from huifang.patients.models import Encounter, Patient, PhoneNumber

PAGE_SIZE = 25
TIMELINE_LIMIT = timeline.LIMIT


def _filters_from(request) -> selectors.PatientFilters:
    try:
        department_id = int(request.GET.get("department") or 0) or None
    except ValueError:
        department_id = None
    deceased = {"yes": True, "no": False}.get(request.GET.get("deceased", ""))
    kind = request.GET.get("kind", "")
    if kind not in Encounter.Kind.values:
        kind = ""
    return selectors.PatientFilters(
        q=request.GET.get("q", "")[:50],
        department_id=department_id,
        kind=kind,
        deceased=deceased,
    )


def patient_list(request):
    filters = _filters_from(request)
    patients = selectors.patient_list(user=request.user, filters=filters)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "departments": department_list(user=request.user),
        "kinds": Encounter.Kind.choices,
        "querystring": query.urlencode(),
        "nav_active": "patients",
    }
    if request.htmx and request.htmx.target == "patient-results":
        return render(request, "patients/patient_list.html#results", context)
    return render(request, "patients/patient_list.html", context)


def patient_detail(request, patient_uuid):
    patient = selectors.patient_get(user=request.user, patient_uuid=patient_uuid)
    services.patient_record_view(actor=request.user, patient=patient)
    context = {
        "patient": patient,
        "encounters": selectors.patient_encounters(user=request.user, patient=patient),
        "today": timezone.localdate(),
        "can_reveal_phone": request.user.has_perm("patients.reveal_phone"),
        "can_reveal_id": request.user.has_perm("patients.reveal_id_number"),
        "actions": actions.collect(user=request.user, patient=patient),
        "timeline": selectors.patient_timeline(
            user=request.user, patient=patient, kind=request.GET.get("show", "")
        ),
        "timeline_limit": TIMELINE_LIMIT,
        "contact": contact_panel_context(
            user=request.user,
            patient=patient,
            post_url=reverse("patients:contact", args=[patient.uuid]),
        ),
        "nav_active": "patients",
    }
    return render(request, "patients/patient_detail.html", context)


# --- Contact details (also the workbench's panel during a call) ---


def contact_panel_context(
    *,
    user,
    patient: Patient,
    post_url: str,
    during_claimed_call: bool = False,
    error: str = "",
    saved: str = "",
    phones: list[PhoneNumber] | None = None,
) -> dict:
    """What ``patients/_contact_panel.html`` shows: numbers masked, the forms if allowed."""
    return {
        "patient": patient,
        "phones": selectors.patient_phones(patient=patient) if phones is None else phones,
        "contact_url": post_url,
        "can_edit_contact": services.contact_edit_allowed(
            user, during_claimed_call=during_claimed_call
        ),
        "can_reveal_phone": user.has_perm("patients.reveal_phone"),
        "owners": PhoneNumber.Owner.choices,
        "contact_error": error,
        "contact_saved": saved,
    }


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def contact_change(request, *, patient: Patient, during_claimed_call: bool = False) -> str:
    """Apply the posted change of a number or of the contact preferences; the message to show.

    ``op`` is ``add``, ``correct``, ``retire`` or ``preferences``. Raises
    ``ApplicationError`` with what to fix; nothing is written then.
    """
    op = request.POST.get("op", "")
    common = {"actor": request.user, "during_claimed_call": during_claimed_call}
    if op == "preferences":
        form = ContactPreferencesForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_first_error(form), code="invalid_input")
        services.patient_contact_preferences_set(patient=patient, **form.cleaned_data, **common)
        return _("Contact preferences saved.")
    if op == "add":
        form = PhoneForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(_first_error(form), code="invalid_input")
        if not form.cleaned_data["number"].strip():
            raise ApplicationError(_("Type the phone number to add."), code="number_required")
        services.phone_create(
            patient=patient,
            raw_number=form.cleaned_data["number"],
            owner=form.cleaned_data["owner"],
            relation=form.cleaned_data["relation"],
            contact_name=form.cleaned_data["contact_name"],
            **common,
        )
        return _("Phone number added.")
    if op not in ("correct", "retire"):
        raise ApplicationError(_("Unknown change; reload the page."), code="unknown_op")
    try:
        phone_id = int(request.POST.get("phone") or 0)
    except ValueError:
        phone_id = 0
    phone = selectors.patient_phone_get(
        user=request.user, patient_uuid=patient.uuid, phone_id=phone_id
    )
    if op == "retire":
        services.phone_retire(phone=phone, reason=request.POST.get("reason", ""), **common)
        return _("The number is no longer used.")
    form = PhoneForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(_first_error(form), code="invalid_input")
    services.phone_correct(
        phone=phone,
        raw_number=form.cleaned_data["number"],
        owner=form.cleaned_data["owner"],
        relation=form.cleaned_data["relation"],
        contact_name=form.cleaned_data["contact_name"],
        **common,
    )
    return _("Phone number corrected.")


@require_http_methods(["GET", "POST"])
def patient_contact(request, patient_uuid):
    """The contact panel of the patient page; a POST changes a number or the preferences."""
    patient = selectors.patient_get(user=request.user, patient_uuid=patient_uuid)
    url = reverse("patients:contact", args=[patient.uuid])
    error = saved = ""
    status = 200
    if request.method == "POST":
        try:
            saved = contact_change(request, patient=patient)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        patient.refresh_from_db()
    context = contact_panel_context(
        user=request.user, patient=patient, post_url=url, error=error, saved=saved
    )
    if request.htmx:
        status = 200  # htmx swaps only 2xx: the panel shows the error
    return render(request, "patients/_contact_panel.html", context, status=status)


@require_POST
def phone_reveal(request, patient_uuid, phone_id: int):
    phone = selectors.patient_phone_get(
        user=request.user, patient_uuid=patient_uuid, phone_id=phone_id
    )
    number = services.phone_reveal(actor=request.user, phone=phone)
    return render(
        request,
        "patients/_phone_revealed.html",
        {"phone": phone, "display": national_format(number), "dial": dial_string(number)},
    )


@require_POST
def id_number_reveal(request, patient_uuid):
    patient = selectors.patient_get(user=request.user, patient_uuid=patient_uuid)
    value = services.id_number_reveal(actor=request.user, patient=patient)
    return render(request, "patients/_id_revealed.html", {"value": value})


# --- Imports ---


def import_list(request):
    from huifang.patients.forms import ImportUploadForm

    runs = selectors.import_run_list(user=request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_upload(
                actor=request.user,
                uploaded=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                kind=form.cleaned_data["kind"],
                encoding=form.cleaned_data["encoding"],
                sheet=form.cleaned_data["sheet"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("patients:import_preview", run_uuid=run.uuid)
    return render(
        request,
        "patients/import_list.html",
        {"runs": runs, "form": form, "nav_active": "imports"},
    )


def import_preview(request, run_uuid):
    from pathlib import Path

    from huifang.patients.importing.mapping import FIELDS, check_mapping, map_headers
    from huifang.patients.importing.reader import preview
    from huifang.patients.models import ImportSource

    run = selectors.import_run_get(user=request.user, run_uuid=run_uuid)
    if run.status != run.Status.PENDING:
        return redirect("patients:import_detail", run_uuid=run.uuid)
    saved = ImportSource.objects.filter(name=run.source).first()
    overrides = dict(saved.mapping) if saved else {}
    check_mapping(overrides, origin=f"来源“{run.source}”保存的列映射")
    fmt, header, rows = preview(
        Path(run.file_path), encoding=run.encoding, sheet=run.sheet, extra_headers=overrides
    )
    mapping = map_headers(header, overrides)
    if request.method == "POST":
        chosen = {
            column: (request.POST.get(f"col-{index}") or None)
            for index, column in enumerate(mapping.headers)
        }
        services.import_start(
            actor=request.user,
            run=run,
            mapping=chosen,
            save_for_source=bool(request.POST.get("save_mapping")),
        )
        return redirect("patients:import_detail", run_uuid=run.uuid)
    columns = selectors.import_preview_columns(mapping.headers, mapping.fields, rows)
    return render(
        request,
        "patients/import_preview.html",
        {
            "run": run,
            "format": fmt,
            "columns": columns,
            "samples": range(1, min(len(rows), selectors.PREVIEW_SAMPLE_ROWS) + 1),
            "fields": [(key, label) for key, (label, _aliases) in FIELDS.items()],
            "saved": saved,
            "nav_active": "imports",
        },
    )


def import_detail(request, run_uuid):
    run = selectors.import_run_get(user=request.user, run_uuid=run_uuid)
    percent = 0
    if run.rows_expected:
        percent = min(100, round(100 * run.rows / run.rows_expected))
    if run.status == run.Status.SUCCEEDED:
        percent = 100
    context = {"run": run, "percent": percent, "nav_active": "imports"}
    if request.htmx:
        return render(request, "patients/import_detail.html#progress", context)
    return render(request, "patients/import_detail.html", context)


def import_download(request, run_uuid, which: str):
    from django.http import FileResponse, Http404

    if which not in ("rejects", "warnings"):
        raise Http404
    run = selectors.import_run_get(user=request.user, run_uuid=run_uuid)
    path = services.import_file_for_download(actor=request.user, run=run, which=which)
    stem = run.file_name.rsplit(".", 1)[0]
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{stem}-{which}{path.suffix}"
    )
