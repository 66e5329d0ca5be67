"""Writes of questionnaires, dispatches and responses.

Versioning: only a draft is edited. An edit asked of an active (or retired)
version is made on the code's draft, created on first need as a copy with
the next version number; publishing the draft retires the version that was
active. Responses point at the version answered, so they never change.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_diff, audit_record
from huifang.followups.models import FollowUpTask
from huifang.patients.models import Encounter, Patient
from huifang.patients.selectors import patient_scope
from huifang.surveys import answers as answer_rules
from huifang.surveys.models import (
    Answer,
    Dimension,
    Dispatch,
    Item,
    ItemKind,
    Questionnaire,
    Response,
    SurveyChannel,
)
from huifang.surveys.signals import response_recorded

ITEM_FIELDS = (
    "code",
    "kind",
    "text",
    "help_text",
    "required",
    "options",
    "dimension",
    "condition",
    "feedback_values",
    "red_flag_values",
    "agent_only",
)
LINK_CHANNELS = (SurveyChannel.SMS, SurveyChannel.QR, SurveyChannel.WEB)


def _require(user: User | None, perm: str, message: str) -> None:
    # ``None`` is the system itself (data migrations, imports, the patient's link).
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_manage(user: User | None) -> None:
    _require(user, "surveys.change_questionnaire", _("Your role may not change questionnaires"))


# --- Questionnaires and their versions -----------------------------------------------


def questionnaire_create(
    *, actor: User | None, code: str, title: str, description: str = ""
) -> Questionnaire:
    """Start a new questionnaire as draft version 1; its code must be new."""
    _require(actor, "surveys.add_questionnaire", _("Your role may not create questionnaires"))
    if Questionnaire.objects.filter(code=code).exists():
        raise Conflict(
            _("A questionnaire with the code %(code)s exists already") % {"code": code},
            code="questionnaire_code_taken",
            details={"code": [_("This code is taken.")]},
        )
    questionnaire = Questionnaire(
        code=code,
        title=title,
        description=description,
        version=1,
        status=Questionnaire.Status.DRAFT,
        created_by=actor if actor is not None else None,
    )
    _full_clean(questionnaire)
    with transaction.atomic():
        questionnaire.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=questionnaire,
            changes={"code": code, "title": title, "version": 1},
        )
    return questionnaire


def _full_clean(obj, exclude=None) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError(
            _("Please correct the marked fields."),
            code="invalid_input",
            details={key: [str(m) for m in msgs] for key, msgs in exc.message_dict.items()},
        ) from exc


def questionnaire_draft(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """The draft to edit in place of ``questionnaire``.

    A draft is its own draft. For an active or retired version, the code's
    existing draft, or a new one copied from ``questionnaire`` with the next
    version number (audited).
    """
    _require_manage(actor)
    if questionnaire.status == Questionnaire.Status.DRAFT:
        return questionnaire
    with transaction.atomic():
        existing = Questionnaire.objects.filter(
            code=questionnaire.code, status=Questionnaire.Status.DRAFT
        ).first()
        if existing is not None:
            return existing
        latest = Questionnaire.objects.filter(code=questionnaire.code).aggregate(v=Max("version"))
        try:
            with transaction.atomic():
                draft = Questionnaire.objects.create(
                    code=questionnaire.code,
                    version=(latest["v"] or 0) + 1,
                    title=questionnaire.title,
                    description=questionnaire.description,
                    status=Questionnaire.Status.DRAFT,
                    is_builtin=questionnaire.is_builtin,
                    created_by=actor,
                )
        except IntegrityError:
            # Another manager started the draft a moment ago: edit that one.
            return Questionnaire.objects.get(
                code=questionnaire.code, status=Questionnaire.Status.DRAFT
            )
        Item.objects.bulk_create(
            [
                Item(
                    questionnaire=draft,
                    position=item.position,
                    **{name: getattr(item, name) for name in ITEM_FIELDS},
                )
                for item in questionnaire.items.all()
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=draft,
            changes={
                "code": draft.code,
                "version": draft.version,
                "from_version": questionnaire.version,
            },
        )
    return draft


def questionnaire_update(
    *, actor: User | None, questionnaire: Questionnaire, title: str, description: str = ""
) -> Questionnaire:
    """Change the title and description (on the draft; see ``questionnaire_draft``)."""
    draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
    before = {"title": draft.title, "description": draft.description}
    draft.title, draft.description = title, description
    _full_clean(draft)
    changes = audit_diff(before, {"title": title, "description": description})
    if changes:
        with transaction.atomic():
            draft.save(update_fields=["title", "description", "updated_at"])
            audit_record(actor=actor, action=AuditAction.UPDATE, target=draft, changes=changes)
    return draft


def questionnaire_publish(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """Make a draft the active version; the version active until now is retired."""
    _require_manage(actor)
    if questionnaire.status != Questionnaire.Status.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_a_draft")
    if not questionnaire.items.exists():
        raise ApplicationError(
            _("Add at least one question before publishing."), code="questionnaire_empty"
        )
    with transaction.atomic():
        previous = list(
            Questionnaire.objects.select_for_update().filter(
                code=questionnaire.code, status=Questionnaire.Status.ACTIVE
            )
        )
        for old in previous:
            old.status = Questionnaire.Status.RETIRED
            old.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=old,
                changes={"status": ["active", "retired"]},
            )
        questionnaire.status = Questionnaire.Status.ACTIVE
        questionnaire.activated_at = timezone.now()
        questionnaire.save(update_fields=["status", "activated_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=questionnaire,
            changes={"status": ["draft", "active"]},
        )
    return questionnaire


def questionnaire_retire(*, actor: User | None, questionnaire: Questionnaire) -> Questionnaire:
    """Stop using an active version: no new dispatch or response may use it."""
    _require_manage(actor)
    if questionnaire.status != Questionnaire.Status.ACTIVE:
        raise Conflict(_("Only the active version can be retired."), code="not_active")
    with transaction.atomic():
        questionnaire.status = Questionnaire.Status.RETIRED
        questionnaire.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=questionnaire,
            changes={"status": ["active", "retired"]},
        )
    return questionnaire


# --- Items -----------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        _("Please correct the marked fields."), code="invalid_item", details={field: [message]}
    )


def _validate_item_data(draft: Questionnaire, data: dict[str, Any], item: Item | None) -> dict:
    data = {name: data[name] for name in ITEM_FIELDS if name in data}
    data.setdefault("options", [])
    data.setdefault("condition", {})
    data.setdefault("feedback_values", [])
    data.setdefault("red_flag_values", [])
    kind = data.get("kind")
    if kind not in ItemKind.values:
        raise _invalid("kind", _("Choose a question kind."))
    if data.get("dimension") and data["dimension"] not in Dimension.values:
        raise _invalid("dimension", _("Choose a dimension from the list."))
    others = [i for i in draft.items.order_by("position", "id") if item is None or i.pk != item.pk]
    if any(i.code == data.get("code") for i in others):
        raise _invalid("code", _("Another question of this questionnaire has this code."))
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
        options = data["options"]
        values = [str(o.get("value", "")).strip() for o in options if isinstance(o, dict)]
        if len(values) < 2 or any(not v for v in values) or len(set(values)) != len(values):
            raise _invalid("options", _("Give at least two options, each with its own value."))
        data["options"] = [
            {"value": str(o["value"]).strip(), "label": str(o.get("label") or o["value"]).strip()}
            for o in options
        ]
    else:
        data["options"] = []
    # Conditions may refer only to questions asked before this one.
    if item is None:
        earlier = others
    else:
        earlier = [i for i in others if (i.position, i.pk) < (item.position, item.pk)]
    by_code = {i.code: i for i in earlier}
    condition = data["condition"] or {}
    rules = condition.get("rules") or []
    if rules:
        if condition.get("combine", "all") not in answer_rules.COMBINE:
            raise _invalid("condition", _("Combine the rules with AND or OR."))
        clean_rules = []
        for rule in rules:
            target = by_code.get(rule.get("item"))
            if target is None:
                raise _invalid("condition", _("A condition may only use an earlier question."))
            if rule.get("op") not in answer_rules.OPERATORS:
                raise _invalid("condition", _("Unknown comparison in a condition."))
            value = rule.get("value")
            if rule["op"] == "exists":
                value = value not in (False, "false", "0", 0, "no", "")
            else:
                try:
                    coerced = answer_rules.coerce(target, value)
                except answer_rules.AnswerError as exc:
                    raise _invalid("condition", str(exc)) from exc
                if coerced is None:
                    raise _invalid("condition", _("A condition needs a value to compare with."))
                value = coerced[0] if isinstance(coerced, list) else coerced
            clean_rules.append({"item": target.code, "op": rule["op"], "value": value})
        data["condition"] = {"combine": condition.get("combine", "all"), "rules": clean_rules}
    else:
        data["condition"] = {}
    for flag in ("feedback_values", "red_flag_values"):
        clean = []
        for value in data[flag]:
            if value == "*":
                clean.append("*")
                continue
            probe = Item(kind=kind, options=data["options"])
            try:
                coerced = answer_rules.coerce(probe, value)
            except answer_rules.AnswerError as exc:
                raise _invalid(flag, str(exc)) from exc
            if coerced is not None:
                clean.append(coerced[0] if isinstance(coerced, list) else coerced)
        data[flag] = clean
    return data


def _draft_item(draft: Questionnaire, item: Item | None) -> Item | None:
    """The draft's copy of ``item`` (same code) when the item belongs to another version."""
    if item is None or item.questionnaire_id == draft.pk:
        return item
    copy = draft.items.filter(code=item.code).first()
    if copy is None:
        raise NotFound(_("Question not found"), code="item_not_found")
    return copy


def item_save(
    *,
    actor: User | None,
    questionnaire: Questionnaire,
    data: dict[str, Any],
    item: Item | None = None,
) -> Item:
    """Add a question (``item=None``, at the end) or change one; returns the draft's item.

    ``data`` holds ``ITEM_FIELDS``. Editing an active version edits its
    draft (a new version). Raises ``ApplicationError`` with per-field
    details when the question is not valid (options, codes, conditions
    that refer to a later question, flag values that cannot be answered).
    """
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        clean = _validate_item_data(draft, data, item)
        if item is None:
            last = draft.items.aggregate(p=Max("position"))["p"]
            item = Item(questionnaire=draft, position=(last or 0) + 1 if last is not None else 0)
            before = {}
        else:
            before = {name: getattr(item, name) for name in ITEM_FIELDS}
        if item.pk is not None and before.get("code") != clean.get("code"):
            _refuse_if_referenced(draft, item, _("Later questions' conditions use this code."))
        for name, value in clean.items():
            setattr(item, name, value)
        _full_clean(item, exclude=["questionnaire"])
        item.save()
        changes = audit_diff(before, {name: getattr(item, name) for name in ITEM_FIELDS})
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if not before else AuditAction.UPDATE,
            target=draft,
            field=f"item:{item.code}",
            changes=changes,
        )
    return item


def _refuse_if_referenced(draft: Questionnaire, item: Item, message: str) -> None:
    for other in draft.items.exclude(pk=item.pk):
        rules = (other.condition or {}).get("rules") or []
        if any(rule.get("item") == item.code for rule in rules):
            raise Conflict(message, code="item_referenced", details={"used_by": other.code})


def item_delete(*, actor: User | None, questionnaire: Questionnaire, item: Item) -> Questionnaire:
    """Remove a question from the draft; refused while a later condition uses it."""
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        _refuse_if_referenced(
            draft, item, _("Another question's condition uses this question; change it first.")
        )
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=draft,
            field=f"item:{item.code}",
            changes={name: getattr(item, name) for name in ITEM_FIELDS},
        )
        item.delete()
    return draft


def item_move(
    *, actor: User | None, questionnaire: Questionnaire, item: Item, direction: str
) -> Item:
    """Move a question one place ``"up"`` or ``"down"`` in the draft.

    Refused when a condition would then refer to a question asked later.
    """
    if direction not in ("up", "down"):
        raise ApplicationError(_("Move a question up or down."), code="invalid_direction")
    with transaction.atomic():
        draft = questionnaire_draft(actor=actor, questionnaire=questionnaire)
        item = _draft_item(draft, item)
        items = list(draft.items.order_by("position", "id"))
        index = next(i for i, it in enumerate(items) if it.pk == item.pk)
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(items):
            return item
        first, second = sorted((items[index], items[other_index]), key=items.index)
        rules = (second.condition or {}).get("rules") or []
        if any(rule.get("item") == first.code for rule in rules):
            raise Conflict(
                _("“%(later)s” is shown depending on “%(earlier)s”, so it must stay after it.")
                % {"later": second.text, "earlier": first.text},
                code="condition_order",
            )
        items[index], items[other_index] = items[other_index], items[index]
        for position, it in enumerate(items):
            if it.position != position:
                it.position = position
                it.save(update_fields=["position"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=draft,
            field=f"item:{item.code}",
            changes={"moved": direction},
        )
    return item


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
    if patient.is_deceased:
        raise Conflict(_("The patient is deceased."), code="patient_deceased")
    if channel in (patient.do_not_contact or []) or (
        channel == SurveyChannel.SMS and "sms" in (patient.do_not_contact or [])
    ):
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
    that open a feedback case or are a clinical red flag.
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


__all__ = [
    "LinkSubmission",
    "dispatch_create",
    "dispatch_expire_due",
    "dispatch_open",
    "dispatch_refuse",
    "item_delete",
    "item_move",
    "item_save",
    "link_token_hash",
    "questionnaire_create",
    "questionnaire_draft",
    "questionnaire_publish",
    "questionnaire_retire",
    "questionnaire_update",
    "response_record",
    "response_submit_link",
    "response_void",
]
