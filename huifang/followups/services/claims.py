"""Claiming tasks: the next best task, the lease that keeps it, release and reassignment.

A claim is two columns on the task, ``claimed_by`` and ``lease_expires_at``:
durable, visible to every web process, and self-healing — an agent whose
browser crashed holds the task only until the lease runs out. Choosing the
task and writing the claim happen in one transaction that locks the chosen
row: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent agents
never wait on each other's candidate and never get the same one; on SQLite
the transaction is ``BEGIN IMMEDIATE`` (settings), one writer at a time.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.followups.models import FollowUpTask
from huifang.followups.selectors import worklist as worklist_selectors

Status = FollowUpTask.Status


def lease_length() -> timedelta:
    return timedelta(minutes=settings.HUIFANG_TASK_LEASE_MINUTES)


def _require_work(agent) -> None:
    if not agent.has_perm("followups.work_task"):
        raise PermissionDenied


def _holder_name(task: FollowUpTask) -> str:
    holder = task.claimed_by
    return (holder.display_name or holder.username) if holder is not None else ""


def task_is_held_by_other(task: FollowUpTask, agent, now: datetime) -> bool:
    return (
        task.claimed_by_id is not None
        and task.claimed_by_id != agent.pk
        and task.lease_expires_at is not None
        and task.lease_expires_at > now
    )


def task_is_held_by(task: FollowUpTask, agent, now: datetime) -> bool:
    """Whether ``agent`` holds a live claim on the pending ``task`` (they are on its call)."""
    return (
        task.status == Status.PENDING
        and task.claimed_by_id == agent.pk
        and task.lease_expires_at is not None
        and task.lease_expires_at > now
    )


def _in_scope(agent, task: FollowUpTask) -> bool:
    scope = user_department_scope(agent)
    return scope is ALL_DEPARTMENTS or task.encounter.department_id in scope


def task_claim_next(
    *,
    agent,
    now: datetime | None = None,
    filters: worklist_selectors.WorklistFilters | None = None,
) -> FollowUpTask | None:
    """Claim the best task ``agent`` may call now, or return None when none is due.

    The order is ``worklist.next_task_groups``'s. The claim lasts
    ``HUIFANG_TASK_LEASE_MINUTES``; the workbench renews it while open.
    """
    _require_work(agent)
    now = now or timezone.now()
    groups = worklist_selectors.next_task_groups(user=agent, now=now, filters=filters)
    with transaction.atomic():
        for candidates in groups:
            task = (
                candidates.select_for_update(skip_locked=True, of=("self",))
                .only("pk", "claimed_by_id", "lease_expires_at")
                .first()
            )
            if task is not None:
                break
        else:
            return None
        FollowUpTask.objects.filter(pk=task.pk).update(
            claimed_by=agent, lease_expires_at=now + lease_length(), updated_at=now
        )
    return FollowUpTask.objects.select_related("patient", "claimed_by").get(pk=task.pk)


def task_claim(*, agent, task: FollowUpTask, now: datetime | None = None) -> FollowUpTask:
    """Claim one task the agent picked from the list (or renew their own claim on it).

    Raises ``task_claimed`` (409) when a colleague holds it, ``task_closed``
    when it is no longer pending, ``task_assigned`` when it is kept for
    another agent.
    """
    _require_work(agent)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("claimed_by", "encounter")
            .get(pk=task.pk)
        )
        if not _in_scope(agent, locked):
            raise PermissionDenied
        if locked.status != Status.PENDING:
            raise ApplicationError(
                _("This task is closed (%(status)s); there is nothing left to call.")
                % {"status": locked.get_status_display()},
                code="task_closed",
                status=409,
            )
        if locked.assigned_to_id not in (None, agent.pk):
            raise ApplicationError(
                _("This task is assigned to a colleague; ask the service manager to reassign it."),
                code="task_assigned",
                status=409,
            )
        if task_is_held_by_other(locked, agent, now):
            raise ApplicationError(
                _("%(name)s is working on this task until %(until)s.")
                % {
                    "name": _holder_name(locked),
                    "until": timezone.localtime(locked.lease_expires_at).strftime("%H:%M"),
                },
                code="task_claimed",
                status=409,
                details={"until": locked.lease_expires_at.isoformat()},
            )
        FollowUpTask.objects.filter(pk=locked.pk).update(
            claimed_by=agent, lease_expires_at=now + lease_length(), updated_at=now
        )
    task.refresh_from_db()
    return task


def task_lease_renew(*, agent, task: FollowUpTask, now: datetime | None = None) -> datetime:
    """Extend the agent's claim on ``task``; raises ``lease_lost`` when it is no longer theirs."""
    now = now or timezone.now()
    until = now + lease_length()
    renewed = FollowUpTask.objects.filter(
        pk=task.pk, claimed_by=agent, status=Status.PENDING
    ).update(lease_expires_at=until)
    if not renewed:
        raise ApplicationError(
            _(
                "This task is no longer yours: it was reassigned, closed or claimed after your claim ran out."
            ),
            code="lease_lost",
            status=409,
        )
    return until


def task_release(*, agent, task: FollowUpTask) -> bool:
    """Give the task back to the team (the agent left it without recording). True if it was held."""
    return bool(
        FollowUpTask.objects.filter(pk=task.pk, claimed_by=agent).update(
            claimed_by=None, lease_expires_at=None
        )
    )


def task_reassign(
    *, actor, task: FollowUpTask, to_agent=None, reason: str, now: datetime | None = None
) -> FollowUpTask:
    """A manager moves a task to another agent, or takes it over (``to_agent`` None), with a reason.

    The new holder gets a fresh lease (and any booked callback); the task's
    version goes up, so what the previous agent had open cannot be saved
    over it. Audited with who held it before, who holds it now and why.
    """
    if not actor.has_perm("followups.reassign_task"):
        raise PermissionDenied
    now = now or timezone.now()
    target = to_agent or actor
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Say why the task is reassigned; the reason is kept in the audit log."),
            code="reason_required",
        )
    if not target.is_active or not target.has_perm("followups.work_task"):
        raise ApplicationError(
            _("%(name)s cannot make follow-up calls; choose an agent.")
            % {"name": target.display_name or target.username},
            code="not_an_agent",
        )
    with transaction.atomic():
        locked = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("encounter")
            .get(pk=task.pk)
        )
        if not _in_scope(actor, locked):
            raise PermissionDenied
        if not _in_scope(target, locked):
            raise ApplicationError(
                _("%(name)s does not cover this patient's department.")
                % {"name": target.display_name or target.username},
                code="agent_out_of_scope",
            )
        if locked.status != Status.PENDING:
            raise ApplicationError(
                _("This task is closed (%(status)s); there is nothing left to call.")
                % {"status": locked.get_status_display()},
                code="task_closed",
                status=409,
            )
        before = {
            "claimed_by": locked.claimed_by_id,
            "assigned_to": locked.assigned_to_id,
            "callback_by": locked.callback_by_id,
        }
        fields = {
            "claimed_by": target,
            "lease_expires_at": now + lease_length(),
            "assigned_to": target if locked.assigned_to_id else None,
            "version": F("version") + 1,
            "updated_at": now,
        }
        if locked.callback_by_id:
            fields["callback_by"] = target
        FollowUpTask.objects.filter(pk=locked.pk).update(**fields)
        audit_record(
            actor=actor,
            action="reassign" if to_agent else "take_over",
            target=locked,
            patient_id=locked.patient_id,
            changes={
                "claimed_by": [before["claimed_by"], target.pk],
                "assigned_to": [before["assigned_to"], fields["assigned_to"] and target.pk],
                "callback_by": [
                    before["callback_by"],
                    target.pk if before["callback_by"] else None,
                ],
                "reason": reason,
            },
        )
    task.refresh_from_db()
    return task
