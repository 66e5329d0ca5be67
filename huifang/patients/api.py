from uuid import UUID

from django.core.paginator import Paginator
from ninja import Query, Router, Schema

from huifang.core.errors import ApplicationError
from huifang.core.masking import mask_id_number, mask_phone
from huifang.patients import selectors, services
from huifang.patients.models import Encounter, Patient
from huifang.patients.schemas import (
    DiagnosisOut,
    EncounterOut,
    PatientOut,
    PatientPage,
    PhoneOut,
    RevealOut,
)

router = Router(tags=["patients"])
PAGE_SIZE = 50


class ErrorOut(Schema):
    code: str
    message: str
    details: dict


class PatientQuery(Schema):
    q: str = ""
    department: int | None = None
    kind: str = ""
    page: int = 1


def _phones(patient: Patient) -> list[PhoneOut]:
    return [
        PhoneOut(
            id=phone.pk,
            masked=mask_phone(phone.number),
            owner=phone.owner,
            relation=phone.relation,
            line_type=phone.line_type,
            status=phone.status,
            is_primary=phone.is_primary,
        )
        for phone in patient.phones.all()
    ]


def _list_item(patient: Patient) -> dict:
    return {
        "uuid": patient.uuid,
        "record_number": patient.record_number,
        "name": patient.name,
        "sex": patient.sex,
        "birth_date": patient.birth_date,
        "deceased": patient.deceased_on is not None,
        "phones": _phones(patient),
        "last_encounter_date": getattr(patient, "last_encounter_date", None),
        "last_department": getattr(patient, "last_department_name", None),
    }


@router.get(
    "",
    response={200: PatientPage, 400: ErrorOut, 403: ErrorOut},
    summary="Search patients within your scope",
)
def patient_list(request, query: Query[PatientQuery]):
    if query.kind and query.kind not in Encounter.Kind.values:
        raise ApplicationError(
            f"unknown encounter kind {query.kind!r}",
            code="invalid_kind",
            details={"allowed": Encounter.Kind.values},
        )
    filters = selectors.PatientFilters(
        q=query.q[:50], department_id=query.department, kind=query.kind
    )
    paginator = Paginator(selectors.patient_list(user=request.user, filters=filters), PAGE_SIZE)
    page = paginator.get_page(query.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_list_item(p) for p in page.object_list],
    }


@router.get(
    "/{patient_uuid}",
    response={200: PatientOut, 403: ErrorOut, 404: ErrorOut},
    summary="One patient (the view is audited)",
)
def patient_detail(request, patient_uuid: UUID):
    patient = selectors.patient_get(user=request.user, patient_uuid=patient_uuid)
    services.patient_record_view(actor=request.user, patient=patient, via="api")
    item = _list_item(patient)
    latest = selectors.patient_latest_encounter(patient=patient)
    if latest is not None:
        item["last_encounter_date"] = latest.anchor
        item["last_department"] = latest.department.name
    item.update(
        ethnicity=patient.ethnicity,
        occupation=patient.occupation,
        address=patient.address,
        id_number_masked=mask_id_number(patient.id_number),
        do_not_contact=list(patient.do_not_contact or []),
    )
    return item


@router.get(
    "/{patient_uuid}/encounters",
    response={200: list[EncounterOut], 403: ErrorOut, 404: ErrorOut},
    summary="The patient's encounters, newest first",
)
def patient_encounters(request, patient_uuid: UUID):
    patient = selectors.patient_get(user=request.user, patient_uuid=patient_uuid)
    return [
        EncounterOut(
            uuid=e.uuid,
            kind=e.kind,
            number=e.number,
            department_code=e.department.code,
            department_name=e.department.name,
            attending_doctor=e.attending_doctor,
            responsible_nurse=e.responsible_nurse,
            admitted_on=e.admitted_on,
            discharged_on=e.discharged_on,
            visit_on=e.visit_on,
            diagnoses=[
                DiagnosisOut(
                    code=d.code, name=d.name, is_primary=d.is_primary, is_sensitive=d.is_sensitive
                )
                for d in e.diagnoses.all()
            ],
        )
        for e in selectors.patient_encounters(user=request.user, patient=patient)
    ]


@router.post(
    "/{patient_uuid}/phones/{phone_id}/reveal",
    response={200: RevealOut, 403: ErrorOut, 404: ErrorOut},
    summary="The full phone number (audited)",
)
def phone_reveal(request, patient_uuid: UUID, phone_id: int):
    phone = selectors.patient_phone_get(
        user=request.user, patient_uuid=patient_uuid, phone_id=phone_id
    )
    return {"number": services.phone_reveal(actor=request.user, phone=phone)}
