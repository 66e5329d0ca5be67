"""Tasks staff create from the workbench for the same patient and encounter.

- ``task_call_again``: "call again in N days / on a date" when the
  patient's condition needs it (按病情随访, until recovered);
- ``task_doctor_callback_create``: "the doctor should call back" — a task
  for the attending doctor or another clinician of the patient's department.

Both go through ``adhoc.task_create_adhoc``, so the working calendar, the
touchpoint's call windows (or the patient's own time) and the patients'
contact rule apply as they do to every task made outside the schedule; the
new task shows with the encounter's other tasks.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.followups.adhoc_plans import CONDITION_PLAN, DOCTOR_PLAN, adhoc_touchpoint_ensure
from huifang.followups.models import FollowUpTask
from huifang.followups.services.adhoc import task_create_adhoc
from huifang.followups.services.claims import assignee_check, user_may_work_task

# Further ahead than this is a typing mistake, not a follow-up by condition.
LATEST_DAYS = 366


def _require_worker(actor, task: FollowUpTask) -> None:
    if not user_may_work_task(actor, task):
        raise PermissionDenied


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Say why: the colleague who makes the call reads it first."),
            code="reason_required",
        )
    return reason


def _check_day(on: date, today: date) -> None:
    if on <= today:
        raise ApplicationError(
            _("Choose a day after today (%(today)s).") % {"today": today.isoformat()},
            code="date_not_ahead",
        )
    if on > today + timedelta(days=LATEST_DAYS):
        raise ApplicationError(_("Choose a day within a year from today."), code="date_too_far")


def task_call_again(
    *,
    actor,
    task: FollowUpTask,
    reason: str,
    in_days: int | None = None,
    on: date | None = None,
) -> FollowUpTask:
    """Arrange another call to ``task``'s patient, for the same encounter, ``in_days`` or ``on`` a day.

    The new task (plan 按病情随访) is due from the first working day on or
    after that day, in the touchpoint's call windows or the patient's own
    time; it goes to the team's queue. Refused when the patients' contact
    rule forbids calling (deceased, phone refused: ``contact_not_allowed``),
    without a reason, or for a day that is not after today. Audited on the
    new task (by ``task_create_adhoc``) with the task it follows.
    """
    _require_worker(actor, task)
    reason = _reason(reason)
    today = timezone.localdate()
    if (in_days is None) == (on is None):
        raise ApplicationError(_("Give either a number of days or a date."), code="when_required")
    if in_days is not None:
        if in_days < 1:
            raise ApplicationError(_("Give at least one day."), code="date_not_ahead")
        on = today + timedelta(days=min(in_days, LATEST_DAYS + 1))
    _check_day(on, today)
    touchpoint = adhoc_touchpoint_ensure(CONDITION_PLAN)
    return task_create_adhoc(
        patient=task.patient,
        encounter=task.encounter,
        plan_code=CONDITION_PLAN,
        touchpoint_code=touchpoint.code,
        due_from=on,
        reason=_("Call again by condition: %(reason)s") % {"reason": reason},
        actor=actor,
    )


def task_doctor_callback_create(
    *,
    actor,
    task: FollowUpTask,
    clinician,
    reason: str,
    on: date | None = None,
) -> FollowUpTask:
    """Ask ``clinician`` to call back ``task``'s patient (same encounter), from ``on`` (default today).

    ``clinician`` must be a clinician (``followups.work_callback_task``)
    whose departments cover the patient's; the new task (plan 医生回电) is
    assigned to them for good (``claims.task_reassign`` rules), so it shows
    in their list (``selectors.assignment.task_list_for_clinician``) and in
    no agent's queue. The contact rule applies (``contact_not_allowed``).
    Audited: the task's creation and its assignment, with the reason.
    """
    _require_worker(actor, task)
    reason = _reason(reason)
    today = timezone.localdate()
    on = on or today
    if on < today:
        raise ApplicationError(_("Choose today or a later day."), code="date_in_past")
    touchpoint = adhoc_touchpoint_ensure(DOCTOR_PLAN)
    probe = FollowUpTask(plan=touchpoint.plan, encounter=task.encounter)
    assignee_check(clinician, probe)
    with transaction.atomic():
        created = task_create_adhoc(
            patient=task.patient,
            encounter=task.encounter,
            plan_code=DOCTOR_PLAN,
            touchpoint_code=touchpoint.code,
            due_from=on,
            reason=_("The doctor is asked to call back: %(reason)s") % {"reason": reason},
            actor=actor,
        )
        FollowUpTask.objects.filter(pk=created.pk).update(assigned_to=clinician)
        audit_record(
            actor=actor,
            action="reassign",
            target=created,
            patient_id=created.patient_id,
            changes={
                "assigned_to": [None, clinician.pk],
                "reason": reason,
                "from_task": str(task.uuid),
            },
        )
    created.refresh_from_db()
    return created
