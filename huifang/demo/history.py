"""The demo's past: the calls made on tasks whose window has ended, and their feedback.

``history_build`` runs after the patients (and, through the receivers,
their follow-up tasks) are written. Tasks whose due window ended before
``today`` get one to three contact attempts with the outcome mix a
follow-up centre sees (most reached, the rest spread over no answer, busy,
switched off, dead numbers, refusals and a few deceased, readmitted or
transferred patients); tasks due today or later stay open for the
worklist. Its web questionnaires (the day-15 satisfaction survey) were sent
by SMS, and about half were answered (``_passed_surveys_as_sent``), as the
sender would have left them. Everything is drawn from ``random.Random`` seeded with the demo's
seed, so the same seed and ``today`` give the same figures.

The rows are written in bulk, not through ``attempt_record`` (one call at a
time would take minutes), but with what ``attempt_record`` would leave:
the task's status, attempt count, version and closing reason, the outcome
codes of the seeded ``Outcome`` table, the dialled number marked invalid
or suspended, deceased patients marked with their open tasks cancelled,
readmitted or transferred encounters' other tasks cancelled.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.demo.plan import DEMO_DOCTOR
from huifang.feedback.models import Case
from huifang.followups import slots
from huifang.followups.models import (
    Channel,
    ContactAttempt,
    FollowUpTask,
    Outcome,
    PassedTouchpoint,
    Plan,
    Touchpoint,
)
from huifang.followups.scheduling import PHONE_USABLE
from huifang.followups.services.generation import RECONCILABLE
from huifang.patients.models import Patient, PhoneNumber
from huifang.surveys import answers as answer_rules
from huifang.surveys.models import (
    Answer,
    Dispatch,
    Item,
    ItemKind,
    Questionnaire,
    Response,
    SurveyChannel,
)

Status = FollowUpTask.Status
_BATCH = 500

# How a task's calls end, in shares per thousand (domain.md: 70-92 % reached).
_ENDINGS = (
    ("reached_patient", 640),
    ("reached_family", 190),
    ("unreachable", 55),  # every attempt: no answer, busy, switched off, scam hang-up
    ("number_suspended", 20),
    ("number_invalid", 20),
    ("refused", 25),
    ("communication_barrier", 15),
    ("readmitted", 12),
    ("transferred", 8),
    ("deceased", 5),
)
_RETRYABLE = (("no_answer", 50), ("busy", 20), ("switched_off", 20), ("scam_hangup", 10))
_SATISFACTION = (("satisfied", 86), ("fairly_satisfied", 11), ("dissatisfied", 3))
_RECOVERY = (("good", 70), ("fair", 25), ("poor", 5))
_MEDICATION = (
    ("as_prescribed", 70),
    ("sometimes_missed", 10),
    ("stopped", 3),
    ("none_prescribed", 17),
)
_NOTES = {
    "refused": ("患者表示身体已恢复，不需要回访", "家属称不方便接受电话回访", "患者拒绝回答问题"),
    "communication_barrier": ("患者听力差，家属不在身边", "患者只讲方言，无法沟通"),
    "deceased": ("家属告知患者已于近日去世，已致哀",),
}
_SUGGESTIONS = (
    "希望门诊挂号再方便一些",
    "停车位太少",
    "病房晚上有点吵",
    "出院结算排队时间长",
)
# Morning and afternoon, as the default call windows.
_CALL_HOURS = ((9, 0, 11, 30), (14, 0, 17, 0))


@dataclass
class HistoryResult:
    attempts: int
    tasks_closed: int
    cases: int


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _moment(rng: random.Random, day: date) -> datetime:
    h0, m0, h1, m1 = rng.choice(_CALL_HOURS)
    minutes = rng.randint(h0 * 60 + m0, h1 * 60 + m1 - 10)
    return slots.at(day, time(minutes // 60, minutes % 60, rng.randint(0, 59)))


def _call_days(rng: random.Random, task: FollowUpTask, count: int, before: date) -> list[date]:
    """``count`` working-ish days inside the task's window, in order, all before ``before``."""
    last = min(task.due_until, before - timedelta(days=1))
    first = min(task.due_from, last)
    span = (last - first).days
    days = sorted(first + timedelta(days=rng.randint(0, span)) for _ in range(count))
    return days


def _attempt(rng, *, task, outcome, agent, at, reached: bool) -> ContactAttempt:
    handling = rng.randint(150, 540) if reached else rng.randint(20, 75)
    answers = {}
    if reached:
        answers = {
            "recovery": _pick(rng, _RECOVERY),
            "medication": _pick(rng, _MEDICATION),
            "satisfaction": _pick(rng, _SATISFACTION),
        }
        if rng.random() < 0.05:
            answers["suggestions"] = rng.choice(_SUGGESTIONS)
    note = rng.choice(_NOTES[outcome.code]) if outcome.code in _NOTES else ""
    return ContactAttempt(
        task=task,
        outcome=outcome,
        phone_id=task.phone_id,
        agent=agent,
        at=at,
        started_at=at - timedelta(seconds=handling),
        note=note,
        answers=answers,
    )


def _agent_for(rng: random.Random, task: FollowUpTask, agents: dict[str, User], nk_wk: set[int]):
    if task.encounter.department_id in nk_wk and rng.random() < 0.45:
        return agents["agent2"]
    return agents["agent"]


def _closing_status(outcome: Outcome) -> str:
    # As ``outcomes._closing_status``.
    if outcome.counts_as_success or outcome.category == Outcome.Category.REACHED:
        return Status.DONE
    if outcome.category == Outcome.Category.NOT_REACHED or outcome.code == "no_phone":
        return Status.UNREACHABLE
    return Status.CANCELLED


def _bulk_update(model, objects, fields) -> None:
    model.objects.bulk_update(objects, fields, batch_size=_BATCH)


def _passed_records(channel: str, today: date) -> list[dict]:
    """The passed touchpoints on ``channel`` of living patients whose window ended before ``today``."""
    return list(
        PassedTouchpoint.objects.filter(
            channel=channel,
            due_until__lt=today,
            encounter__patient__deceased_on__isnull=True,
        )
        .order_by("encounter_id", "touchpoint_id", "sequence")
        .values(
            "encounter_id",
            "encounter__patient_id",
            "touchpoint_id",
            "sequence",
            "plan_id",
            "due_from",
            "due_until",
            "first_slot",
        )
    )


def _passed_calls_as_tasks(today: date) -> int:
    """The demo's centre existed then: its passed phone touchpoints become the tasks it worked.

    The demo is written at once, after most windows ended, so generation
    records those touchpoints as passed (back-filled history). Each phone
    one of a living patient with a usable number becomes a task again, on
    that number, for ``_history_calls`` to call; the others stay passed.
    """
    records = _passed_records(Channel.PHONE, today)
    phones: dict[int, int] = {}
    for phone_id, patient_id in (
        PhoneNumber.objects.filter(
            patient_id__in={r["encounter__patient_id"] for r in records},
            status__in=PHONE_USABLE,
        )
        .order_by("patient_id", "-is_primary", "id")
        .values_list("id", "patient_id")
    ):
        phones.setdefault(patient_id, phone_id)
    versions = dict(Plan.objects.values_list("id", "version"))
    touchpoints = {t.id: t for t in Touchpoint.objects.all()}
    records = [r for r in records if r["encounter__patient_id"] in phones]
    FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                patient_id=r["encounter__patient_id"],
                encounter_id=r["encounter_id"],
                plan_id=r["plan_id"],
                plan_version=versions[r["plan_id"]],
                touchpoint_id=r["touchpoint_id"],
                sequence=r["sequence"],
                channel=Channel.PHONE,
                status=Status.WINDOW_PASSED,
                due_from=r["due_from"],
                due_until=r["due_until"],
                first_slot=r["first_slot"],
                next_attempt_at=r["first_slot"],
                max_attempts=touchpoints[r["touchpoint_id"]].max_attempts,
                priority=touchpoints[r["touchpoint_id"]].priority,
                phone_id=phones[r["encounter__patient_id"]],
                reason={"text": "演示数据：窗口期内安排的回访"},
            )
            for r in records
        ],
        batch_size=_BATCH,
    )
    keys = [(r["encounter_id"], r["touchpoint_id"], r["sequence"]) for r in records]
    for start in range(0, len(keys), _BATCH):
        PassedTouchpoint.objects.filter(pk__in=keys[start : start + _BATCH]).delete()
    return len(records)


# Web surveys of the past: how many answered (per hundred), and the answers given.
_SURVEY_ANSWERED = 45
_SCALE_ANSWERS = {
    ItemKind.SATISFACTION5: ((5, 45), (4, 38), (3, 11), (2, 4), (1, 2)),
    ItemKind.SATISFACTION3: ((3, 80), (2, 16), (1, 4)),
    ItemKind.FREQUENCY4: ((4, 58), (3, 28), (2, 10), (1, 4)),
    ItemKind.RATING10: ((10, 30), (9, 28), (8, 22), (7, 10), (6, 5), (5, 3), (3, 2)),
}


def _survey_answer(rng: random.Random, item: Item):
    if item.kind in _SCALE_ANSWERS:
        return _pick(rng, _SCALE_ANSWERS[item.kind])
    if item.kind == ItemKind.YESNO:
        bad = "yes" in (item.feedback_values or []) or "yes" in (item.red_flag_values or [])
        return _pick(rng, (("no", 97), ("yes", 3)) if bad else (("yes", 88), ("no", 12)))
    if item.kind == ItemKind.SINGLE and item.options:
        return item.options[0]["value"]
    return None


def _passed_surveys_as_sent(rng: random.Random, today: date) -> int:
    """The demo's centre sent its web questionnaires: its passed web touchpoints become sent surveys.

    Each passed web touchpoint of a living patient with a usable mobile
    becomes what the sender leaves (``messaging.services.web_surveys``): a
    done task with its ``survey_sent`` attempt and an SMS dispatch; about
    ``_SURVEY_ANSWERED`` in a hundred were answered (a response, and the
    ``survey_completed`` attempt), the others expired. The rest stay passed.
    """
    records = _passed_records(Channel.WEB, today)
    mobiles = set(
        PhoneNumber.objects.filter(
            patient_id__in={r["encounter__patient_id"] for r in records},
            status__in=PHONE_USABLE,
            line_type=PhoneNumber.LineType.MOBILE,
        ).values_list("patient_id", flat=True)
    )
    touchpoints = {t.id: t for t in Touchpoint.objects.filter(channel=Channel.WEB)}
    questionnaires = {
        q.code: (q, [i for i in q.items.all() if not i.agent_only and not i.condition])
        for q in Questionnaire.objects.filter(status=Questionnaire.Status.ACTIVE)
    }
    records = [
        r
        for r in records
        if r["encounter__patient_id"] in mobiles
        and touchpoints[r["touchpoint_id"]].questionnaire_code in questionnaires
    ]
    if not records:
        return 0
    versions = dict(Plan.objects.values_list("id", "version"))
    answered = [rng.randrange(100) < _SURVEY_ANSWERED for _ in records]
    tasks = FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                patient_id=r["encounter__patient_id"],
                encounter_id=r["encounter_id"],
                plan_id=r["plan_id"],
                plan_version=versions[r["plan_id"]],
                touchpoint_id=r["touchpoint_id"],
                sequence=r["sequence"],
                channel=Channel.WEB,
                status=Status.DONE,
                closed_reason="survey_completed" if done else "survey_sent",
                due_from=r["due_from"],
                due_until=r["due_until"],
                first_slot=r["first_slot"],
                next_attempt_at=r["first_slot"],
                attempts=2 if done else 1,
                max_attempts=touchpoints[r["touchpoint_id"]].max_attempts,
                priority=touchpoints[r["touchpoint_id"]].priority,
                reason={"text": "演示数据：窗口期内发送的网上问卷"},
            )
            for r, done in zip(records, answered, strict=True)
        ],
        batch_size=_BATCH,
    )
    keys = [(r["encounter_id"], r["touchpoint_id"], r["sequence"]) for r in records]
    for start in range(0, len(keys), _BATCH):
        PassedTouchpoint.objects.filter(pk__in=keys[start : start + _BATCH]).delete()
    outcomes = {o.code: o for o in Outcome.objects.filter(code__startswith="survey_")}
    attempts, dispatches, replies = [], [], []
    for task, done in zip(tasks, answered, strict=True):
        sent = task.first_slot
        questionnaire, items = questionnaires[touchpoints[task.touchpoint_id].questionnaire_code]
        attempts.append(
            ContactAttempt(
                task=task,
                outcome=outcomes["survey_sent"],
                at=sent,
                note="网上问卷链接已通过短信发送",
            )
        )
        answered_at = sent + timedelta(hours=rng.randrange(1, 72)) if done else None
        dispatches.append(
            Dispatch(
                questionnaire=questionnaire,
                patient_id=task.patient_id,
                encounter_id=task.encounter_id,
                task=task,
                channel=SurveyChannel.SMS,
                status=Dispatch.Status.COMPLETED if done else Dispatch.Status.EXPIRED,
                expires_at=sent + timedelta(days=14),
                sent_at=sent,
                opened_at=answered_at,
                completed_at=answered_at,
            )
        )
        if done:
            attempts.append(
                ContactAttempt(task=task, outcome=outcomes["survey_completed"], at=answered_at)
            )
            replies.append((questionnaire, items, task, answered_at))
    ContactAttempt.objects.bulk_create(attempts, batch_size=_BATCH)
    Dispatch.objects.bulk_create(dispatches, batch_size=_BATCH)
    by_task = {d.task_id: d for d in dispatches}
    responses = [
        Response(
            questionnaire=questionnaire,
            dispatch=by_task[task.pk],
            patient_id=task.patient_id,
            encounter_id=task.encounter_id,
            task=task,
            channel=SurveyChannel.SMS,
            submitted_at=at,
        )
        for questionnaire, _items, task, at in replies
    ]
    Response.objects.bulk_create(responses, batch_size=_BATCH)
    answers = []
    for response, (_q, items, _task, _at) in zip(responses, replies, strict=True):
        for item in items:
            value = _survey_answer(rng, item)
            if value is None:
                continue
            answers.append(
                Answer(
                    response=response,
                    item=item,
                    value=value,
                    number=answer_rules.answer_number(item, value),
                    opens_feedback=answer_rules.matches(item.feedback_values, value),
                    red_flag=answer_rules.matches(item.red_flag_values, value),
                )
            )
    Answer.objects.bulk_create(answers, batch_size=_BATCH)
    return len(tasks)


def _history_calls(rng: random.Random, today: date, agents: dict[str, User]):
    outcomes = {outcome.code: outcome for outcome in Outcome.objects.all()}
    nk_wk = set(
        Department.objects.filter(
            Q(code__in=["NK", "WK"]) | Q(parent__code__in=["NK", "WK"])
        ).values_list("pk", flat=True)
    )
    tasks = list(
        FollowUpTask.objects.filter(
            # Created after their window (the demo is written at once): what the
            # centre would have called while they were due.
            status__in=[Status.PENDING, Status.WINDOW_PASSED],
            channel=Channel.PHONE,
            due_until__lt=today,
            phone__isnull=False,
            patient__deceased_on__isnull=True,
        )
        .select_related("encounter")
        .order_by("encounter__number", "touchpoint__code", "sequence")
    )
    attempts: list[ContactAttempt] = []
    closed: list[FollowUpTask] = []
    dead_phones: dict[int, str] = {}
    deceased: dict[int, date] = {}
    encounters_ended: dict[int, str] = {}
    for task in tasks:
        ending = _pick(rng, _ENDINGS)
        agent = _agent_for(rng, task, agents, nk_wk)
        if ending == "unreachable":
            codes = [_pick(rng, _RETRYABLE) for _ in range(task.max_attempts)]
        else:
            # Some were reached only on the second or third try.
            failures = rng.choices([0, 1, 2], weights=[70, 22, 8])[0]
            failures = min(failures, task.max_attempts - 1)
            codes = [_pick(rng, _RETRYABLE) for _ in range(failures)] + [ending]
        days = _call_days(rng, task, len(codes), today)
        moments = sorted(_moment(rng, day) for day in days)
        for code, at in zip(codes, moments, strict=True):
            outcome = outcomes[code]
            attempts.append(
                _attempt(
                    rng,
                    task=task,
                    outcome=outcome,
                    agent=agent,
                    at=at,
                    reached=outcome.category == Outcome.Category.REACHED,
                )
            )
        last = outcomes[codes[-1]]
        task.attempts = len(codes)
        task.version += len(codes)
        if len(moments) > 1:
            task.next_attempt_at = moments[-1]
        if last.ends_task or last.patient_effect:
            task.status = _closing_status(last)
            task.closed_reason = last.code
        else:
            task.status = Status.UNREACHABLE
            task.closed_reason = "max_attempts"
        if last.code in ("number_suspended", "number_invalid"):
            dead_phones[task.phone_id] = (
                PhoneNumber.Status.SUSPENDED
                if last.code == "number_suspended"
                else PhoneNumber.Status.INVALID
            )
        elif last.code == "deceased":
            deceased.setdefault(task.patient_id, timezone_date(moments[-1]))
        elif last.code in ("readmitted", "transferred"):
            encounters_ended.setdefault(task.encounter_id, last.code)
        closed.append(task)
    _bulk_update(
        FollowUpTask, closed, ["status", "closed_reason", "attempts", "version", "next_attempt_at"]
    )
    ContactAttempt.objects.bulk_create(attempts, batch_size=_BATCH)
    # ``created_at`` is set on insert; a past call was recorded when it was made.
    for attempt in attempts:
        attempt.created_at = attempt.at
    _bulk_update(ContactAttempt, attempts, ["created_at"])
    for status in (PhoneNumber.Status.SUSPENDED, PhoneNumber.Status.INVALID):
        PhoneNumber.objects.filter(
            pk__in=[pk for pk, s in dead_phones.items() if s == status]
        ).update(status=status)
    for reason in ("readmitted", "transferred"):
        FollowUpTask.objects.filter(
            encounter_id__in=[pk for pk, r in encounters_ended.items() if r == reason],
            status__in=RECONCILABLE,
        ).update(status=Status.CANCELLED, closed_reason=reason)
    patients = list(Patient.objects.filter(pk__in=list(deceased)))
    for patient in patients:
        patient.deceased_on = deceased[patient.pk]
    _bulk_update(Patient, patients, ["deceased_on"])
    return attempts, closed


def timezone_date(moment: datetime) -> date:
    return moment.astimezone(slots.local_zone()).date()


def _cancel_for_deceased() -> None:
    # As ``generation.tasks_cancel_for_patient``: a deceased patient is owed no call.
    FollowUpTask.objects.filter(patient__deceased_on__isnull=False, status__in=RECONCILABLE).update(
        status=Status.CANCELLED, closed_reason="deceased"
    )


# (kind, category, severity, description)
_CASES = (
    ("complaint", "attitude", "normal", "出院时护士交代事项不耐烦，家属问了两遍才说清楚"),
    ("complaint", "process", "normal", "出院结算排队一个多小时，窗口只开了一个"),
    ("complaint", "cost", "normal", "出院清单上有一项检查没有做过，要求核对费用"),
    ("complaint", "environment", "low", "病区卫生间地面湿滑，晚上灯光太暗"),
    ("complaint", "communication", "high", "医生查房时没有解释手术风险，家属不清楚术后注意事项"),
    ("complaint", "food", "low", "病号饭太咸，不适合高血压患者"),
    ("complaint", "technique", "high", "输液时扎了三次才成功，手背淤青"),
    ("suggestion", "process", "low", "建议出院后能在手机上查检查报告"),
    ("suggestion", "facilities", "low", "建议病区增加陪护椅"),
    ("suggestion", "environment", "low", "建议门诊增加饮水机"),
    ("praise", "attitude", "low", "感谢外科护士长细心照顾，术后恢复很好"),
    ("praise", "technique", "low", "感谢主治医生手术做得好，出院后恢复顺利"),
)
# (status, share): some closed after verification, some overdue at a department.
_CASE_STATES = (
    ("closed", 40),
    ("with_department", 20),
    ("answered", 10),
    ("verifying", 10),
    ("triaged", 8),
    ("new", 7),
    ("escalated", 5),
)


def _history_cases(
    rng: random.Random, today: date, agents: dict[str, User], attempts, count: int
) -> int:
    reached = [
        a for a in attempts if a.outcome.category == Outcome.Category.REACHED and a.task.encounter
    ]
    if not reached or count <= 0:
        return 0
    chosen = sorted(rng.sample(reached, min(count, len(reached))), key=lambda a: a.at)
    now = slots.at(today, time(8, 0))
    cases = []
    for attempt in chosen:
        kind, category, severity, description = rng.choice(_CASES)
        status = _pick(rng, _CASE_STATES) if kind == "complaint" else "closed"
        if kind == "suggestion" and rng.random() < 0.5:
            status = "with_department"
        created = attempt.at + timedelta(minutes=1)
        deadline = created + timedelta(days=rng.choice([5, 7, 10]))
        case = Case(
            kind=kind,
            source=Case.Source.AGENT,
            status=status,
            patient_id=attempt.task.patient_id,
            encounter_id=attempt.task.encounter_id,
            task_id=attempt.task_id,
            attempt=attempt,
            department_id=attempt.task.encounter.department_id,
            channel=Case.Channel.PHONE,
            category=category,
            severity=severity,
            description=description,
            deadline_at=deadline if kind != "praise" else None,
            reported_by=attempt.agent,
        )
        if status in ("answered", "verifying", "closed"):
            case.answered_at = min(created + timedelta(days=rng.randint(1, 6)), now)
            case.answered_by = agents["head_medicine"]
            case.reply = "已与相关科室核实并向患者说明情况"
            if kind == "complaint":
                case.cause = "科室核实属实，已在科会上讨论"
                case.rectification = "已组织相关人员学习服务规范"
        if status == "closed":
            case.closed_at = min(case.answered_at + timedelta(days=rng.randint(1, 4)), now)
            if kind == "complaint":
                case.verification_result = _pick(
                    rng,
                    (
                        (Case.Verification.SATISFIED, 75),
                        (Case.Verification.PARTLY, 20),
                        (Case.Verification.NOT_SATISFIED, 5),
                    ),
                )
                case.verified_at = case.closed_at
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=_BATCH)
    for case in cases:
        case.created_at = case.attempt.at + timedelta(minutes=1)
        case.updated_at = case.closed_at or case.answered_at or case.created_at
    _bulk_update(Case, cases, ["created_at", "updated_at"])
    return len(cases)


def history_build(*, seed: int, today: date) -> HistoryResult:
    """Write the calls, answers and feedback of the demo's past (see the module's doc)."""
    rng = random.Random(f"{seed}-history")  # noqa: S311  (demo data, not secrets)
    agents = {user.username: user for user in User.objects.filter(username__in=_STAFF)}
    _passed_calls_as_tasks(today)
    _passed_surveys_as_sent(random.Random(f"{seed}-surveys"), today)  # noqa: S311
    attempts, closed = _history_calls(rng, today, agents)
    _cancel_for_deceased()
    cases = _history_cases(rng, today, agents, attempts, count=max(12, len(closed) // 60))
    cases += _clinician_work(today, agents["agent"])
    return HistoryResult(attempts=len(attempts), tasks_closed=len(closed), cases=cases)


# What the demo doctor finds on their start page: red flags from recent calls
# and a callback an agent asked for (symptoms only, no diagnosis named).
_RED_FLAGS = (
    "出院后第三天伤口周围红肿、渗液，伴低热 37.8℃",
    "近两天活动后胸闷气短加重，夜间不能平卧",
)


def _clinician_work(today: date, agent: User) -> int:
    """Two open red flags to the demo doctor by name and one doctor's callback; returns the cases."""
    from huifang.feedback.services import case_create
    from huifang.followups.services.followon import task_doctor_callback_create

    doctor = User.objects.filter(username="doctor").first()
    if doctor is None:
        return 0
    since = slots.at(today - timedelta(days=7), time(0, 0))
    recent = (
        ContactAttempt.objects.filter(
            at__gte=since,
            outcome__category=Outcome.Category.REACHED,
            task__encounter__attending_doctor=DEMO_DOCTOR,
        )
        .select_related("task__encounter__department", "task__patient")
        .order_by("-at")
    )
    opened = 0
    for attempt, text in zip(recent, _RED_FLAGS, strict=False):
        encounter = attempt.task.encounter
        case_create(
            actor=agent,
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description=text,
            patient=attempt.task.patient,
            encounter=encounter,
            channel=Case.Channel.PHONE,
            task=attempt.task,
        )
        opened += 1
    pending = (
        FollowUpTask.objects.filter(
            status=Status.PENDING, encounter__attending_doctor=DEMO_DOCTOR, assigned_to=None
        )
        .select_related("encounter", "patient", "plan")
        .order_by("due_from", "pk")
        .first()
    )
    if pending is not None:
        task_doctor_callback_create(
            actor=agent,
            task=pending,
            clinician=doctor,
            reason="患者询问出院带药能否与降压药同服，请主治医师回电说明。",
            # A demo built for another day still asks for a callback from now on.
            on=max(today, timezone.localdate()),
        )
    return opened


_STAFF = ("agent", "agent2", "head_medicine")
