"""Claiming tasks: the next best task, the lease that keeps it, release and reassignment.

An assignment (``assigned_to``) is not a claim: it lasts until the task is
done, a manager reassigns it, or the assignee's account is deactivated (then
an ordinary task goes back to the team's queue; a doctor's callback waits for
a manager to give it to another clinician). Who may be given a task, or work
it, is ``user_may_work_task``: the permission the task needs (agents' calls,
or clinicians' callbacks) and a department scope covering the patient's.

A claim is two columns on the task, ``claimed_by`` and ``lease_expires_at``:
durable, visible to every web process, and self-healing — an agent whose
browser crashed holds the task only until the lease runs out. Choosing the
task and writing the claim happen in one transaction that locks the chosen
row: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent agents
never wait on each other's candidate and never get the same one; on SQLite
the transaction is ``BEGIN IMMEDIATE`` (settings), one writer at a time.
"""

import uuid
from dataclasses import dataclass
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
from huifang.followups.adhoc_plans import DOCTOR_PLAN
from huifang.followups.models import FollowUpTask
from huifang.followups.selectors import assignment as assignment_selectors
from huifang.followups.selectors import worklist as worklist_selectors
from huifang.patients import contact
from huifang.patients.models import Patient, PhoneNumber

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


# How many uncontactable tasks one "next task" ends before it gives up for now
# (each is ended, so the next press goes on where this one stopped).
_MAX_REFUSED_PER_CLAIM = 20


@dataclass(frozen=True)
class ContactRefused:
    """A task "next task" did not hand out because the patient may not be contacted now."""

    task_id: int
    patient_name: str
    reason: str
    message: str


def _contact_check(*, patient_id: int, channel: str) -> contact.ContactDecision:
    """Ask the patients' contact rule about a task's patient as they are now."""
    patient = Patient.objects.only("pk", "deceased_on", "do_not_contact").get(pk=patient_id)
    phones = list(PhoneNumber.objects.filter(patient_id=patient_id).only("pk", "status"))
    return contact.contact_decision(
        patient=patient,
        channel=channel,
        purpose=contact.Purpose.FOLLOW_UP,
        on=timezone.localdate(),
        phones=phones,
    )


def _end_uncontactable(*, task: FollowUpTask, decision: contact.ContactDecision, now) -> str:
    """End the patient's tasks the rule refused, so they are not offered again.

    Deceased: every open task of the patient is cancelled (as recording the
    death does). Opted out of the channel: the patient's tasks on it are
    cancelled. No usable number: the patient's pending tasks on the channel
    move to 无可用电话, where someone finds a number. Audited. Returns
    the rule's message with what was done, for the agent.
    """
    from huifang.followups.services import generation

    if decision.reason == contact.Refusal.DECEASED:
        generation.tasks_cancel_for_patient(patient_id=task.patient_id, reason="deceased")
        done = _("The patient's open follow-up tasks were cancelled.")
    elif decision.reason == contact.Refusal.OPTED_OUT:
        generation.tasks_cancel_for_patient(
            patient_id=task.patient_id, reason="opted_out", channels=[task.channel]
        )
        done = _("The patient's tasks on this channel were cancelled.")
    else:
        moved = FollowUpTask.objects.filter(
            patient_id=task.patient_id, channel=task.channel, status=Status.PENDING
        ).update(
            status=Status.NO_PHONE,
            claimed_by=None,
            lease_expires_at=None,
            version=F("version") + 1,
            updated_at=now,
        )
        audit_record(
            actor=None,
            action="update",
            patient_id=task.patient_id,
            field="followup_tasks",
            target_repr="无可用电话，回访任务转入“无可用电话”",
            changes={"no_phone": moved, "reason": decision.reason},
        )
        done = _("The task moved to “No usable phone”.")
    return f"{decision.message}{done}"


def task_is_doctor_callback(task: FollowUpTask) -> bool:
    """Whether ``task`` is a doctor's callback (worked by clinicians, not by the agents' queue)."""
    return task.plan.code == DOCTOR_PLAN


def task_work_permission(task: FollowUpTask) -> str:
    """The permission a user needs to claim and record on ``task``."""
    return (
        assignment_selectors.CALLBACK_PERMISSION
        if task_is_doctor_callback(task)
        else assignment_selectors.WORK_PERMISSION
    )


def user_may_work_task(user, task: FollowUpTask) -> bool:
    """Whether ``user`` may be given, claim and record ``task``.

    An active user holding the task's permission (``followups.work_task``
    for agents' calls, ``followups.work_callback_task`` for a doctor's
    callback) whose departments cover the patient's department. The
    assignee lists (``selectors.assignment``) offer the same users.
    """
    return (
        user.is_active
        and assignment_selectors.holds_by_role(user, task_work_permission(task))
        and _in_scope(user, task)
    )


def _assignee_active(task: FollowUpTask) -> bool:
    return task.assigned_to_id is None or task.assigned_to.is_active


def task_is_kept_for_other(task: FollowUpTask, user) -> bool:
    """Whether ``task`` is assigned to someone else whose account is active (not ``user``'s to work)."""
    return task.assigned_to_id not in (None, user.pk) and _assignee_active(task)


def task_claim_next(
    *,
    agent,
    now: datetime | None = None,
    filters: worklist_selectors.WorklistFilters | None = None,
    refused: list[ContactRefused] | None = None,
) -> FollowUpTask | None:
    """Claim the best task ``agent`` may call now, or return None when none is due.

    The order is ``worklist.next_task_groups``'s. Before it is handed out,
    the patient is checked against the contact rule (``patients.contact``):
    a task whose patient died, opted out of calls or has no usable number
    is ended (``_end_uncontactable``), added to ``refused`` when a list is
    given (so the page can say why), and the next one is tried. The claim
    lasts ``HUIFANG_TASK_LEASE_MINUTES``; the workbench renews it while open.
    """
    _require_work(agent)
    now = now or timezone.now()
    groups = worklist_selectors.next_task_groups(user=agent, now=now, filters=filters)
    refusals = 0
    with transaction.atomic():
        while True:
            for candidates in groups:
                task = (
                    candidates.select_for_update(skip_locked=True, of=("self",))
                    .only("pk", "claimed_by_id", "lease_expires_at", "patient_id", "channel")
                    .first()
                )
                if task is not None:
                    break
            else:
                return None
            decision = _contact_check(patient_id=task.patient_id, channel=task.channel)
            if decision:
                break
            message = _end_uncontactable(task=task, decision=decision, now=now)
            if refused is not None:
                name = Patient.objects.values_list("name", flat=True).get(pk=task.patient_id)
                refused.append(ContactRefused(task.pk, name, decision.reason, message))
            refusals += 1
            if refusals >= _MAX_REFUSED_PER_CLAIM:
                return None
        FollowUpTask.objects.filter(pk=task.pk).update(
            claimed_by=agent, lease_expires_at=now + lease_length(), updated_at=now
        )
    return FollowUpTask.objects.select_related("patient", "claimed_by").get(pk=task.pk)


def task_claim(*, agent, task: FollowUpTask, now: datetime | None = None) -> FollowUpTask:
    """Claim one task the agent picked from the list (or renew their own claim on it).

    Clinicians claim the doctor's callbacks of their own departments the
    same way (``user_may_work_task``). Raises ``task_claimed`` (409) when a
    colleague holds it, ``task_closed`` when it is no longer pending,
    ``task_assigned`` when it is kept for another (active) user, and
    ``contact_refused`` (409) when the contact rule (``patients.contact``)
    says the patient may not be called now: then the task is ended as
    ``_end_uncontactable`` says, and that is committed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("claimed_by", "encounter", "plan", "assigned_to")
            .get(pk=task.pk)
        )
        if not user_may_work_task(agent, locked):
            raise PermissionDenied
        if locked.status != Status.PENDING:
            raise ApplicationError(
                _("This task is closed (%(status)s); there is nothing left to call.")
                % {"status": locked.get_status_display()},
                code="task_closed",
                status=409,
            )
        if task_is_kept_for_other(locked, agent):
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
        decision = _contact_check(patient_id=locked.patient_id, channel=locked.channel)
        if decision:
            FollowUpTask.objects.filter(pk=locked.pk).update(
                claimed_by=agent, lease_expires_at=now + lease_length(), updated_at=now
            )
        else:
            message = _end_uncontactable(task=locked, decision=decision, now=now)
    if not decision:
        # Raised after the commit: ending the task is kept, the claim is refused.
        raise ApplicationError(
            message, code="contact_refused", status=409, details={"reason": decision.reason}
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


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Say why the task is reassigned; the reason is kept in the audit log."),
            code="reason_required",
        )
    return reason


def _name(user) -> str:
    return user.display_name or user.username


def assignee_check(target, task: FollowUpTask) -> None:
    """Refuse ``target`` for ``task`` with what to do instead (``user_may_work_task`` says no)."""
    if not target.is_active or not assignment_selectors.holds_by_role(
        target, task_work_permission(task)
    ):
        if task_is_doctor_callback(task):
            message = _(
                "%(name)s is not a clinician; a doctor's callback goes to a clinician "
                "of the patient's department."
            )
        else:
            message = _("%(name)s cannot make follow-up calls; choose an agent.")
        raise ApplicationError(message % {"name": _name(target)}, code="not_an_agent")
    if not _in_scope(target, task):
        raise ApplicationError(
            _(
                "%(name)s does not cover this patient's department (%(department)s); "
                "choose someone who does."
            )
            % {"name": _name(target), "department": task.encounter.department.name},
            code="agent_out_of_scope",
        )


def _check_open(task: FollowUpTask) -> None:
    if task.status not in FollowUpTask.OPEN:
        raise ApplicationError(
            _("This task is closed (%(status)s); there is nothing left to call.")
            % {"status": task.get_status_display()},
            code="task_closed",
            status=409,
        )


def _move(
    locked: FollowUpTask,
    *,
    actor,
    target,
    reason: str,
    action: str,
    now: datetime,
    claim: bool,
    batch: str = "",
) -> None:
    """Give ``locked`` to ``target`` for good: the assignment, any booked callback, a new version."""
    fields = {
        "assigned_to": target,
        "version": F("version") + 1,
        "updated_at": now,
    }
    if claim:
        fields["claimed_by"] = target
        fields["lease_expires_at"] = now + lease_length()
    elif locked.claimed_by_id is not None:
        fields["claimed_by"] = None
        fields["lease_expires_at"] = None
    if locked.callback_by_id:
        fields["callback_by"] = target
    FollowUpTask.objects.filter(pk=locked.pk).update(**fields)
    changes = {
        "assigned_to": [locked.assigned_to_id, target.pk],
        "claimed_by": [locked.claimed_by_id, target.pk if claim else None],
        "callback_by": [locked.callback_by_id, target.pk if locked.callback_by_id else None],
        "reason": reason,
    }
    if batch:
        changes["batch"] = batch
    audit_record(
        actor=actor, action=action, target=locked, patient_id=locked.patient_id, changes=changes
    )


def task_reassign(
    *, actor, task: FollowUpTask, to_agent=None, reason: str, now: datetime | None = None
) -> FollowUpTask:
    """A manager gives a task to another user, or takes it over (``to_agent`` None), with a reason.

    The assignment lasts: the task stays the new assignee's until it is
    done, reassigned again, or the assignee is deactivated — the lease
    running out no longer gives it back to the team. Only users who may
    work the task are accepted (``user_may_work_task``; an agent of the
    patient's department, or a clinician for a doctor's callback). The new
    assignee also holds a fresh claim (and any booked callback); the task's
    version goes up, so what the previous agent had open cannot be saved
    over it. Audited with who had it before, who has it now and why.
    """
    if not actor.has_perm("followups.reassign_task"):
        raise PermissionDenied
    now = now or timezone.now()
    target = to_agent or actor
    reason = _reason_required(reason)
    with transaction.atomic():
        locked = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("encounter__department", "plan")
            .get(pk=task.pk)
        )
        if not _in_scope(actor, locked):
            raise PermissionDenied
        assignee_check(target, locked)
        _check_open(locked)
        _move(
            locked,
            actor=actor,
            target=target,
            reason=reason,
            action="reassign" if to_agent else "take_over",
            now=now,
            claim=locked.status == Status.PENDING,
        )
    task.refresh_from_db()
    return task


def tasks_reassign_bulk(
    *,
    actor,
    from_user,
    to_users: list,
    reason: str,
    task_ids: list[int] | None = None,
    now: datetime | None = None,
) -> dict[int, int]:
    """Move the open tasks of an absent user (all, or ``task_ids``) to ``to_users``, with one reason.

    The tasks are dealt round-robin, oldest due first, each to the next of
    ``to_users`` who may work it (``user_may_work_task``): a colleague who
    does not cover a task's department is skipped for that task. Nothing is
    moved when a task has no eligible receiver, when a chosen task is no
    longer ``from_user``'s (another manager moved it meanwhile), or when the
    reason is empty: the error says which. The assignment lasts as in
    ``task_reassign``; nobody is given a claim (the receivers are not on the
    tasks' pages). Each task is audited with the reason and one batch id.
    Returns how many tasks each receiver got, by user id.
    """
    if not actor.has_perm("followups.reassign_task"):
        raise PermissionDenied
    now = now or timezone.now()
    reason = _reason_required(reason)
    receivers = [user for user in dict.fromkeys(to_users) if user.pk != from_user.pk]
    if not receivers:
        raise ApplicationError(
            _("Choose at least one colleague to receive the tasks."), code="no_receivers"
        )
    batch = uuid.uuid4().hex
    moved: dict[int, int] = {user.pk: 0 for user in receivers}
    with transaction.atomic():
        owned = assignment_selectors.task_list_of_user(user=actor, owner=from_user, now=now)
        if task_ids is not None:
            owned = owned.filter(pk__in=task_ids)
        tasks = list(
            owned.select_for_update(of=("self",))
            .select_related("encounter__department", "plan", "patient")
            .order_by("due_until", "next_attempt_at", "pk")
        )
        if task_ids is not None and len(tasks) != len(set(task_ids)):
            raise ApplicationError(
                _(
                    "%(missing)d of the chosen tasks are no longer %(name)s's (closed or moved "
                    "meanwhile); nothing was moved. Reload the page and choose again."
                )
                % {"missing": len(set(task_ids)) - len(tasks), "name": _name(from_user)},
                code="tasks_changed",
                status=409,
            )
        if not tasks:
            raise ApplicationError(
                _("%(name)s has no open tasks to move.") % {"name": _name(from_user)},
                code="nothing_to_move",
            )
        plan, turn, stranded = [], 0, []
        for task in tasks:
            for step in range(len(receivers)):
                candidate = receivers[(turn + step) % len(receivers)]
                if user_may_work_task(candidate, task):
                    plan.append((task, candidate))
                    turn = (turn + step + 1) % len(receivers)
                    break
            else:
                stranded.append(task)
        if stranded:
            departments = sorted({task.encounter.department.name for task in stranded})
            raise ApplicationError(
                _(
                    "None of the chosen colleagues may take %(count)d of the tasks "
                    "(department: %(departments)s); add a colleague who covers it. "
                    "Nothing was moved."
                )
                % {"count": len(stranded), "departments": "、".join(departments)},
                code="no_eligible_receiver",
            )
        for task, receiver in plan:
            _move(
                task,
                actor=actor,
                target=receiver,
                reason=reason,
                action="reassign",
                now=now,
                claim=False,
                batch=batch,
            )
            moved[receiver.pk] += 1
    return moved
