"""Follow-up tasks carried by a message instead of a call (touchpoints with channel SMS or web).

The messaging app sends them; follow-ups never import messaging, so this
module offers what it needs: the due SMS and web-survey tasks, closing an
SMS task once its message was sent or skipped, and for a web survey: the
link sent (an attempt), the answer (the success), or no way to send it
(the task becomes a call on the worklist).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups import scheduling
from huifang.followups.models import Channel, ContactAttempt, FollowUpTask, Outcome
from huifang.patients.contact import contact_refusal
from huifang.patients.models import PhoneNumber

Status = FollowUpTask.Status


def sms_tasks_due(*, now: datetime) -> QuerySet[FollowUpTask]:
    """Pending SMS tasks whose time has come, oldest first (for the sender, not for people)."""
    return (
        FollowUpTask.objects.filter(
            channel=Channel.SMS, status=Status.PENDING, next_attempt_at__lte=now
        )
        .select_related("patient", "encounter__department", "touchpoint")
        .order_by("next_attempt_at", "id")
    )


@transaction.atomic
def task_complete_by_message(*, task_id: int, sent: bool, reason: str) -> bool:
    """Close an SMS task: done when its message went out, cancelled (with why) when skipped.

    Only a pending task changes (a task closed meanwhile stays as it is);
    returns whether it changed. Audited.
    """
    status = Status.DONE if sent else Status.CANCELLED
    changed = FollowUpTask.objects.filter(pk=task_id, status=Status.PENDING).update(
        status=status,
        closed_reason=reason[:200],
        attempts=F("attempts") + 1,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if changed:
        task = FollowUpTask.objects.only("id", "patient_id").get(pk=task_id)
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target=task,
            patient_id=task.patient_id,
            field="status",
            changes={"status": [Status.PENDING, status], "reason": reason},
        )
    return bool(changed)


# --- Web surveys ---------------------------------------------------------------------

SURVEY_SENT = "survey_sent"
SURVEY_COMPLETED = "survey_completed"


def web_tasks_due(*, now: datetime) -> QuerySet[FollowUpTask]:
    """Pending web-survey tasks whose time has come, oldest first (for the sender)."""
    return (
        FollowUpTask.objects.filter(
            channel=Channel.WEB, status=Status.PENDING, next_attempt_at__lte=now
        )
        .select_related("patient", "encounter__department", "touchpoint")
        .order_by("next_attempt_at", "id")
    )


def _locked_web_task(task_id: int) -> FollowUpTask | None:
    return (
        FollowUpTask.objects.select_for_update(of=("self",))
        .filter(pk=task_id, channel=Channel.WEB)
        .first()
    )


def _attempt(task: FollowUpTask, code: str, at: datetime, note: str) -> ContactAttempt:
    return ContactAttempt.objects.create(
        task=task, outcome=Outcome.objects.get(code=code), at=at, note=note[:500]
    )


def _close_with_attempt(task: FollowUpTask, outcome: str, at: datetime, note: str, extra: dict):
    """Record the web survey's attempt ``outcome`` and close the task done with it, audited."""
    _attempt(task, outcome, at, note)
    before = task.status
    task.status, task.closed_reason = Status.DONE, outcome
    task.attempts += 1
    task.version += 1
    task.save(update_fields=["status", "closed_reason", "attempts", "version", "updated_at"])
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=task,
        patient_id=task.patient_id,
        field="status",
        changes={"status": [before, task.status], "outcome": outcome, **extra},
    )


@transaction.atomic
def task_record_survey_sent(*, task_id: int, at: datetime, note: str) -> bool:
    """The web survey's link went out (SMS or e-mail): one attempt, and the task is done.

    The attempt's outcome is ``survey_sent`` (not reached): the follow-up
    was made; it counts as reached once the patient answers
    (``task_record_survey_answered``). Only a pending web task changes; a
    second call for the same task (the e-mail after the SMS) changes
    nothing. Returns whether it changed. Audited.
    """
    task = _locked_web_task(task_id)
    if task is None or task.status != Status.PENDING:
        return False
    _close_with_attempt(task, SURVEY_SENT, at, note, {"note": note})
    return True


@transaction.atomic
def task_record_survey_answered(*, task_id: int, at: datetime) -> bool:
    """The patient answered the web survey of this task: a reached attempt (``survey_completed``).

    Once per task; a task still pending (answered before its sending was
    recorded) is done as well. Returns whether anything was recorded. Audited.
    """
    task = _locked_web_task(task_id)
    if task is None or task.status not in (Status.PENDING, Status.DONE):
        return False
    if task.attempts_made.filter(outcome__code=SURVEY_COMPLETED).exists():
        return False
    _close_with_attempt(task, SURVEY_COMPLETED, at, "", {})
    return True


@transaction.atomic
def task_fall_back_to_call(*, task_id: int, reason: str) -> str:
    """A web survey that can reach the patient neither by SMS nor by e-mail becomes a call.

    The task turns into a phone task on the worklist, with the patient's
    number to dial (``no_phone`` when there is none) and ``reason`` among
    its notes; the agent asks the touchpoint's questionnaire on the call.
    The failed web route counts as the task's first attempt (and the
    attempt limit grows by one, so the agent keeps every call): a task
    someone worked on is never re-planned back to a web survey. A patient
    who may not be called (``patients.contact``) gets the task cancelled
    with that reason. Returns the task's new status, "" when it was not a
    pending web task. Audited.
    """
    task = _locked_web_task(task_id)
    if task is None or task.status != Status.PENDING:
        return ""
    refusal = contact_refusal(patient=task.patient, channel=Channel.PHONE)
    before = {"status": task.status, "channel": task.channel}
    notes = dict(task.reason) if isinstance(task.reason, dict) else {}
    notes["notes"] = [*notes.get("notes", []), reason]
    task.reason = notes
    task.attempts += 1
    task.version += 1
    if refusal:
        task.status, task.closed_reason = Status.CANCELLED, refusal
    else:
        phone = scheduling.pick_phone(
            list(PhoneNumber.objects.filter(patient_id=task.patient_id)), Channel.PHONE
        )
        task.channel = Channel.PHONE
        task.phone = phone
        task.max_attempts += 1
        task.status = Status.PENDING if phone is not None else Status.NO_PHONE
    task.save(
        update_fields=[
            "status",
            "closed_reason",
            "channel",
            "phone",
            "reason",
            "attempts",
            "max_attempts",
            "version",
            "updated_at",
        ]
    )
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        target=task,
        patient_id=task.patient_id,
        field="channel",
        changes={
            "status": [before["status"], task.status],
            "channel": [before["channel"], task.channel],
            "reason": reason,
        },
    )
    return task.status
