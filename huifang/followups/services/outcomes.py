"""Recording a contact attempt and applying its outcome's rules.

The outcome table (``Outcome``, seeded by migration 0002 and editable) says
what follows from each result of a call: the task ends, or is retried after
some minutes (in another call window), or moves to the patient's next
number, or waits for the time the patient asked for; and some outcomes
change the patient (deceased, a number that no longer works, an opt-out)
or their other tasks (readmitted, transferred). ``attempt_record`` is the
one place those rules are applied, so the workbench, the API and imports
of call logs all behave the same.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.followups import scheduling, slots
from huifang.followups.models import Channel, ContactAttempt, FollowUpTask, Outcome
from huifang.followups.services import generation
from huifang.followups.services.claims import task_is_held_by_other
from huifang.followups.signals import attempt_recorded
from huifang.patients import services as patient_services
from huifang.patients.models import PhoneNumber

Status = FollowUpTask.Status
Effect = Outcome.PatientEffect

_TASK_RELATIONS = [
    "patient",
    "encounter",
    "plan",
    "touchpoint",
    "phone",
    "merged_into",
    "assigned_to",
    "claimed_by",
    "callback_by",
]

# An attempt recorded a little ahead of the server clock (a slow PC clock)
# is accepted; beyond this it is a typing mistake.
FUTURE_TOLERANCE = timedelta(minutes=5)


_PHONE_STATUS_BY_EFFECT = {
    Effect.NUMBER_INVALID: PhoneNumber.Status.INVALID,
    Effect.NUMBER_SUSPENDED: PhoneNumber.Status.SUSPENDED,
}


def outcome_needs_callback(outcome: Outcome) -> bool:
    """Whether recording ``outcome`` needs the time the patient asked to be called back.

    True for an outcome that keeps the task open but gives no rule for when
    to try again (不方便，约定回访): the agent books the time with the patient.
    """
    return not (
        outcome.ends_task or outcome.try_next_phone or outcome.retry_after_minutes is not None
    )


def outcome_takes_answers(outcome: Outcome) -> bool:
    """Whether a call recorded as ``outcome`` asks the questions (and their required ones).

    Only when someone was reached and talked (reached the patient or a family
    member): no answer, busy or "not convenient, call back at…" are saved
    without answers, so a questionnaire never blocks an unanswered call.
    """
    return outcome.counts_as_success


def _closing_status(outcome: Outcome) -> str:
    """How a task ends when ``outcome`` ends it.

    Done when someone was reached; unreachable when no one could be (no
    phone on record counts here); cancelled when the contact is no longer
    owed (deceased, readmitted, transferred, refused).
    """
    if outcome.counts_as_success or outcome.category == Outcome.Category.REACHED:
        return Status.DONE
    if outcome.category == Outcome.Category.NOT_REACHED or outcome.code == "no_phone":
        return Status.UNREACHABLE
    return Status.CANCELLED


def _call_windows(task: FollowUpTask) -> tuple[slots.Window, ...]:
    """The windows retries go into: the patient's own time when they gave one, else the plan's.

    The same choice scheduling makes for the first slot, so a patient who
    asked for evenings is not retried in the afternoon.
    """
    patient = task.patient
    return scheduling.patient_windows(
        slots.parse_windows(task.touchpoint.call_windows),
        patient.preferred_time_start,
        patient.preferred_time_end,
    )


def _end_of_due_window(task: FollowUpTask) -> datetime:
    return slots.at(task.due_until + timedelta(days=1), datetime.min.time())


def _next_usable_phone(task: FollowUpTask, dialled: PhoneNumber | None) -> PhoneNumber | None:
    """The patient's next number to try: usable, not yet given up on in this task."""
    given_up = set(
        task.attempts_made.filter(outcome__try_next_phone=True, phone__isnull=False).values_list(
            "phone_id", flat=True
        )
    )
    if dialled is not None:
        given_up.add(dialled.pk)
    candidates = [
        phone
        for phone in PhoneNumber.objects.filter(patient_id=task.patient_id)
        if phone.is_usable and phone.pk not in given_up
    ]
    # The patient's own numbers first, then family, then other contacts.
    candidates.sort(key=lambda p: (scheduling.OWNER_ORDER.get(p.owner, 9), not p.is_primary, p.pk))
    return candidates[0] if candidates else None


def _close(task: FollowUpTask, status: str, reason: str) -> None:
    task.status = status
    task.closed_reason = reason


def _validate(
    *,
    task: FollowUpTask,
    outcome: Outcome,
    agent,
    at: datetime,
    note: str,
    callback_at: datetime | None,
    phone: PhoneNumber | None,
    expected_version: int | None,
) -> None:
    if timezone.is_naive(at) or (callback_at is not None and timezone.is_naive(callback_at)):
        raise ValueError("attempt times must be timezone-aware")
    if expected_version is not None and task.version != expected_version:
        raise ApplicationError(
            _(
                "This task changed after you opened it (a colleague recorded a call or a "
                "manager reassigned it); nothing was saved. Reload it to see what happened."
            ),
            code="task_changed",
            status=409,
            details={"version": task.version, "expected": expected_version},
        )
    if getattr(agent, "is_authenticated", False) and task_is_held_by_other(
        task, agent, timezone.now()
    ):
        holder = type(agent).objects.filter(pk=task.claimed_by_id).first()
        raise ApplicationError(
            _("%(name)s is working on this task; nothing was saved.")
            % {"name": (holder.display_name or holder.username) if holder else "?"},
            code="task_claimed",
            status=409,
        )
    if task.status != Status.PENDING:
        raise ApplicationError(
            f"该回访任务已结束（{task.get_status_display()}），不能再登记回访结果",
            code="task_closed",
            status=409,
            details={"status": task.status},
        )
    if not outcome.is_active:
        raise ApplicationError(
            f"回访结果“{outcome.label_zh}”已停用，请选择其他结果",
            code="outcome_inactive",
            details={"outcome": outcome.code},
        )
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise ApplicationError("回访时间不能晚于当前时间，请核对通话时间", code="attempt_in_future")
    if outcome.note_required and not note.strip():
        raise ApplicationError(
            f"登记“{outcome.label_zh}”时必须填写备注，请说明具体情况",
            code="note_required",
            details={"outcome": outcome.code},
        )
    if callback_at is None and outcome_needs_callback(outcome):
        raise ApplicationError(
            f"登记“{outcome.label_zh}”时请填写与患者约定的回访时间",
            code="callback_required",
            details={"outcome": outcome.code},
        )
    if callback_at is not None:
        _validate_callback(task=task, callback_at=callback_at, at=at)
    if phone is not None and phone.patient_id != task.patient_id:
        raise ApplicationError("所拨号码不属于该患者，请刷新页面后重试", code="phone_not_patients")


def callback_hours() -> slots.Window:
    """The hours of the day a callback may be booked in (``HUIFANG_CALLBACK_HOURS``, end included)."""
    start, _sep, end = settings.HUIFANG_CALLBACK_HOURS.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def task_call_windows(task: FollowUpTask) -> tuple[slots.Window, ...]:
    """The windows ``task`` is called in: the patient's own time when they gave one, else the plan's."""
    return _call_windows(task)


def _validate_callback(*, task: FollowUpTask, callback_at: datetime, at: datetime) -> None:
    """A booked callback is in the future and not at night (unless it is the patient's own time).

    The patient's stated time is kept even outside the call windows (some
    are best reached 19:00–21:00); the workbench warns about those. A time
    before the call, or outside ``HUIFANG_CALLBACK_HOURS`` and the patient's
    preferred time (03:00 is a typing slip, or a promise no one keeps), is
    refused with the hours that would do.
    """
    if callback_at <= at:
        raise ApplicationError(
            _("The callback time %(when)s is not after this call: book a later time.")
            % {"when": timezone.localtime(callback_at, slots.local_zone()).strftime("%m-%d %H:%M")},
            code="callback_in_past",
        )
    moment = timezone.localtime(callback_at, slots.local_zone()).time()
    start, end = callback_hours()
    if start <= moment <= end:
        return
    patient = task.patient
    own = scheduling.patient_windows((), patient.preferred_time_start, patient.preferred_time_end)
    if patient.preferred_time_start is not None and slots.window_of(callback_at, own) is not None:
        return
    raise ApplicationError(
        _(
            "%(time)s is outside the hours the centre calls back (%(start)s–%(end)s): "
            "agree on a time in those hours with the patient."
        )
        % {
            "time": moment.strftime("%H:%M"),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        },
        code="callback_at_night",
        details={"hours": [start.isoformat("minutes"), end.isoformat("minutes")]},
    )


def _schedule_retry(task: FollowUpTask, outcome: Outcome, at: datetime) -> None:
    """Next slot after the retry delay, in another window if the outcome says so."""
    if task.attempts >= task.max_attempts:
        _close(task, Status.UNREACHABLE, "max_attempts")
        return
    windows = _call_windows(task)
    avoid = slots.window_of(at, windows) if outcome.next_window else None
    after = at + timedelta(minutes=outcome.retry_after_minutes or 0)
    _next_attempt_or_close(task, slots.next_slot(after, windows, avoid_window=avoid))


def _next_attempt_or_close(task: FollowUpTask, candidate: datetime) -> None:
    if candidate >= _end_of_due_window(task):
        _close(task, Status.UNREACHABLE, "window_ended")
    else:
        task.next_attempt_at = candidate


def _switch_phone(task: FollowUpTask, dialled: PhoneNumber | None, at: datetime) -> None:
    """Move the task to the patient's next usable number, to be dialled from the next slot."""
    following = _next_usable_phone(task, dialled)
    if following is None:
        _close(task, Status.UNREACHABLE, "no_usable_phone")
        return
    task.phone = following
    if task.attempts >= task.max_attempts:
        _close(task, Status.UNREACHABLE, "max_attempts")
        return
    _next_attempt_or_close(task, slots.next_slot(at, _call_windows(task)))


def _book_callback(task: FollowUpTask, callback_at: datetime) -> None:
    """Call back at the time the patient asked for.

    A booked time is kept even past the attempt limit or the due window: the
    patient answered and chose it. The due window stretches to that day so
    the task is not taken for overdue.
    """
    task.next_attempt_at = callback_at
    callback_day = slots.local_day(callback_at)
    if callback_day > task.due_until:
        task.due_until = callback_day


def _apply_patient_effect(
    *, task: FollowUpTask, outcome: Outcome, agent, at: datetime, dialled: PhoneNumber | None
) -> dict[str, int]:
    """Change the patient and their other tasks as ``outcome`` requires; returns what was cancelled."""
    effect = outcome.patient_effect
    cancelled: dict[str, int] = {}
    if effect == Effect.DECEASED:
        # Cancelled first, to count them: recording the death cancels too.
        cancelled["patient"] = generation.tasks_cancel_for_patient(
            patient_id=task.patient_id, reason="deceased"
        )
        patient = task.patient
        if patient.deceased_on is None:
            patient_services.patient_update(
                actor=agent, patient=patient, deceased_on=timezone.localdate(at)
            )
    elif effect in _PHONE_STATUS_BY_EFFECT and dialled is not None:
        patient_services.phone_set_status(
            actor=agent,
            phone=dialled,
            status=_PHONE_STATUS_BY_EFFECT[effect],
            reason=f"回访结果：{outcome.label_zh}",
        )
    elif effect == Effect.OPTED_OUT:
        patient_services.patient_opt_out(
            actor=agent, patient=task.patient, channels=[Channel.PHONE]
        )
        cancelled["patient"] = generation.tasks_cancel_for_patient(
            patient_id=task.patient_id, reason="opted_out", channels=[Channel.PHONE]
        )
    elif effect in (Effect.READMITTED, Effect.TRANSFERRED):
        cancelled["encounter"] = generation.tasks_cancel_for_encounter(
            encounter_id=task.encounter_id, reason=effect
        )
    return cancelled


def attempt_record(
    *,
    task: FollowUpTask,
    outcome: Outcome,
    agent,
    at: datetime,
    note: str = "",
    callback_at: datetime | None = None,
    phone: PhoneNumber | None = None,
    expected_version: int | None = None,
    started_at: datetime | None = None,
    answers: dict | None = None,
    education: list[str] | None = None,
    education_note: str = "",
    red_flag: str = "",
    feedback: list[dict] | None = None,
) -> ContactAttempt:
    """Record one attempt to reach the patient of ``task`` and apply ``outcome``'s rules.

    ``phone`` is the number dialled (default: the task's). In one
    transaction, with the task row locked so two agents cannot record on it
    at once: the attempt is saved, the task's attempt count goes up, and
    then, in this order —

    - an outcome that ends the task closes it (done / unreachable /
      cancelled, see ``_closing_status``);
    - "try the next phone" moves the task to the next usable number (the
      patient's own first, then family), or ends it as unreachable;
    - "retry after N minutes" picks the next slot in the call windows (a
      different window when the outcome says so); past the attempt limit or
      the end of the due window the task ends as unreachable
      (``max_attempts`` / ``window_ended``);
    - a booked ``callback_at`` (required for 不方便，约定回访) becomes the
      next attempt, instead of the computed retry;
    - the patient effect: deceased marks the patient and cancels every
      pending task of every plan; an invalid or suspended number is marked
      on the number dialled; an opt-out stops phone contact; readmitted or
      transferred cancels the encounter's other tasks.

    Raises ``ApplicationError``: ``task_closed``, ``note_required``,
    ``callback_required``, ``callback_in_past``, ``callback_at_night``
    (outside ``HUIFANG_CALLBACK_HOURS`` and the patient's own time),
    ``attempt_in_future``,
    ``outcome_inactive``, ``phone_not_patients``; ``task_changed`` (409)
    when ``expected_version`` — the version the agent's page showed — is no
    longer the task's (a colleague recorded or a manager reassigned it
    meanwhile), and ``task_claimed`` when a colleague holds the task: then
    nothing is written. Recording releases the agent's claim; a booked
    callback stays with the agent who booked it.

    ``answers`` (the questions asked on the call), ``education`` (checklist
    items taught) and ``education_note`` are kept on the attempt.
    ``red_flag`` (a worrying condition the patient reported) and
    ``feedback`` (complaints, suggestions, praise) go out on the
    ``attempt_recorded`` signal inside this transaction; the feedback app
    opens the cases. Audited (the attempt, never the number in clear).
    """
    with transaction.atomic():
        locked = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("patient", "touchpoint", "phone", "claimed_by")
            .get(pk=task.pk)
        )
        dialled = phone if phone is not None else locked.phone
        _validate(
            task=locked,
            outcome=outcome,
            agent=agent,
            at=at,
            note=note,
            callback_at=callback_at,
            phone=dialled,
            expected_version=expected_version,
        )
        before = {
            "status": locked.status,
            "next_attempt_at": locked.next_attempt_at,
            "phone": locked.phone_id,
        }
        attempt = ContactAttempt(
            task=locked,
            outcome=outcome,
            phone=dialled,
            agent=agent if getattr(agent, "is_authenticated", False) else None,
            at=at,
            started_at=started_at if started_at is not None and started_at <= at else None,
            note=note.strip(),
            callback_at=callback_at,
            answers=answers or {},
            education=list(education or []),
            education_note=education_note.strip(),
            red_flag=red_flag.strip(),
        )
        # The related rows were just read (the task under lock): checking each
        # foreign key again would cost a query apiece on every call.
        attempt.full_clean(exclude=["task", "outcome", "phone", "agent"])
        attempt.save()

        locked.attempts += 1
        locked.version += 1
        locked.claimed_by = None
        locked.lease_expires_at = None
        locked.callback_by = None
        if outcome.ends_task:
            _close(locked, _closing_status(outcome), outcome.code)
        else:
            if outcome.try_next_phone:
                _switch_phone(locked, dialled, at)
            elif callback_at is None:
                _schedule_retry(locked, outcome, at)
            if callback_at is not None and locked.status == Status.PENDING:
                _book_callback(locked, callback_at)
                if attempt.agent is not None:
                    locked.callback_by = attempt.agent
        # Field checks only: the row is locked and its keys and uniques are unchanged.
        locked.full_clean(
            exclude=_TASK_RELATIONS, validate_unique=False, validate_constraints=False
        )
        locked.save()

        # After the task is saved closed, so cancelling "every pending task"
        # does not race with this one's own row.
        cancelled = _apply_patient_effect(
            task=locked, outcome=outcome, agent=agent, at=at, dialled=dialled
        )

        audit_record(
            actor=agent,
            action="create",
            target=attempt,
            patient_id=locked.patient_id,
            changes={
                "task": str(locked.uuid),
                "outcome": outcome.code,
                "at": at.isoformat(),
                "callback_at": callback_at.isoformat() if callback_at else None,
                "phone": "***" if dialled is not None else None,
                "phone_owner": dialled.owner if dialled is not None else None,
                "attempts": locked.attempts,
                "task_status": [before["status"], locked.status],
                "next_attempt_at": [
                    before["next_attempt_at"].isoformat(),
                    locked.next_attempt_at.isoformat(),
                ],
                "phone_switched": before["phone"] != locked.phone_id,
                "closed_reason": locked.closed_reason,
                "cancelled": cancelled,
                "red_flag": bool(attempt.red_flag),
                "feedback": len(feedback or []),
            },
        )
        attempt_recorded.send(
            sender=ContactAttempt,
            attempt=attempt,
            task=locked,
            agent=agent,
            feedback=list(feedback or []),
            red_flag=attempt.red_flag,
        )

    task.refresh_from_db()  # the caller's copy may be stale: show it what was saved
    return attempt
