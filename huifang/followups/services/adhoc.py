"""Tasks asked for by another part of the product, outside the plans' schedule.

The feedback loop asks for a verification call once a department has
answered a complaint; it cannot write follow-up tasks itself (dependencies
point one way), so it calls ``task_create_adhoc`` with the code of a plan
and touchpoint seeded for the purpose. Such plans are kept inactive, so
scheduling never matches them to encounters and never re-plans or cancels
their tasks; the worklist and the workbench treat the tasks like any other
(the touchpoint's questionnaire, script and call windows apply).
"""

from datetime import date

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.core import calendar
from huifang.core.errors import ApplicationError
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups import scheduling, slots
from huifang.followups.models import Channel, FollowUpTask, Touchpoint
from huifang.patients.contact import Purpose, Refusal, contact_decision
from huifang.patients.models import Encounter, Patient, PhoneNumber

Status = FollowUpTask.Status


def _phone_for(patient: Patient, channel: str, phones: list[PhoneNumber]) -> PhoneNumber | None:
    """The number scheduling would pick for ``channel`` (``scheduling.pick_phone``)."""
    if channel not in (Channel.PHONE, Channel.SMS):
        return None
    return scheduling.pick_phone(phones, channel)


def task_create_adhoc(
    *,
    patient: Patient,
    encounter: Encounter,
    plan_code: str,
    touchpoint_code: str,
    due_from: date,
    reason: str,
    actor=None,
) -> FollowUpTask:
    """Create one task of ``plan_code``/``touchpoint_code`` for ``patient``, due from ``due_from``.

    The due window starts on the first working day on or after
    ``due_from`` and lasts the touchpoint's window in working days; the
    first slot follows the patient's preferred time or the call windows.
    Each call gets the next repeat number, so the same encounter can be
    called again (a second verification). A patient without a usable
    number gets a ``no_phone`` task; a deceased patient or one who refused
    the channel gets none (``ApplicationError`` ``contact_not_allowed``).
    ``reason`` is the note the agent reads on the task. Audited.
    """
    touchpoint = (
        Touchpoint.objects.select_related("plan")
        .filter(plan__code=plan_code, code=touchpoint_code)
        .first()
    )
    if touchpoint is None:
        raise ApplicationError(
            f"follow-up touchpoint {plan_code}/{touchpoint_code} is missing",
            code="touchpoint_missing",
        )
    if encounter.patient_id != patient.pk:
        raise ApplicationError(
            "The encounter belongs to another patient.", code="encounter_mismatch"
        )
    phones = list(PhoneNumber.objects.filter(patient=patient))
    decision = contact_decision(
        patient=patient, channel=touchpoint.channel, purpose=Purpose.FOLLOW_UP, phones=phones
    )
    # No usable number is no refusal here: the task waits on 无可用电话 for someone to find one.
    if decision.reason == Refusal.DECEASED:
        raise ApplicationError(
            _("The patient has died: no further follow-up is arranged."),
            code="contact_not_allowed",
            details={"refusal": decision.reason},
        )
    if decision.reason == Refusal.OPTED_OUT:
        raise ApplicationError(
            _("The patient refused to be contacted this way: no follow-up call is arranged."),
            code="contact_not_allowed",
            details={"refusal": decision.reason},
        )
    first_day = calendar.next_working_day(max(due_from, timezone.localdate()))
    due_until = calendar.add_working_days(first_day, max(1, touchpoint.window_days))
    windows = scheduling.patient_windows(
        slots.parse_windows(touchpoint.call_windows),
        patient.preferred_time_start,
        patient.preferred_time_end,
    )
    slot = scheduling.first_slot(first_day, windows, patient.preferred_time_start)
    phone = _phone_for(patient, touchpoint.channel, phones)
    status = (
        Status.NO_PHONE if touchpoint.channel == Channel.PHONE and phone is None else Status.PENDING
    )
    with transaction.atomic():
        sequence = FollowUpTask.objects.filter(
            encounter=encounter, touchpoint=touchpoint
        ).aggregate(top=Max("sequence"))["top"]
        task = FollowUpTask.objects.create(
            patient=patient,
            encounter=encounter,
            plan=touchpoint.plan,
            plan_version=touchpoint.plan.version,
            touchpoint=touchpoint,
            sequence=0 if sequence is None else sequence + 1,
            channel=touchpoint.channel,
            status=status,
            due_from=first_day,
            due_until=due_until,
            first_slot=slot,
            next_attempt_at=slot,
            max_attempts=touchpoint.max_attempts,
            priority=touchpoint.priority,
            phone=phone,
            reason={"text": reason, "notes": []},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=task,
            patient_id=patient.pk,
            changes={
                "plan": plan_code,
                "touchpoint": touchpoint_code,
                "due_from": first_day.isoformat(),
                "due_until": due_until.isoformat(),
                "status": status,
                "reason": reason,
            },
        )
    return task


def task_cancel_adhoc(*, task: FollowUpTask, reason: str, actor=None) -> bool:
    """Cancel an open ad-hoc task no longer needed (the case was closed another way).

    A task already worked to its end is left as it is; returns whether it was cancelled.
    """
    with transaction.atomic():
        done = FollowUpTask.objects.filter(pk=task.pk, status__in=FollowUpTask.OPEN).update(
            status=Status.CANCELLED,
            closed_reason=reason[:200],
            claimed_by=None,
            lease_expires_at=None,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if done:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=task,
                patient_id=task.patient_id,
                changes={"status": [task.status, Status.CANCELLED], "closed_reason": reason},
            )
    return bool(done)
