"""The loop's steps: triage, forward, answer, verify, close, reopen, escalate, withdraw.

Each step locks the case row, checks the role allowed for it
(``feedback.workflow.TRANSITIONS``), moves the status, appends a
``CaseEvent`` to the timeline, writes an audit entry and notifies the
people who must act next. ``actor=None`` is the system (the periodic job,
a verification answer recorded on a call): no permission check, recorded
as such.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import Department
from huifang.core import calendar
from huifang.core.errors import ApplicationError, Conflict, PermissionDenied
from huifang.core.services import audit_record
from huifang.feedback import workflow
from huifang.feedback.models import Case, Notification
from huifang.feedback.services import notifications
from huifang.feedback.services.cases import case_deadline, event_record
from huifang.feedback.verification import verification_touchpoint_ensure

S = Case.Status
V = Case.Verification

_RELATIONS = [
    "patient",
    "encounter",
    "task",
    "attempt",
    "department",
    "reported_by",
    "answered_by",
    "verification_task",
    "assigned_to",
    "merged_into",
]


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _check(actor, case: Case, action: str) -> None:
    if actor is None:
        return
    transition = workflow.TRANSITIONS[action]
    if not actor.has_perm(transition.permission):
        raise PermissionDenied(
            _("Your role may not take this step on this case."),
            code="transition_not_allowed",
            details={"action": action},
        )
    if not workflow.fits_kind(case, action):
        raise ApplicationError(
            _("This step is not for a case of this kind."),
            code="wrong_kind",
            details={"kind": case.kind, "action": action},
        )
    if case.status not in transition.sources:
        raise Conflict(
            _("This case is now “%(status)s”; this step is not possible any more. Reload the page.")
            % {"status": case.get_status_display()},
            code="invalid_transition",
            details={"status": case.status, "action": action},
        )
    if transition.own_department and not workflow.in_charge(actor, case):
        raise PermissionDenied(
            _("Your role may not take this step on this case."),
            code="transition_not_allowed",
            details={"action": action},
        )


def _require_note(note: str, action: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            _("Say why in a sentence: it goes on the case's timeline."),
            code="note_required",
            details={"action": action},
        )
    return note


def _move(
    *,
    case: Case,
    actor,
    action: str,
    to_status: str,
    now: datetime,
    note: str = "",
    data: dict | None = None,
    changes: dict | None = None,
    event_action: str | None = None,
) -> None:
    """Save the case in its new status, with its timeline line and audit entry."""
    from_status = case.status
    case.status = to_status
    if to_status in (S.CLOSED, S.WITHDRAWN, S.MERGED):
        case.closed_at = now
    # The related rows were read under the lock: checking each key again costs a query apiece.
    case.full_clean(exclude=_RELATIONS, validate_unique=False, validate_constraints=False)
    case.save()
    event_record(
        case=case,
        actor=actor,
        action=event_action or action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
        at=now,
    )
    audit_record(
        actor=actor,
        action="update",
        target=case,
        patient_id=case.patient_id,
        field="status",
        changes={"status": [from_status, to_status], "step": action, **(changes or {})},
    )


def _department_count(case: Case) -> int:
    return max(1, len(workflow.case_department_ids(case)))


def _new_deadline(case: Case, now: datetime) -> datetime | None:
    return case_deadline(
        kind=case.kind,
        received_at=now,
        category=case.category,
        severity=case.severity,
        departments=_department_count(case),
    )


def _cancel_verification_task(case: Case, actor, reason: str) -> None:
    if case.verification_task_id is None:
        return
    from huifang.followups.services.adhoc import task_cancel_adhoc

    task_cancel_adhoc(task=case.verification_task, reason=reason, actor=actor)


def case_triage(
    *,
    actor,
    case: Case,
    departments: list[Department],
    category: str | None = None,
    severity: str | None = None,
    deadline_on=None,
    note: str = "",
    forward: bool = False,
    now: datetime | None = None,
) -> Case:
    """The service manager classifies the case and names the department(s) that answer.

    The first department leads. The deadline is counted again from the day
    the case was received, with the rule for its category and severity and
    the number of departments — unless ``deadline_on`` (a date) is given.
    ``forward=True`` forwards it to the departments at once (``case_assign``).
    """
    now = now or timezone.now()
    if not departments:
        raise ApplicationError(
            _("Choose the department that must answer."), code="department_required"
        )
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "triage")
        before = {"category": case.category, "severity": case.severity}
        case.department = departments[0]
        if category:
            case.category = category
        if severity:
            case.severity = severity
        case.save()
        case.departments.set(departments)
        if deadline_on is not None:
            if deadline_on < timezone.localdate(now):
                raise ApplicationError(
                    _("The deadline cannot be in the past."), code="deadline_in_past"
                )
            case.deadline_at = timezone.make_aware(
                datetime.combine(deadline_on + timedelta(days=1), datetime.min.time())
            )
        else:
            case.deadline_at = case_deadline(
                kind=case.kind,
                received_at=case.created_at,
                category=case.category,
                severity=case.severity,
                departments=len(departments),
            )
        _move(
            case=case,
            actor=actor,
            action="triage",
            event_action="triaged",
            to_status=S.TRIAGED,
            now=now,
            note=(note or "").strip(),
            data={
                "departments": [d.name for d in departments],
                "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
            },
            changes={
                "category": [before["category"], case.category],
                "severity": [before["severity"], case.severity],
                "departments": [d.code for d in departments],
                "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
            },
        )
    if forward:
        case = case_assign(actor=actor, case=case, now=now)
    return case


def case_assign(*, actor, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """Forward the triaged (or escalated) case to its departments; their heads are notified."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "assign")
        if case.department_id is None:
            raise ApplicationError(
                _("Choose the department that must answer."), code="department_required"
            )
        _move(
            case=case,
            actor=actor,
            action="assign",
            event_action="assigned",
            to_status=S.WITH_DEPARTMENT,
            now=now,
            note=(note or "").strip(),
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.ASSIGNED,
            recipients=notifications.department_heads(case),
            now=now,
        )
    return case


def case_answer(
    *,
    actor,
    case: Case,
    reply: str,
    cause: str = "",
    rectification: str = "",
    now: datetime | None = None,
) -> Case:
    """The department answers: its reply to the patient, the cause found and the rectification.

    Only a head of one of the case's departments. A complaint needs all
    three; a suggestion or praise the reply. Late answers are kept as late
    (the monthly notice counts them). The service managers are notified.
    """
    now = now or timezone.now()
    reply, cause, rectification = (
        (reply or "").strip(),
        (cause or "").strip(),
        (rectification or "").strip(),
    )
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "answer")
        missing = [
            name
            for name, value in (
                ("reply", reply),
                ("cause", cause),
                ("rectification", rectification),
            )
            if not value and (name == "reply" or case.kind == Case.Kind.COMPLAINT)
        ]
        if missing:
            raise ApplicationError(
                _("Write the reply to the patient, the cause and what was rectified."),
                code="answer_incomplete",
                details={"missing": missing},
            )
        case.reply, case.cause, case.rectification = reply, cause, rectification
        case.answered_at, case.answered_by = now, actor
        late = bool(case.deadline_at and now > case.deadline_at)
        _move(
            case=case,
            actor=actor,
            action="answer",
            event_action="answered",
            to_status=S.ANSWERED,
            now=now,
            note=reply,
            data={"cause": cause, "rectification": rectification, "late": late},
            changes={"late": late},
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.ANSWERED,
            recipients=notifications.service_managers(),
            now=now,
        )
    return case


def case_return(*, actor, case: Case, note: str, now: datetime | None = None) -> Case:
    """The manager sends an insufficient answer back to the department, saying why.

    The deadline stays: a late answer does not become punctual by being sent back.
    """
    now = now or timezone.now()
    note = _require_note(note, "return")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "return")
        _move(
            case=case,
            actor=actor,
            action="return",
            event_action="returned",
            to_status=S.WITH_DEPARTMENT,
            now=now,
            note=note,
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.REOPENED,
            recipients=notifications.department_heads(case),
            now=now,
        )
    return case


def _verification_encounter(case: Case):
    if case.encounter_id is not None:
        return case.encounter
    if case.patient_id is None:
        return None
    from huifang.patients.selectors import patient_latest_encounter

    return patient_latest_encounter(patient=case.patient)


def case_verification_start(*, actor, case: Case, now: datetime | None = None) -> Case:
    """Accept the department's answer and have the patient called back to verify it.

    A verification call (the ``complaint-verification`` plan: phone, with
    the questionnaire of that name) is queued for the patient from the next
    working day. An anonymous case, or a patient who cannot be called
    (deceased, refused calls, no encounter on file), gets no call: the
    manager records the verification by hand (``case_verify``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "start_verification")
        task, note = _verification_task_create(case, now, actor)
        case.verification_task = task
        _move(
            case=case,
            actor=actor,
            action="start_verification",
            event_action="verification_started",
            to_status=S.VERIFYING,
            now=now,
            note=note,
            data={"task": str(task.uuid) if task else None},
            changes={"task": str(task.uuid) if task else None},
        )
    return case


def _verification_task_create(case: Case, now: datetime, actor):
    """A verification call for the case's patient from the next working day, or why there is none."""
    from huifang.followups.services.adhoc import task_create_adhoc

    encounter = _verification_encounter(case)
    if case.patient_id is None or encounter is None:
        return None, _("No patient or visit on file to call: record the verification by hand.")
    touchpoint = verification_touchpoint_ensure()
    try:
        task = task_create_adhoc(
            patient=case.patient,
            encounter=encounter,
            plan_code=touchpoint.plan.code,
            touchpoint_code=touchpoint.code,
            due_from=calendar.next_working_day(timezone.localdate(now) + timedelta(days=1)),
            reason=f"投诉建议处理核实：{case.description[:60]}",
            actor=actor,
        )
    except ApplicationError as exc:
        return None, str(exc.message)
    return task, ""


def case_verification_requeue_merged(*, keeper, actor=None, now: datetime | None = None) -> int:
    """Verification calls folded into another call (``keeper``) were never asked: queue them again.

    Scheduling merges a patient's phone calls due close together into the
    earliest one, and a merged call's questionnaire is not asked; once the
    keeper has been worked to its end, each case still waiting for its
    verification gets a new call. Returns how many.
    """
    from huifang.followups.models import FollowUpTask

    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        waiting = Case.objects.select_for_update().filter(
            status=S.VERIFYING,
            verification_task__merged_into=keeper,
            verification_task__status=FollowUpTask.Status.MERGED,
        )
        for case in waiting:
            task, why = _verification_task_create(case, now, actor)
            case.verification_task = task
            case.save(update_fields=["verification_task", "updated_at"])
            event_record(
                case=case,
                actor=None,
                action="verification_started",
                from_status=case.status,
                to_status=case.status,
                note=why or _("The verification call was folded into another call: asked again."),
                data={"task": str(task.uuid) if task else None},
                at=now,
            )
            count += 1
    return count


def _apply_verification(*, case: Case, actor, result: str, note: str, now: datetime) -> None:
    """Satisfied or partly: closed. Not satisfied: back to the department once, then escalated."""
    case.verification_result = result
    case.verified_at = now
    data = {"result": result}
    if result in (V.SATISFIED, V.PARTLY):
        _move(
            case=case,
            actor=actor,
            action="verify",
            event_action="verified",
            to_status=S.CLOSED,
            now=now,
            note=note,
            data=data,
            changes={"result": result},
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.VERIFIED,
            recipients=notifications.department_heads(case),
            now=now,
        )
        return
    if case.reopen_count < settings.HUIFANG_FEEDBACK_REOPEN_LIMIT:
        case.reopen_count += 1
        case.deadline_at = _new_deadline(case, now)
        case.reminded_at = case.overdue_escalated_at = None
        _move(
            case=case,
            actor=actor,
            action="verify",
            event_action="reopened",
            to_status=S.WITH_DEPARTMENT,
            now=now,
            note=note or _("The patient is not satisfied: back to the department."),
            data=data,
            changes={"result": result, "reopen_count": case.reopen_count},
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.REOPENED,
            recipients=[*notifications.department_heads(case), *notifications.service_managers()],
            now=now,
        )
        return
    _move(
        case=case,
        actor=actor,
        action="verify",
        event_action="escalated",
        to_status=S.ESCALATED,
        now=now,
        note=note or _("The patient is still not satisfied after the department's second answer."),
        data=data,
        changes={"result": result},
    )
    notifications.notifications_send(
        case=case,
        kind=Notification.Kind.ESCALATED,
        recipients=notifications.office(),
        now=now,
    )


def case_verify(
    *, actor, case: Case, result: str, note: str = "", now: datetime | None = None
) -> Case:
    """Record what the patient said when called back (when not recorded on the call itself).

    ``satisfied`` or ``partly``: the case is closed with that result.
    ``not_satisfied``: the case goes back to the department with a new
    deadline the first time (``HUIFANG_FEEDBACK_REOPEN_LIMIT``), and is
    escalated to the service manager and the quality office after that.
    An open verification call is cancelled.
    """
    now = now or timezone.now()
    if result not in V.values:
        raise ApplicationError(_("Choose the patient's verdict."), code="invalid_result")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "verify")
        _apply_verification(
            case=case, actor=actor, result=result, note=(note or "").strip(), now=now
        )
        _cancel_verification_task(case, actor, "verified_by_hand")
    return case


def verification_result_from_answers(answers: dict) -> str:
    """The verdict in the ``complaint-verification`` answers.

    Not satisfied: the problem is not solved, or the handling is rated
    dissatisfied. Partly: partly solved, or rated basically satisfied.
    Otherwise satisfied.
    """
    resolved = str(answers.get("resolved") or "")
    try:
        handling = int(answers.get("sat-handling"))
    except (TypeError, ValueError):
        handling = None
    if resolved == "no" or handling == 1:
        return V.NOT_SATISFIED
    if resolved == "partly" or handling == 2:
        return V.PARTLY
    return V.SATISFIED


def case_verify_from_response(*, response) -> Case | None:
    """A verification call's questionnaire was answered: apply its verdict to the case.

    Called inside the transaction that stores the response (the call's);
    returns the case, or ``None`` when the response is not a pending
    verification of a case.
    """
    if response.task_id is None:
        return None
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(verification_task_id=response.task_id, status=S.VERIFYING)
            .first()
        )
        if case is None:
            return None
        answers = {a.item.code: a.value for a in response.answers.select_related("item")}
        result = verification_result_from_answers(answers)
        note = str(answers.get("still-open") or "").strip()
        _apply_verification(
            case=case,
            actor=response.recorded_by,
            result=result,
            note=note,
            now=response.submitted_at,
        )
    return case


def case_close(
    *, actor, case: Case, note: str, result: str = "", now: datetime | None = None
) -> Case:
    """The service manager closes the case, saying why (praise, a suggestion noted, a verdict given).

    An open verification call is cancelled.
    """
    now = now or timezone.now()
    note = _require_note(note, "close")
    if result and result not in V.values:
        raise ApplicationError(_("Choose the patient's verdict."), code="invalid_result")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "close")
        if result:
            case.verification_result, case.verified_at = result, now
        _move(
            case=case,
            actor=actor,
            action="close",
            event_action="closed",
            to_status=S.CLOSED,
            now=now,
            note=note,
            data={"result": result} if result else None,
        )
        _cancel_verification_task(case, actor, "case_closed")
    return case


def case_reopen(*, actor, case: Case, note: str, now: datetime | None = None) -> Case:
    """Reopen a closed case: back to its department with a new deadline counted from today."""
    now = now or timezone.now()
    note = _require_note(note, "reopen")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "reopen")
        case.reopen_count += 1
        case.deadline_at = _new_deadline(case, now)
        case.reminded_at = case.overdue_escalated_at = case.closed_at = None
        case.verification_result = ""
        _move(
            case=case,
            actor=actor,
            action="reopen",
            event_action="reopened",
            to_status=S.WITH_DEPARTMENT,
            now=now,
            note=note,
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.REOPENED,
            recipients=[*notifications.department_heads(case), *notifications.service_managers()],
            now=now,
        )
    return case


def case_escalate(*, actor, case: Case, note: str, now: datetime | None = None) -> Case:
    """Escalate the case to the service manager and the quality office (leadership's attention)."""
    now = now or timezone.now()
    note = _require_note(note, "escalate")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "escalate")
        _move(
            case=case,
            actor=actor,
            action="escalate",
            event_action="escalated",
            to_status=S.ESCALATED,
            now=now,
            note=note,
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.ESCALATED,
            recipients=notifications.office(),
            now=now,
        )
        _cancel_verification_task(case, actor, "case_escalated")
    return case


def case_withdraw(*, actor, case: Case, note: str, now: datetime | None = None) -> Case:
    """Record that the patient withdrew the complaint; the case is kept, never deleted."""
    now = now or timezone.now()
    note = _require_note(note, "withdraw")
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "withdraw")
        _move(
            case=case,
            actor=actor,
            action="withdraw",
            event_action="withdrawn",
            to_status=S.WITHDRAWN,
            now=now,
            note=note,
        )
        _cancel_verification_task(case, actor, "case_withdrawn")
    return case


# A disposition entered a little ahead of the server clock (a slow PC) is accepted.
_FUTURE_TOLERANCE = timedelta(minutes=5)


def case_dispose(
    *,
    actor,
    case: Case,
    disposition: str,
    note: str,
    done_by: str = "",
    done_on: datetime | None = None,
    now: datetime | None = None,
) -> Case:
    """The doctor records what was done about a clinical red flag; that closes it.

    ``disposition``: the patient was seen, advised to come in, admitted, or
    advised by phone; ``note``: what was done; ``done_by`` (default: the
    actor's name) and ``done_on`` (default: now) say by whom and when. Only
    for red flags, by the doctor it was sent to or a clinician or head of
    its department. The service managers are notified; the time counts as
    the department's answer (late when after the deadline). Raises
    ``ApplicationError`` ``disposition_required``, ``note_required``,
    ``done_in_future``.
    """
    now = now or timezone.now()
    if disposition not in Case.Disposition.values:
        raise ApplicationError(
            _("Choose what became of the patient: seen, advised to come in, admitted or advised."),
            code="disposition_required",
        )
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            _("Write what was done for the patient: it goes on the case's timeline."),
            code="note_required",
            details={"action": "dispose"},
        )
    done_on = done_on or now
    if done_on > now + _FUTURE_TOLERANCE:
        raise ApplicationError(
            _("The time it was done cannot be in the future."), code="done_in_future"
        )
    with transaction.atomic():
        case = _locked(case)
        _check(actor, case, "dispose")
        done_by = (done_by or "").strip() or str(actor or "")
        case.disposition, case.disposition_note = disposition, note
        case.disposed_by_name, case.disposed_on = done_by[:50], done_on
        case.answered_at, case.answered_by = now, actor
        late = bool(case.deadline_at and now > case.deadline_at)
        _move(
            case=case,
            actor=actor,
            action="dispose",
            event_action="disposed",
            to_status=S.CLOSED,
            now=now,
            note=note,
            data={
                "disposition": disposition,
                "done_by": done_by,
                "done_on": done_on.isoformat(),
                "late": late,
            },
            changes={"disposition": disposition, "late": late},
        )
        notifications.notifications_send(
            case=case,
            kind=Notification.Kind.ANSWERED,
            recipients=notifications.service_managers(),
            now=now,
        )
    return case


def case_merge(
    *, actor, case: Case, into: Case, note: str = "", now: datetime | None = None
) -> Case:
    """Merge ``case`` into ``into`` (the same patient's): it closes as "merged into #N".

    The merged case keeps its timeline and links to the one it went into,
    which gets a line saying so; the departments involved are added to it;
    a pending verification call of the merged case is cancelled. Service
    managers only; both are audited. Raises ``ApplicationError``
    ``merge_same_case``, ``merge_other_patient`` or ``merge_target_closed``.
    """
    now = now or timezone.now()
    if case.pk == into.pk:
        raise ApplicationError(
            _("Choose another case to merge this one into."), code="merge_same_case"
        )
    with transaction.atomic():
        # Lock both in a fixed order, so two managers merging crosswise cannot deadlock.
        locked = {
            c.pk: c
            for c in Case.objects.select_for_update()
            .filter(pk__in=[case.pk, into.pk])
            .order_by("pk")
        }
        case, into = locked[case.pk], locked[into.pk]
        _check(actor, case, "merge")
        if case.patient_id is None or case.patient_id != into.patient_id:
            raise ApplicationError(
                _("Only cases of the same patient can be merged."), code="merge_other_patient"
            )
        if into.status not in Case.OPEN:
            raise Conflict(
                _("Case %(number)s is “%(status)s”: merge into an open case.")
                % {"number": into.number, "status": into.get_status_display()},
                code="merge_target_closed",
            )
        note = (note or "").strip()
        case.merged_into = into
        _move(
            case=case,
            actor=actor,
            action="merge",
            event_action="merged",
            to_status=S.MERGED,
            now=now,
            note=note or _("Merged into %(number)s.") % {"number": into.number},
            data={"into": into.pk, "into_uuid": str(into.uuid)},
            changes={"merged_into": into.pk},
        )
        involved = workflow.case_department_ids(case) - workflow.case_department_ids(into)
        if involved:
            into.departments.add(*involved)
        into.save(update_fields=["updated_at"])
        event_record(
            case=into,
            actor=actor,
            action="merged_in",
            note=note or _("Case %(number)s was merged into this one.") % {"number": case.number},
            data={"case": case.pk, "case_uuid": str(case.uuid)},
            at=now,
        )
        audit_record(
            actor=actor,
            action="update",
            target=into,
            patient_id=into.patient_id,
            field="merged_cases",
            changes={"merged_in": case.pk, "departments_added": sorted(involved)},
        )
        _cancel_verification_task(case, actor, "case_merged")
    return case
