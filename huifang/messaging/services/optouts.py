"""Opt-outs (退订): from a reply or entered by staff, per channel and category."""

from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups.services.generation import tasks_cancel_for_patient
from huifang.messaging.models import Category, MessageChannel, OptOut
from huifang.patients import services as patient_services
from huifang.patients.models import Patient


@transaction.atomic
def optout_record(
    *,
    actor: User | None,
    patient: Patient,
    channel: str,
    category: str = "",
    source: str = OptOut.Source.STAFF,
) -> OptOut:
    """Record that ``patient`` refuses ``channel`` for ``category`` ("" = everything).

    Takes effect for the next message: every send re-checks. Refusing every
    category of a channel also marks the patient do-not-contact on it and
    cancels the open follow-up tasks on it. Audited; a repeat changes nothing.
    """
    if actor is not None and not actor.has_perm("messaging.add_optout"):
        raise PermissionDenied(_("Your role may not record opt-outs."))
    if channel not in MessageChannel.values:
        raise ApplicationError(_("Unknown channel."), code="unknown_channel")
    if category and category not in Category.values:
        raise ApplicationError(_("Unknown message category."), code="unknown_category")
    opt_out, created = OptOut.objects.get_or_create(
        patient=patient,
        channel=channel,
        category=category,
        defaults={"source": source, "created_by": actor if source == OptOut.Source.STAFF else None},
    )
    if not created:
        return opt_out
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=opt_out,
        patient_id=patient.pk,
        changes={"channel": channel, "category": category or "*", "source": source},
    )
    if not category:
        patient_services.patient_opt_out(actor=actor, patient=patient, channels=[channel])
        tasks_cancel_for_patient(patient_id=patient.pk, reason="患者退订", channels=[channel])
    return opt_out
