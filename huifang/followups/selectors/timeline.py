"""The patient page's follow-up entries: tasks (open and done), passed touchpoints, calls.

Registered with ``patients.timeline`` from ``FollowupsConfig.ready``. Scoped
like the worklist (``worklist.scope_q``: tasks of encounters in the user's
departments); one query per kind, whatever the patient's history.
"""

from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.core.masking import mask_numbers_in_text
from huifang.followups.models import ContactAttempt, FollowUpTask, PassedTouchpoint
from huifang.followups.selectors.worklist import scope_q
from huifang.patients.timeline import TimelineEntry

Status = FollowUpTask.Status
TONES = {
    Status.PENDING: "primary",
    Status.NO_PHONE: "warning",
    Status.DONE: "success",
    Status.UNREACHABLE: "danger",
    Status.WINDOW_PASSED: "warning",
}


def _may_see(user) -> bool:
    return user.has_perm("followups.view_followuptask")


def _due(task) -> str:
    return f"{task.due_from:%Y-%m-%d} – {task.due_until:%Y-%m-%d}"


def _task_moment(task) -> datetime:
    """Where a task sits: an open one at its next attempt, a closed one at its last call."""
    if task.status in FollowUpTask.OPEN:
        return task.next_attempt_at
    return task.last_call_at or task.updated_at


def task_timeline_for_patient(*, user, patient, limit: int) -> list[TimelineEntry]:
    """The patient's tasks and back-filled passed touchpoints, newest first (two queries).

    An open task sits at its next attempt, a closed one at its last call; a
    passed touchpoint (its window had ended before the encounter arrived,
    so no one was contacted) at the start of its window, linked to the schedule.
    """
    if not _may_see(user):
        return []
    last_call = ContactAttempt.objects.filter(task_id=OuterRef("pk")).order_by("-at", "-pk")
    tasks = (
        FollowUpTask.objects.filter(scope_q(user), patient_id=patient.pk)
        .select_related("plan", "touchpoint", "encounter__department")
        .annotate(last_call_at=Subquery(last_call.values("at")[:1]))
        .order_by("-updated_at", "-pk")[:limit]
    )
    entries = [
        TimelineEntry(
            at=_task_moment(task),
            kind="task",
            title=f"{task.plan.name} · {task.touchpoint.name}",
            detail=_("%(department)s · due %(due)s · attempts %(attempts)d/%(max)d")
            % {
                "department": task.encounter.department.name,
                "due": _due(task),
                "attempts": task.attempts,
                "max": task.max_attempts,
            },
            status=task.get_status_display(),
            tone=TONES.get(task.status, "secondary"),
            url=reverse("followups:task", args=[task.uuid]),
        )
        for task in tasks
    ]
    passed = PassedTouchpoint.objects.filter(encounter__patient_id=patient.pk)
    scope = user_department_scope(user)
    if scope is not ALL_DEPARTMENTS:
        passed = passed.filter(encounter__department_id__in=scope)
    for record in passed.select_related("plan", "touchpoint", "encounter__department").order_by(
        "-due_until"
    )[:limit]:
        entries.append(
            TimelineEntry(
                at=record.first_slot,
                kind="task",
                title=f"{record.plan.name} · {record.touchpoint.name}",
                detail=_(
                    "%(department)s · due %(due)s · the window had ended when the encounter "
                    "was recorded (%(recorded)s): no one was contacted"
                )
                % {
                    "department": record.encounter.department.name,
                    "due": _due(record),
                    "recorded": f"{timezone.localdate(record.recorded_at):%Y-%m-%d}",
                },
                status=str(Status.WINDOW_PASSED.label),
                tone="warning",
                url=reverse("followups:encounter_schedule", args=[record.encounter.uuid]),
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def call_timeline_for_patient(*, user, patient, limit: int) -> list[TimelineEntry]:
    """The calls made to the patient: outcome, agent, time; linked to the task (one query)."""
    if not _may_see(user):
        return []
    calls = ContactAttempt.objects.filter(task__patient_id=patient.pk)
    scope = user_department_scope(user)
    if scope is not ALL_DEPARTMENTS:
        calls = calls.filter(task__encounter__department_id__in=scope)
    calls = calls.select_related("outcome", "agent", "task__plan", "task__touchpoint").order_by(
        "-at", "-pk"
    )[:limit]
    return [
        TimelineEntry(
            at=call.at,
            kind="call",
            title=f"{call.task.plan.name} · {call.task.touchpoint.name}",
            detail=mask_numbers_in_text(call.note)[:200],
            status=call.outcome.label_zh,
            tone="success" if call.outcome.counts_as_success else "warning",
            who=(call.agent.display_name or call.agent.username) if call.agent else call.agent_name,
            url=reverse("followups:task", args=[call.task.uuid]),
        )
        for call in calls
    ]
