"""Messaging in the JSON API: a campaign's report, and opt-outs from the hospital's systems."""

from uuid import UUID

from ninja import Router, Status

from huifang.messaging import selectors
from huifang.messaging.schemas import CampaignReportOut, OptOutIn, OptOutOut
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
