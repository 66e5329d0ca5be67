"""Messaging in the JSON API: a campaign's report, and opt-outs from the hospital's systems."""

from uuid import UUID

from ninja import Query, Router, Status

from huifang.core.masking import mask_numbers_in_text, mask_phone
from huifang.core.pagination import PageQuery, api_page
from huifang.messaging import selectors
from huifang.messaging.models import Message
from huifang.messaging.schemas import (
    CampaignReportOut,
    MessagePage,
    OptOutIn,
    OptOutOut,
)
from huifang.messaging.services.optouts import optout_record
from huifang.patients.selectors import patient_get

router = Router(tags=["messaging"])


@router.get("/campaigns/{campaign_uuid}", response=CampaignReportOut)
def campaign_report(request, campaign_uuid: UUID):
    """Sent, delivered, failed and skipped (by reason) so far."""
    campaign = selectors.campaign_get(user=request.user, campaign_uuid=campaign_uuid)
    report = selectors.campaign_report(user=request.user, campaign=campaign)
    return {
        "uuid": campaign.uuid,
        "name": campaign.name,
        "status": campaign.status,
        "recipients": campaign.recipients,
        "done": report.done,
        "by_status": report.by_status,
        "skipped_by_reason": report.skipped_by_reason,
    }


@router.post("/patients/{patient_uuid}/opt-outs", response={201: OptOutOut})
def opt_out_create(request, patient_uuid: UUID, payload: OptOutIn):
    """Record that the patient refuses a channel for a category ("" = every category)."""
    patient = patient_get(user=request.user, patient_uuid=patient_uuid)
    opt_out = optout_record(
        actor=request.user, patient=patient, channel=payload.channel, category=payload.category
    )
    return Status(
        201,
        {
            "patient": patient.uuid,
            "channel": opt_out.channel,
            "category": opt_out.category,
            "source": opt_out.source,
        },
    )


class MessageQuery(PageQuery):
    after: int | None = None  # the last message id seen: only newer ones


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _message_out(message: Message) -> dict:
    if message.phone_id:
        to = mask_phone(message.phone.number)
    elif message.email_id:
        to = _mask_email(message.email.address)
    else:
        to = None
    return {
        "id": message.pk,
        "key": message.key,
        "patient": message.patient.uuid,
        "channel": message.channel,
        "category": message.category,
        "status": message.status,
        "skip_reason": message.skip_reason,
        "to_masked": to,
        "body": mask_numbers_in_text(message.body),
        "campaign": message.campaign.uuid if message.campaign_id else None,
        "task": message.task.uuid if message.task_id else None,
        "not_before": message.not_before,
        "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
        "created_at": message.created_at,
    }


@router.get("/messages", response=MessagePage)
def message_list(request, query: Query[MessageQuery]):
    """SMS and e-mail to the patients within your departments, in order (numbers masked)."""
    messages = selectors.message_list(user=request.user, after_id=query.after)
    return api_page(messages, page=query.page, page_size=query.page_size, render=_message_out)
