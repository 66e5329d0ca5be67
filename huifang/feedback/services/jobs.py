"""The periodic job: reminders before the deadline, and overdue cases escalated to the office."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huifang.core.services import audit_record
from huifang.feedback.models import Case, Notification
from huifang.feedback.services import notifications
from huifang.feedback.services.cases import event_record


def cases_remind_and_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """Remind departments of answers due soon; report overdue cases to the office.

    - A case with its department whose deadline is less than
      ``HUIFANG_FEEDBACK_REMINDER_HOURS`` away: its department heads are
      reminded, once per deadline.
    - A case still awaiting its answer after the deadline: the service
      managers and the quality office are told, once per deadline, and the
      case is flagged as escalated for lateness (its status stays, so the
      department can still answer; the lateness counts in the monthly notice).

    Each case is handled in its own transaction with a conditional update,
    so two workers running the job at once do not notify twice. Returns
    counts for the job log.
    """
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.HUIFANG_FEEDBACK_REMINDER_HOURS)
    summary = {"reminded": 0, "overdue": 0}
    due_soon = Case.objects.filter(
        status=Case.Status.WITH_DEPARTMENT,
        deadline_at__gt=now,
        deadline_at__lte=soon,
        reminded_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(due_soon):
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            case = Case.objects.get(pk=pk)
            event_record(case=case, actor=None, action="reminded", at=now)
            notifications.notifications_send(
                case=case,
                kind=Notification.Kind.REMINDER,
                recipients=notifications.department_heads(case),
                now=now,
            )
            summary["reminded"] += 1
    overdue = Case.objects.filter(
        status__in=Case.AWAITING_ANSWER,
        deadline_at__lte=now,
        overdue_escalated_at__isnull=True,
    ).values_list("pk", flat=True)
    office = None  # the same service managers and quality office for every overdue case
    for pk in list(overdue):
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, overdue_escalated_at__isnull=True).update(
                overdue_escalated_at=now
            ):
                continue
            case = Case.objects.get(pk=pk)
            if office is None:
                office = list(notifications.office())
            event_record(
                case=case,
                actor=None,
                action="overdue",
                data={"deadline_at": case.deadline_at.isoformat()},
                at=now,
            )
            notifications.notifications_send(
                case=case,
                kind=Notification.Kind.OVERDUE,
                recipients=[*office, *notifications.department_heads(case)],
                now=now,
            )
            audit_record(
                actor=None,
                action="update",
                target=case,
                patient_id=case.patient_id,
                field="overdue_escalated_at",
                changes={"overdue_escalated_at": now.isoformat(), "status": case.status},
            )
            summary["overdue"] += 1
    return summary
