"""Dispatches (the ledger of every asking, with the patient's one-time link) and responses."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups.models import FollowUpTask
from huifang.followups.services.messages import task_record_survey_answered
from huifang.followups.services.rechecks import encounter_recheck_record
from huifang.patients.contact import Refusal, contact_refusal
from huifang.patients.models import Encounter, Patient
from huifang.patients.selectors import patient_scope
from huifang.surveys import answers as answer_rules
from huifang.surveys.models import Answer, Dispatch, Questionnaire, Response, SurveyChannel
from huifang.surveys.rechecks import recheck_place
from huifang.surveys.services.questionnaires import _require
from huifang.surveys.signals import response_recorded

LINK_CHANNELS = (SurveyChannel.SMS, SurveyChannel.QR, SurveyChannel.WEB)


# --- Dispatches and links --------------------------------------------------------------


def link_token_hash(token: str) -> str:
    """The keyed hash stored for a link token (HMAC-SHA256 with the secret key)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"survey-link:{token}".encode(), hashlib.sha256
    ).hexdigest()


def _require_scope(actor: User | None, patient: Patient) -> None:
    if actor is None:
        return
    if not patient_scope(actor).filter(pk=patient.pk).exists():
        raise NotFound(_("Patient not found"), code="patient_not_found")


def _check_links(patient: Patient, encounter: Encounter | None, task: FollowUpTask | None) -> None:
    if encounter is not None and encounter.patient_id != patient.pk:
        raise ApplicationError(
            _("The encounter belongs to another patient."), code="encounter_mismatch"
        )
    if task is not None and task.patient_id != patient.pk:
        raise ApplicationError(_("The task belongs to another patient."), code="task_mismatch")


def _require_active(questionnaire: Questionnaire) -> None:
    if questionnaire.status != Questionnaire.Status.ACTIVE:
        raise Conflict(
            _("This questionnaire version is not active; use the active one."),
            code="questionnaire_not_active",
        )


def dispatch_create(
    *,
    actor: User | None,
    questionnaire: Questionnaire,
    patient: Patient,
    encounter: Encounter | None = None,
    task: FollowUpTask | None = None,
    channel: str,
) -> tuple[Dispatch, str | None]:
    """Record that ``questionnaire`` is put to ``patient``; returns the dispatch and its link.

    For SMS, QR and web the link is ``/s/<token>``: a random 22-character
    token, of which only a keyed hash is stored, valid for
    ``HUIFANG_SURVEY_LINK_DAYS`` and for one submission. A phone dispatch
    has no link (``None``). A deceased patient gets nothing; a patient who
    opted out of SMS gets no SMS link.
    """
    _require(actor, "surveys.add_dispatch", _("Your role may not send questionnaires"))
    if channel not in SurveyChannel.values:
        raise ApplicationError(
            _("Unknown channel %(channel)s") % {"channel": channel}, code="invalid_channel"
        )
    _require_active(questionnaire)
    _require_scope(actor, patient)
    _check_links(patient, encounter, task)
    refusal = contact_refusal(patient=patient, channel=channel)
    if refusal == Refusal.DECEASED:
        raise Conflict(_("The patient is deceased."), code="patient_deceased")
    if refusal:
        raise Conflict(
            _("The patient asked not to be contacted this way."), code="patient_opted_out"
        )
    now = timezone.now()
    token = secrets.token_urlsafe(16) if channel in LINK_CHANNELS else None
    dispatch = Dispatch(
        questionnaire=questionnaire,
        patient=patient,
        encounter=encounter,
        task=task,
        channel=channel,
        status=Dispatch.Status.SENT,
        token_hash=link_token_hash(token) if token else None,
        expires_at=now + timedelta(days=settings.HUIFANG_SURVEY_LINK_DAYS) if token else None,
        sent_at=now,
        created_by=actor,
    )
    with transaction.atomic():
        dispatch.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=dispatch,
            patient_id=patient.pk,
            changes={
                "questionnaire": questionnaire.code,
                "version": questionnaire.version,
                "channel": channel,
            },
        )
    url = reverse("survey_link", kwargs={"token": token}) if token else None
    return dispatch, url


def dispatch_open(*, dispatch: Dispatch) -> Dispatch:
    """The patient opened the link: a sent dispatch becomes opened (once)."""
    if dispatch.status == Dispatch.Status.SENT:
        now = timezone.now()
        Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.Status.SENT).update(
            status=Dispatch.Status.OPENED, opened_at=now
        )
        dispatch.status, dispatch.opened_at = Dispatch.Status.OPENED, now
    return dispatch


def dispatch_refuse(*, actor: User | None, dispatch: Dispatch) -> Dispatch:
    """The patient declined to answer: the dispatch ends as refused (audited)."""
    _require(actor, "surveys.add_response", _("Your role may not record answers"))
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if dispatch.status not in (Dispatch.Status.SENT, Dispatch.Status.OPENED):
            raise Conflict(
                _("This questionnaire has been answered or closed."), code="dispatch_closed"
            )
        dispatch.status = Dispatch.Status.REFUSED
        dispatch.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=dispatch,
            patient_id=dispatch.patient_id,
            changes={"status": "refused"},
        )
    return dispatch


def dispatch_withdraw(*, dispatch: Dispatch, reason: str) -> bool:
    """Take back a dispatch whose link never reached the patient (every message was skipped).

    Deleted, so response rates do not count an asking that never
    happened; only while it is unanswered and unopened. Returns whether it
    was withdrawn. Audited with the reason.
    """
    with transaction.atomic():
        removed, _rows = Dispatch.objects.filter(
            pk=dispatch.pk, status=Dispatch.Status.SENT, response__isnull=True
        ).delete()
        if removed:
            audit_record(
                actor=None,
                action=AuditAction.DELETE,
                target=dispatch,
                patient_id=dispatch.patient_id,
                changes={"withdrawn": True, "reason": reason},
            )
    return bool(removed)


def dispatch_expire_due(*, now=None) -> int:
    """Mark link dispatches past their expiry and not answered as expired; returns how many."""
    now = now or timezone.now()
    return Dispatch.objects.filter(
        status__in=(Dispatch.Status.SENT, Dispatch.Status.OPENED), expires_at__lt=now
    ).update(status=Dispatch.Status.EXPIRED)


# --- Responses -------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSubmission:
    response: Response
    already_submitted: bool


def response_record(
    *,
    actor: User | None,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    dispatch: Dispatch | None = None,
    channel: str,
    patient: Patient,
    encounter: Encounter | None = None,
    task: FollowUpTask | None = None,
    announce: bool = True,
) -> Response:
    """Validate and store one set of answers to ``questionnaire``; returns the ``Response``.

    ``answers`` maps item codes to answers (form strings or JSON values).
    Required questions, answer types and conditions are checked; answers
    to questions hidden by their condition are dropped. Bad input raises
    ``ApplicationError`` (code ``invalid_answers``) with ``details`` =
    ``{"items": {code: message}}``. With a ``dispatch``, at most one
    response is stored for it; the dispatch becomes completed. Without
    one, a completed dispatch of ``channel`` is written to the ledger.
    ``response_recorded`` is sent inside the transaction with the answers
    that open a feedback case or are a clinical red flag; ``announce=False``
    when the caller handles those answers itself (the call-recording
    workflow, ``huifang.workflows.call_record``).
    ``actor=None`` is the patient answering a link.
    """
    if actor is not None:
        _require(actor, "surveys.add_response", _("Your role may not record answers"))
        _require_scope(actor, patient)
    elif dispatch is None:
        raise PermissionDenied(_("Answers need a person or a link."))
    if dispatch is None:
        _require_active(questionnaire)
    elif dispatch.questionnaire_id != questionnaire.pk or dispatch.patient_id != patient.pk:
        raise ApplicationError(
            _("The dispatch was for another questionnaire or patient."), code="dispatch_mismatch"
        )
    if channel not in SurveyChannel.values:
        raise ApplicationError(
            _("Unknown channel %(channel)s") % {"channel": channel}, code="invalid_channel"
        )
    _check_links(patient, encounter, task)
    items = list(questionnaire.items.order_by("position", "id"))
    clean, errors = answer_rules.clean_answers(items, answers or {}, for_patient=actor is None)
    if errors:
        raise ApplicationError(
            _("Some answers need attention."),
            code="invalid_answers",
            details={"items": errors},
        )
    with transaction.atomic():
        if dispatch is not None:
            dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
            if Response.objects.filter(dispatch=dispatch).exists():
                raise Conflict(
                    _("This questionnaire has been answered already."), code="already_submitted"
                )
            if dispatch.status in (Dispatch.Status.EXPIRED, Dispatch.Status.REFUSED):
                raise Conflict(_("This questionnaire link is closed."), code="dispatch_closed")
        now = timezone.now()
        if dispatch is None:
            # Asked without a dispatch (on the phone, from an import): the
            # ledger still gets its row, so response rates count every asking.
            dispatch = Dispatch.objects.create(
                questionnaire=questionnaire,
                patient=patient,
                encounter=encounter,
                task=task,
                channel=channel,
                status=Dispatch.Status.SENT,
                sent_at=now,
                created_by=actor,
            )
        response = Response(
            questionnaire=questionnaire,
            dispatch=dispatch,
            patient=patient,
            encounter=encounter or (dispatch.encounter if dispatch else None),
            task=task or (dispatch.task if dispatch else None),
            channel=channel,
            recorded_by=actor,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError as exc:
            raise Conflict(
                _("This questionnaire has been answered already."), code="already_submitted"
            ) from exc
        rows = []
        by_code = {item.code: item for item in items}
        for code, value in clean.items():
            item = by_code[code]
            rows.append(
                Answer(
                    response=response,
                    item=item,
                    value=value,
                    number=answer_rules.answer_number(item, value),
                    opens_feedback=answer_rules.matches(item.feedback_values, value),
                    red_flag=answer_rules.matches(item.red_flag_values, value),
                )
            )
        Answer.objects.bulk_create(rows)
        if dispatch is not None:
            dispatch.status = Dispatch.Status.COMPLETED
            dispatch.completed_at = now
            dispatch.opened_at = dispatch.opened_at or now
            dispatch.save(update_fields=["status", "completed_at", "opened_at"])
        if actor is None and response.task_id is not None:
            # A web-survey task answered from its link: the follow-up reached the patient.
            task_record_survey_answered(task_id=response.task_id, at=now)
        place = recheck_place(questionnaire.code, clean)
        if place and response.encounter is not None:
            # "Re-checked": the health check's repeated calls end, as after a later check.
            encounter_recheck_record(
                encounter=response.encounter,
                reported_on=timezone.localdate(now),
                where=place,
                source=channel,
                actor=actor,
            )
        flagged = [row for row in rows if row.opens_feedback or row.red_flag]
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=response,
            patient_id=patient.pk,
            changes={
                "questionnaire": questionnaire.code,
                "version": questionnaire.version,
                "channel": channel,
                "answers": len(rows),
                "flagged": [row.item.code for row in flagged],
            },
        )
        if announce:
            response_recorded.send(sender=Response, response=response, flagged=flagged)
    return response


def response_submit_link(*, dispatch: Dispatch, answers: dict[str, Any]) -> LinkSubmission:
    """The patient's submission from a link; a second submission changes nothing.

    Idempotent by dispatch: when the dispatch has its response already (a
    double tap, a retry after a lost reply), that response is returned with
    ``already_submitted=True``.
    """
    existing = Response.objects.filter(dispatch=dispatch).first()
    if existing is not None:
        return LinkSubmission(existing, True)
    if dispatch.expires_at is not None and dispatch.expires_at <= timezone.now():
        dispatch_expire_due()
        raise Conflict(_("This questionnaire link has expired."), code="link_expired")
    try:
        response = response_record(
            actor=None,
            questionnaire=dispatch.questionnaire,
            answers=answers,
            dispatch=dispatch,
            channel=dispatch.channel,
            patient=dispatch.patient,
        )
    except Conflict as exc:
        existing = Response.objects.filter(dispatch=dispatch).first()
        if exc.code == "already_submitted" and existing is not None:
            return LinkSubmission(existing, True)
        raise
    return LinkSubmission(response, False)


def response_void(*, actor: User | None, response: Response, reason: str) -> Response:
    """Void a response with a reason: it is kept and audited, and left out of every score."""
    _require(actor, "surveys.void_response", _("Your role may not void responses"))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give the reason for voiding."),
            code="reason_required",
            details={"reason": [_("This field is required.")]},
        )
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.voided_at is not None:
            raise Conflict(_("This response is voided already."), code="already_void")
        response.voided_at = timezone.now()
        response.voided_by = actor
        response.void_reason = reason[:300]
        response.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=response,
            patient_id=response.patient_id,
            changes={"voided": [False, True], "void_reason": response.void_reason},
        )
    return response
