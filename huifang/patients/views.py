from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import department_list
from huifang.core.phones import dial_string, national_format
from huifang.patients import selectors, services
from huifang.patients.models import Encounter

PAGE_SIZE = 25


def home(request):
    summary = None
    if request.user.has_perm("patients.view_patient"):
        summary = selectors.workbench_summary(user=request.user, today=timezone.localdate())
    return render(request, "patients/home.html", {"summary": summary, "nav_active": "home"})


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
        "phones": selectors.patient_phones(patient=patient),
        "encounters": selectors.patient_encounters(user=request.user, patient=patient),
        "today": timezone.localdate(),
        "can_reveal_phone": request.user.has_perm("patients.reveal_phone"),
        "can_reveal_id": request.user.has_perm("patients.reveal_id_number"),
        "nav_active": "patients",
    }
    return render(request, "patients/patient_detail.html", context)


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
