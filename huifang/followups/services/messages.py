"""Follow-up tasks carried by a message instead of a call (touchpoints with channel SMS).

The messaging app sends them; follow-ups never import messaging, so this
module offers what it needs: the due SMS tasks, and closing one once its
message was sent or skipped.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups.models import Channel, FollowUpTask

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
