"""Campaigns: a template to a cohort, previewed, scheduled, paused and resumed."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.core.errors import ApplicationError, Conflict, PermissionDenied
from huifang.core.masking import mask_phone
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups.script import patient_title
from huifang.messaging import rendering
from huifang.messaging.models import Campaign, Message, MessageTemplate
from huifang.messaging.selectors import Cohort, cohort_patients
from huifang.messaging.services.sending import message_text, messages_check
from huifang.patients.models import Patient

CHUNK = 2000
# Placeholders filled from the encounter that put the patient in the cohort.
ENCOUNTER_FIELDS = {"department", "doctor", "visit_date", "diagnosis"}


def _encounter_contexts(cohort: Cohort, patient_ids: list[int]) -> dict[int, dict]:
    """Per patient, the placeholders of their latest encounter in the cohort."""
    from huifang.messaging.selectors import cohort_encounters
    from huifang.patients.models import Diagnosis
    from huifang.patients.services import diagnosis_is_sensitive

    rows = (
        cohort_encounters(cohort)
        .filter(patient_id__in=patient_ids)
        .order_by("patient_id", "discharged_on", "visit_on", "id")
        .values_list(
            "id", "patient_id", "department__name", "attending_doctor", "discharged_on", "visit_on"
        )
    )
    latest = {row[1]: row for row in rows}
    diagnoses: dict[int, Diagnosis] = {}
    candidates = Diagnosis.objects.filter(encounter_id__in=[row[0] for row in latest.values()])
    if cohort.diagnosis_prefix:  # the diagnosis the cohort was chosen by
        candidates = candidates.filter(code__istartswith=cohort.diagnosis_prefix.strip())
    for diagnosis in candidates.order_by(
        "is_primary", "-position", "-id"
    ):  # the best one last: it wins
        diagnoses[diagnosis.encounter_id] = diagnosis
    contexts = {}
    for patient_id, (encounter_id, _p, department, doctor, discharged, visit) in latest.items():
        anchor = discharged or visit
        diagnosis = diagnoses.get(encounter_id)
        contexts[patient_id] = {
            "department": department,
            "doctor": doctor,
            "visit_date": f"{anchor.month}月{anchor.day}日" if anchor else "",
            "diagnosis": diagnosis.name if diagnosis else "",
            "diagnosis_sensitive": bool(
                diagnosis and (diagnosis.is_sensitive or diagnosis_is_sensitive(diagnosis.code))
            ),
        }
    return contexts


def _require(actor: User | None, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("Your role may not run campaigns."))


@dataclass
class PreviewSample:
    """One real recipient as the preview shows them: title, masked address, their own text."""

    recipient: str
    address: str
    text: str


@dataclass
class CampaignPreview:
    """Who a campaign would reach if started now.

    ``cohort``: patients the filters select; ``recipients``: those the
    send-time check lets through (``skipped`` counts the others by reason:
    deceased, opted out, no number or address, weekly limit, sensitive
    diagnosis); ``samples``: a few recipients with the text each would get.
    """

    cohort: int
    recipients: int
    skipped: dict[str, int]
    samples: list[PreviewSample]


def _mask_address(check) -> str:
    if check.phone is not None:
        return mask_phone(check.phone.number)
    if check.email is not None:
        local, _at, domain = check.email.address.partition("@")
        return f"{local[:1]}***@{domain}"
    return ""


def _check_scope(user: User | None, cohort: Cohort) -> None:
    """A user who sees only some departments may only choose among them (and must choose)."""
    if user is None:
        return
    scope = user_department_scope(user)
    if scope is ALL_DEPARTMENTS:
        return
    chosen = set(
        Department.objects.filter(code__in=cohort.departments).values_list("pk", flat=True)
    )
    if not cohort.departments or not chosen <= scope:
        raise PermissionDenied(_("Choose among your own departments."))


def campaign_preview(
    *, user: User, template: MessageTemplate, cohort: Cohort, samples: int = 3
) -> CampaignPreview:
    """How many patients the cohort holds, how many would get the message now, and a few texts.

    Every patient is put through the sender's own check (``sending.messages_check``:
    the contact rule, opt-outs, a usable mobile or address, the weekly limit,
    a sensitive diagnosis), so the count is who would receive it if started
    now. The samples are real recipients: their title, their masked number
    and the text rendered with their own encounter's values.
    """
    _require(user, "messaging.view_campaign")
    _check_scope(user, cohort)
    now = timezone.now()
    ids = list(cohort_patients(cohort).values_list("id", flat=True))
    # The diagnosis decides whether a message is skipped as sensitive: then every
    # patient needs their encounter's values, otherwise only those shown.
    needs_all = bool(rendering.DIAGNOSIS_FIELDS & set(rendering.placeholders_in(template.body)))
    skipped: Counter = Counter()
    shown: list[PreviewSample] = []
    recipients = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        patients = Patient.objects.in_bulk(chunk)
        contexts = _encounter_contexts(cohort, chunk) if needs_all or len(shown) < samples else {}
        messages = [
            Message(
                patient=patients[pk],
                channel=template.channel,
                category=template.category,
                template=template,
                context=contexts.get(pk, {}),
            )
            for pk in chunk
        ]
        for message, check in zip(messages, messages_check(messages, now=now), strict=True):
            if check.reason:
                skipped[check.reason] += 1
                continue
            recipients += 1
            if len(shown) < samples:
                patient = message.patient
                title = patient_title(
                    name=patient.name, sex=patient.sex, birth_date=patient.birth_date, on=now.date()
                )
                text = message_text(message, check, now=now)
                shown.append(PreviewSample(title, _mask_address(check), text))
    return CampaignPreview(
        cohort=len(ids), recipients=recipients, skipped=dict(skipped), samples=shown
    )


@transaction.atomic
def campaign_create(
    *,
    actor: User | None,
    name: str,
    template: MessageTemplate,
    cohort: Cohort,
    scheduled_at: datetime | None = None,
) -> Campaign:
    """A draft campaign; nothing is queued until it is started."""
    _require(actor, "messaging.add_campaign")
    _check_scope(actor, cohort)
    if not template.is_active:
        raise ApplicationError(_("This template is not active."), code="template_inactive")
    campaign = Campaign(
        name=name,
        template=template,
        cohort=cohort.as_dict(),
        scheduled_at=scheduled_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    campaign.full_clean()
    campaign.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=campaign,
        changes={"template": template.code, "cohort": campaign.cohort},
    )
    return campaign


def campaign_start(*, actor: User | None, campaign: Campaign) -> Campaign:
    """Queue one message per patient of the cohort and let the senders have them.

    The key ``campaign:<id>:<patient>`` makes a start that was interrupted
    and repeated queue nobody twice. Messages wait for ``scheduled_at``.
    """
    _require(actor, "messaging.change_campaign")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (Campaign.Status.DRAFT,):
            raise Conflict(_("This campaign has already been started."), code="campaign_started")
        now = timezone.now()
        not_before = max(campaign.scheduled_at or now, now)
        template = campaign.template
        cohort = Cohort.from_dict(campaign.cohort)
        needs_encounter = bool(ENCOUNTER_FIELDS & set(rendering.placeholders_in(template.body)))
        patient_ids = list(cohort_patients(cohort).values_list("id", flat=True))
        total = 0
        for start in range(0, len(patient_ids), CHUNK):
            ids = patient_ids[start : start + CHUNK]
            contexts = _encounter_contexts(cohort, ids) if needs_encounter else {}
            chunk = [
                Message(
                    key=f"campaign:{campaign.pk}:{patient_id}",
                    patient_id=patient_id,
                    channel=template.channel,
                    category=template.category,
                    template=template,
                    campaign=campaign,
                    context=contexts.get(patient_id, {}),
                    not_before=not_before,
                )
                for patient_id in ids
            ]
            Message.objects.bulk_create(chunk, ignore_conflicts=True)
            total += len(chunk)
        campaign.recipients = total
        campaign.status = Campaign.Status.SCHEDULED if not_before > now else Campaign.Status.RUNNING
        campaign.started_at = now
        campaign.save(update_fields=["recipients", "status", "started_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=campaign,
            field="status",
            changes={"status": ["draft", campaign.status], "recipients": total},
        )
    return campaign


def _switch(actor, campaign: Campaign, allowed: tuple, to: str) -> Campaign:
    _require(actor, "messaging.change_campaign")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in allowed:
            raise Conflict(
                _("This campaign cannot do that now (it is %(status)s).")
                % {"status": campaign.get_status_display()},
                code="campaign_state",
            )
        before = campaign.status
        campaign.status = to
        campaign.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=campaign,
            field="status",
            changes={"status": [before, to]},
        )
    return campaign


def campaign_pause(*, actor: User | None, campaign: Campaign) -> Campaign:
    """Stop handing the campaign's messages to senders (those in flight finish)."""
    return _switch(
        actor,
        campaign,
        (Campaign.Status.SCHEDULED, Campaign.Status.RUNNING),
        Campaign.Status.PAUSED,
    )


def campaign_resume(*, actor: User | None, campaign: Campaign) -> Campaign:
    """Let the senders have the campaign's messages again."""
    return _switch(actor, campaign, (Campaign.Status.PAUSED,), Campaign.Status.RUNNING)
