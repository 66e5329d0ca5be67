"""Questionnaires, dispatches, responses and scores under /api/v1/surveys."""

from datetime import date
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from ninja import Body, Query, Router, Schema, Status

from huifang.core.errors import NotFound
from huifang.followups.models import FollowUpTask
from huifang.patients.models import Encounter
from huifang.patients.selectors import patient_get
from huifang.surveys import fhir, selectors, services
from huifang.surveys.models import Dispatch, Response
from huifang.surveys.schemas import (
    DispatchCreatedOut,
    DispatchIn,
    DispatchOut,
    ErrorOut,
    QuestionnaireListOut,
    QuestionnaireOut,
    ResponseIn,
    ResponseOut,
    ResponsePage,
    ScoresOut,
    VoidIn,
)

router = Router(tags=["surveys"])
PAGE_SIZE = 50
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ListQuery(Schema):
    questionnaire: str = ""
    page: int = 1


class ScoresQuery(Schema):
    since: date | None = None
    until: date | None = None


def _questionnaire_out(q) -> dict:
    return {
        "id": q.pk,
        "code": q.code,
        "version": q.version,
        "title": q.title,
        "status": q.status,
        "description": q.description,
        "items": list(q.items.all()),
    }


def _dispatch_out(d: Dispatch) -> dict:
    return {
        "uuid": d.uuid,
        "questionnaire": d.questionnaire.code,
        "version": d.questionnaire.version,
        "patient": d.patient.uuid,
        "channel": d.channel,
        "status": d.status,
        "sent_at": d.sent_at,
        "opened_at": d.opened_at,
        "completed_at": d.completed_at,
        "expires_at": d.expires_at,
    }


def _response_out(r: Response) -> dict:
    return {
        "uuid": r.uuid,
        "questionnaire": r.questionnaire.code,
        "version": r.questionnaire.version,
        "patient": r.patient.uuid,
        "channel": r.channel,
        "submitted_at": r.submitted_at,
        "voided": r.voided_at is not None,
        "void_reason": r.void_reason,
        "answers": [
            {
                "item": a.item.code,
                "value": a.value,
                "opens_feedback": a.opens_feedback,
                "red_flag": a.red_flag,
            }
            for a in r.answers.all()
        ],
    }


def _links(request, patient, encounter_uuid, task_uuid):
    encounter = task = None
    if encounter_uuid is not None:
        encounter = Encounter.objects.filter(uuid=encounter_uuid, patient=patient).first()
        if encounter is None:
            raise NotFound("Encounter not found", code="encounter_not_found")
    if task_uuid is not None:
        task = FollowUpTask.objects.filter(uuid=task_uuid, patient=patient).first()
        if task is None:
            raise NotFound("Task not found", code="task_not_found")
    return encounter, task


def _active(request, code: str):
    selectors.questionnaire_for_code(user=request.user, code=code)  # permission and existence
    questionnaire = selectors.questionnaire_active(code)
    if questionnaire is None:
        raise NotFound("No active version of this questionnaire", code="questionnaire_not_active")
    return questionnaire


# --- Questionnaires ---


@router.get("/questionnaires", response={200: list[QuestionnaireListOut], **ERRORS},
            summary="Questionnaires: the newest version of each")  # fmt: skip
def questionnaire_list(request):
    return selectors.questionnaire_list(user=request.user)


@router.get("/questionnaires/{int:questionnaire_id}", response={200: QuestionnaireOut, **ERRORS},
            summary="One questionnaire version with its questions")  # fmt: skip
def questionnaire_detail(request, questionnaire_id: int):
    return _questionnaire_out(selectors.questionnaire_get(user=request.user, pk=questionnaire_id))


@router.get("/questionnaires/{int:questionnaire_id}/fhir", response={200: dict[str, Any], **ERRORS},
            summary="One version as a FHIR R4 Questionnaire")  # fmt: skip
def questionnaire_fhir(request, questionnaire_id: int):
    return fhir.questionnaire_to_fhir(
        selectors.questionnaire_get(user=request.user, pk=questionnaire_id)
    )


@router.post("/questionnaires/fhir", response={201: QuestionnaireOut, **ERRORS},
             summary="Import a FHIR R4 Questionnaire as a new draft version")  # fmt: skip
def questionnaire_fhir_import(request, resource: dict[str, Any] = Body(...)):  # noqa: B008
    draft = fhir.questionnaire_import(actor=request.user, data=resource)
    return Status(
        201, _questionnaire_out(selectors.questionnaire_get(user=request.user, pk=draft.pk))
    )


@router.get("/questionnaires/{slug:code}/scores", response={200: ScoresOut, **ERRORS},
            summary="Scores of a questionnaire (voided responses left out)")  # fmt: skip
def questionnaire_scores(request, code: str, query: Query[ScoresQuery]):
    return selectors.questionnaire_scores(
        user=request.user, code=code, since=query.since, until=query.until
    )


# --- Dispatches ---


@router.get("/dispatches", response={200: list[DispatchOut], **ERRORS},
            summary="Dispatches of the patients in your scope, newest first (50 a page)")  # fmt: skip
def dispatch_list(request, query: Query[ListQuery]):
    qs = selectors.dispatch_list(user=request.user, questionnaire_code=query.questionnaire[:50])
    page = Paginator(qs, PAGE_SIZE).get_page(query.page)
    return [_dispatch_out(d) for d in page.object_list]


@router.post("/dispatches", response={201: DispatchCreatedOut, **ERRORS},
             summary="Put a questionnaire to a patient; SMS/QR/web get a one-time link")  # fmt: skip
def dispatch_create(request, payload: DispatchIn):
    questionnaire = _active(request, payload.questionnaire)
    patient = patient_get(user=request.user, patient_uuid=payload.patient)
    encounter, task = _links(request, patient, payload.encounter, payload.task)
    dispatch, url = services.dispatch_create(
        actor=request.user,
        questionnaire=questionnaire,
        patient=patient,
        encounter=encounter,
        task=task,
        channel=payload.channel,
    )
    return Status(201, {**_dispatch_out(dispatch), "url": url})


@router.post("/dispatches/{uuid:dispatch_uuid}/refuse", response={200: DispatchOut, **ERRORS},
             summary="The patient declined to answer")  # fmt: skip
def dispatch_refuse(request, dispatch_uuid: UUID):
    dispatch = selectors.dispatch_get(user=request.user, dispatch_uuid=dispatch_uuid)
    return _dispatch_out(services.dispatch_refuse(actor=request.user, dispatch=dispatch))


# --- Responses ---


@router.get("/responses", response={200: ResponsePage, **ERRORS},
            summary="Responses of the patients in your scope, newest first")  # fmt: skip
def response_list(request, query: Query[ListQuery]):
    qs = selectors.response_list(
        user=request.user, questionnaire_code=query.questionnaire[:50]
    ).prefetch_related("answers__item")
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(query.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_response_out(r) for r in page.object_list],
    }


@router.post("/responses", response={201: ResponseOut, **ERRORS},
             summary="Record answers (validated: required, types, conditions)")  # fmt: skip
def response_create(request, payload: ResponseIn):
    questionnaire = _active(request, payload.questionnaire)
    patient = patient_get(user=request.user, patient_uuid=payload.patient)
    encounter, task = _links(request, patient, payload.encounter, payload.task)
    dispatch = None
    if payload.dispatch is not None:
        dispatch = selectors.dispatch_get(user=request.user, dispatch_uuid=payload.dispatch)
        questionnaire = dispatch.questionnaire
    response = services.response_record(
        actor=request.user,
        questionnaire=questionnaire,
        answers=payload.answers,
        dispatch=dispatch,
        channel=payload.channel,
        patient=patient,
        encounter=encounter,
        task=task,
    )
    return Status(
        201, _response_out(selectors.response_get(user=request.user, response_uuid=response.uuid))
    )


@router.get("/responses/{uuid:response_uuid}", response={200: ResponseOut, **ERRORS},
            summary="One response with its answers")  # fmt: skip
def response_detail(request, response_uuid: UUID):
    return _response_out(selectors.response_get(user=request.user, response_uuid=response_uuid))


@router.get("/responses/{uuid:response_uuid}/fhir", response={200: dict[str, Any], **ERRORS},
            summary="One response as a FHIR R4 QuestionnaireResponse")  # fmt: skip
def response_fhir(request, response_uuid: UUID):
    return fhir.response_to_fhir(
        selectors.response_get(user=request.user, response_uuid=response_uuid)
    )


@router.post("/responses/fhir", response={201: ResponseOut, **ERRORS},
             summary="Record a FHIR R4 QuestionnaireResponse")  # fmt: skip
def response_fhir_import(request, resource: dict[str, Any] = Body(...)):  # noqa: B008
    response = fhir.response_import(actor=request.user, data=resource)
    return Status(
        201, _response_out(selectors.response_get(user=request.user, response_uuid=response.uuid))
    )


@router.post("/responses/{uuid:response_uuid}/void", response={200: ResponseOut, **ERRORS},
             summary="Void a response with a reason (kept, audited, left out of scores)")  # fmt: skip
def response_void(request, response_uuid: UUID, payload: VoidIn):
    response = selectors.response_get(user=request.user, response_uuid=response_uuid)
    services.response_void(actor=request.user, response=response, reason=payload.reason)
    return _response_out(selectors.response_get(user=request.user, response_uuid=response_uuid))
