"""Import historical follow-up registers (回访登记本) as encounters, tasks and attempts.

A register row is one call: who was called, about which stay, when, how
it went. It becomes the patient (matched as the HIS import matches them),
the encounter, a task of the inactive "historical register" plan (one per
encounter and call date) and one ``ContactAttempt``.

History is not replayed through the live rules (``attempt_record``): no
retries are scheduled, times in the past are the point, and phone
statuses are left alone (a number that was 空号 in 2023 may be someone's
number now; the HIS import owns numbers). Only 死亡 reaches the patient:
the patient is marked deceased as of the call, and their open tasks are
cancelled, since calling a dead patient's family is the worse mistake.

The guarantees are the HIS import's: rejected rows go to a rejects file
with the reason, each batch is one transaction, and every attempt keeps
the row's identity (``source_key``) and content fingerprint
(``source_hash``), so a second run counts every row unchanged and a
corrected row is updated in place.
"""

import csv
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from huifang.accounts.models import User
from huifang.core.bulk import allocate_ids, insert_rows
from huifang.core.errors import ApplicationError
from huifang.core.phones import InvalidPhoneNumber, normalize_phone
from huifang.core.services import audit_record
from huifang.followups.models import (
    Channel,
    ContactAttempt,
    FollowUpTask,
    Outcome,
    Plan,
    Touchpoint,
)
from huifang.followups.registers import outcomes as words
from huifang.followups.registers.mapping import (
    FIELDS,
    RegisterColumns,
    map_register_headers,
)
from huifang.followups.services import generation
from huifang.patients import services as patient_services
from huifang.patients.importing.normalize import FieldProblem, clean_text, parse_date, split_phones
from huifang.patients.importing.pipeline import DepartmentResolver, synthetic_record_number
from huifang.patients.importing.reader import RawRow, RejectsWriter, TableReader, detect_format
from huifang.patients.models import Encounter, Patient, PhoneNumber

logger = logging.getLogger(__name__)

HISTORY_PLAN = "historical-register"
HISTORY_TOUCHPOINT = "register-call"
ENCOUNTER_SOURCE = "register"
Status = FollowUpTask.Status

ATTEMPT_INSERT = [
    "id",
    "task",
    "outcome",
    "phone",
    "agent",
    "at",
    "note",
    "answers",
    "education",
    "education_note",
    "red_flag",
    "agent_name",
    "source_key",
    "source_hash",
    "created_at",
]


class RegisterNoHeader(ApplicationError):
    code = "register_no_header"


@dataclass
class RegisterOptions:
    source: str = "his"  # the source system whose encounter numbers the register quotes
    encoding: str = "auto"
    sheet: str = ""
    rejects: Path | None = None
    batch_size: int = 500
    actor: User | None = None
    # Where the warnings go (default: next to the input, NAME.warnings.csv).
    warnings: Path | None = None
    # Column header → register field (or None: ignore the column), over the detected mapping.
    mapping: dict[str, str | None] | None = None
    # Called with the counts after each batch, for a progress bar.
    progress: Callable[["RegisterCounts"], None] | None = None


@dataclass
class RegisterCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    patients_created: int = 0
    tasks_created: int = 0
    attempts_created: int = 0


@dataclass
class RegisterResult:
    file: str
    counts: RegisterCounts
    rejects_file: str
    seconds: float
    warnings: list[str] = field(default_factory=list)
    warnings_file: str = ""

    def as_json(self) -> dict:
        c = self.counts
        return {
            "file": self.file,
            "rows": c.rows,
            "created": c.created,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "rejected": c.rejected,
            "warnings": c.warnings,
            "patients_created": c.patients_created,
            "rejects_file": self.rejects_file,
            "warnings_file": self.warnings_file,
            "seconds": round(self.seconds, 3),
            "tasks_created": c.tasks_created,
            "attempts_created": c.attempts_created,
        }


class RowRejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class RegisterRow:
    row: RawRow
    at: datetime
    name: str
    phones: list[str]
    department: str
    discharged_on: date | None
    encounter_number: str
    record_number: str
    outcome_code: str
    outcome_text: str
    satisfaction: tuple[str, int | None] | None
    agent: str
    note: str


_TIME = re.compile(r"(\d{1,2})[:：时点](\d{2})", re.ASCII)


def _call_time(value, day: date) -> datetime:
    """When the call was: the cell's time when it has one, else noon local."""
    moment = None
    if isinstance(value, datetime) and (value.hour, value.minute) != (0, 0):
        moment = value.time().replace(second=0, microsecond=0)
    elif isinstance(value, float) and not value.is_integer():
        minutes = round((value % 1) * 24 * 60)
        moment = dtime(min(23, minutes // 60), minutes % 60)
    elif isinstance(value, str):
        found = _TIME.search(clean_text(value))
        if found and int(found.group(1)) < 24 and int(found.group(2)) < 60:
            moment = dtime(int(found.group(1)), int(found.group(2)))
    return timezone.make_aware(datetime.combine(day, moment or dtime(12, 0)))


def prepare_row(row: RawRow, columns: RegisterColumns, *, now: datetime) -> RegisterRow:
    """A raw row checked and normalised; raises ``RowRejected`` with a reason for clerks."""
    index = columns.index

    def cell(name: str):
        position = index.get(name)
        if position is None or position >= len(row.cells):
            return None
        return row.cells[position]

    def text(name: str) -> str:
        return clean_text(cell(name))

    raw_date = cell("date")
    try:
        day = parse_date(raw_date)
    except FieldProblem as exc:
        raise RowRejected(f"回访日期无法识别：{exc.message}") from exc
    if day is None:
        raise RowRejected("缺少回访日期")
    at = _call_time(raw_date, day)
    if at > now:
        raise RowRejected(f"回访日期在将来：{day.isoformat()}")
    name = text("name")
    if not name:
        raise RowRejected("缺少姓名")
    outcome_text = text("outcome")
    if not outcome_text:
        raise RowRejected("缺少回访结果")
    code = words.outcome_code(outcome_text)
    if code is None:
        raise RowRejected(
            f"回访结果无法识别：“{outcome_text[:40]}”（可用写法如 成功、无人接听、空号、停机、"
            "关机、拒访、死亡，见导入说明）"
        )
    try:
        satisfaction = words.satisfaction(cell("satisfaction"))
    except words.SatisfactionUnknown as exc:
        raise RowRejected(
            f"满意度无法识别：“{str(exc)[:40]}”（可用 满意、基本满意、不满意 或 1–5 分）"
        ) from exc
    try:
        discharged_on = parse_date(cell("discharged_on"))
    except FieldProblem as exc:
        raise RowRejected(f"出院日期无法识别：{exc.message}") from exc
    phones = []
    for candidate in split_phones(cell("phone")):
        try:
            number, _ = normalize_phone(candidate.raw)
        except InvalidPhoneNumber:
            continue
        if number not in phones:
            phones.append(number)
    encounter_number = text("encounter_number")
    record_number = text("record_number")
    for label, value, limit in (
        ("姓名", name, 50),
        ("住院号", encounter_number, 40),
        ("病案号", record_number, 32),
    ):
        if len(value) > limit:
            raise RowRejected(f"{label}过长（最多 {limit} 个字符）：{value[:40]}")
    if not encounter_number and discharged_on is None:
        raise RowRejected("缺少住院号和出院日期，无法确定是哪一次住院")
    if not (record_number or encounter_number or phones):
        raise RowRejected("缺少病案号、住院号和电话，无法确定是哪一位患者")
    return RegisterRow(
        row=row,
        at=at,
        name=name,
        phones=phones,
        department=text("department"),
        discharged_on=discharged_on,
        encounter_number=encounter_number,
        record_number=record_number,
        outcome_code=code,
        outcome_text=outcome_text,
        satisfaction=satisfaction,
        agent=text("agent")[:50],
        note=clean_text(cell("note")),
    )


def history_touchpoint() -> Touchpoint:
    """The inactive plan and touchpoint register calls are filed under (made on first use).

    Inactive, so scheduling never matches it to encounters and never
    re-plans or cancels its tasks.
    """
    plan, _ = Plan.objects.get_or_create(
        code=HISTORY_PLAN,
        defaults={
            "name": "历史回访登记",
            "description": "从回访登记本导入的历史回访；不参与排程。",
            "is_active": False,
        },
    )
    touchpoint, _ = Touchpoint.objects.get_or_create(
        plan=plan,
        code=HISTORY_TOUCHPOINT,
        defaults={
            "name": "登记本回访",
            "offset_days": 0,
            "window_days": 1,
            "channel": Channel.PHONE,
            "max_attempts": 99,
        },
    )
    return touchpoint


def history_status(outcome: Outcome) -> str:
    """A history task's status from its last attempt; history tasks are never left open.

    Done when someone was reached; cancelled when the contact was no longer
    owed (refused, deceased, readmitted, transferred); unreachable otherwise
    (not reached, number invalid or suspended, callback never recorded).
    """
    if outcome.counts_as_success:
        return Status.DONE
    if (
        outcome.category == Outcome.Category.FINAL
        and outcome.ends_task
        and outcome.code != "no_phone"
    ):
        return Status.CANCELLED
    return Status.UNREACHABLE


class AgentResolver:
    """A user by username, else by a display name only one user has."""

    def __init__(self):
        self.by_username = {}
        by_display: dict[str, list[User]] = {}
        for user in User.objects.all():
            self.by_username[user.username.lower()] = user
            if user.display_name:
                by_display.setdefault(user.display_name, []).append(user)
        self.by_display = {name: users[0] for name, users in by_display.items() if len(users) == 1}

    def resolve(self, text: str) -> User | None:
        if not text:
            return None
        return self.by_display.get(text) or self.by_username.get(text.lower())


# Warnings kept in memory for the command's output; the warnings file has them all.
WARNINGS_KEPT = 100


class WarningsWriter:
    """Rows imported with a warning (unknown department, agent kept as text), as CSV.

    A sibling of the rejects file, as the HIS import writes one: UTF-8 with a
    byte-order mark so Excel opens it; made only when there is a warning.
    """

    HEADER = ["行号", "文件行", "姓名", "住院号", "提示"]

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._handle = None
        self._writer = None

    def write(self, r: "RegisterRow", message: str) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(self.HEADER)
        self.count += 1
        self._writer.writerow([r.row.number, r.row.line, r.name, r.encounter_number, message])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class RegisterWriter:
    """Writes register rows; ``write`` returns None or a reject reason."""

    def __init__(self, *, options: RegisterOptions, counts: RegisterCounts, file_name: str):
        self.options = options
        self.counts = counts
        self.file_name = file_name
        self.touchpoint = history_touchpoint()
        self.outcomes = {o.code: o for o in Outcome.objects.all()}
        self.departments = DepartmentResolver()
        self.agents = AgentResolver()
        self.occurrences: dict[tuple, int] = {}
        self.warnings: list[str] = []
        self.warnings_file: WarningsWriter | None = None

    def begin(self) -> None:
        self.new_attempts: list[tuple] = []
        self.changed: list[ContactAttempt] = []
        self.touched_tasks: set[int] = set()
        self.deceased: dict[int, date] = {}

    def _warn(self, r: RegisterRow, message: str) -> None:
        self.counts.warnings += 1
        if len(self.warnings) < WARNINGS_KEPT:
            self.warnings.append(f"第 {r.row.number} 行：{message}")
        if self.warnings_file is not None:
            self.warnings_file.write(r, message)

    def _patient_by_identity(self, r: RegisterRow) -> Patient:
        actor = self.options.actor
        if r.record_number:
            patient = Patient.objects.filter(record_number=r.record_number).first()
            if patient is not None and patient.name != r.name:
                raise RowRejected(
                    f"病案号 {r.record_number} 在系统中是“{patient.name}”，与本行姓名“{r.name}”不符"
                )
            record_number = r.record_number
        else:
            patient = (
                Patient.objects.filter(name=r.name, phones__number__in=r.phones)
                .order_by("pk")
                .first()
                if r.phones
                else None
            )
            # The HIS import's rule, so a patient from both files is one patient.
            record_number = synthetic_record_number(
                self.options.source,
                name=r.name,
                key=r.phones[0] if r.phones else r.encounter_number,
            )
            if patient is None:
                patient = Patient.objects.filter(record_number=record_number).first()
        if patient is None:
            patient = patient_services.patient_create(
                actor=actor, record_number=record_number, name=r.name
            )
            self.counts.patients_created += 1
            for position, number in enumerate(r.phones):
                patient_services.phone_add(
                    actor=actor,
                    patient=patient,
                    raw_number=number,
                    is_primary=position == 0,
                    source=ENCOUNTER_SOURCE,
                )
        return patient

    def _encounter(self, r: RegisterRow) -> Encounter:
        encounter = None
        if r.encounter_number:
            encounter = (
                Encounter.objects.filter(
                    number=r.encounter_number,
                    source_system__in=[self.options.source, ENCOUNTER_SOURCE],
                )
                .select_related("patient")
                .order_by("pk")
                .first()
            )
        if encounter is not None:
            patient = encounter.patient
            if patient.name != r.name or (
                r.record_number and patient.record_number != r.record_number
            ):
                raise RowRejected(
                    f"住院号 {r.encounter_number} 在系统中属于“{patient.name}”"
                    f"（病案号 {patient.record_number}），与本行不符"
                )
            return encounter
        patient = self._patient_by_identity(r)
        department, unknown = self.departments.resolve(r.department)
        if unknown and r.department:
            self._warn(r, f"科室“{r.department}”未在系统中登记，已归入“未映射科室”")
        if not r.encounter_number:
            encounter = (
                Encounter.objects.filter(
                    patient=patient, department=department, discharged_on=r.discharged_on
                )
                .order_by("pk")
                .first()
            )
            if encounter is not None:
                return encounter
        number = (
            r.encounter_number
            or (
                "REG-"
                + hashlib.sha1(  # noqa: S324
                    f"{patient.pk}|{department.code}|{r.discharged_on}".encode()
                )
                .hexdigest()[:12]
                .upper()
            )
        )
        # Written directly, not through encounter_create: its "encounters
        # written" signal would have the scheduler plan live follow-ups for
        # stays that were followed up years ago.
        encounter = Encounter(
            patient=patient,
            kind=Encounter.Kind.INPATIENT if r.discharged_on else Encounter.Kind.OUTPATIENT,
            number=number,
            department=department,
            discharged_on=r.discharged_on,
            visit_on=None if r.discharged_on else r.at.date(),
            source_system=ENCOUNTER_SOURCE,
            source_record={"file": self.file_name, "line": r.row.line},
        )
        encounter.full_clean()
        encounter.save()
        audit_record(
            actor=self.options.actor,
            action="create",
            target=encounter,
            patient_id=patient.pk,
            changes={"number": number, "department": department.code, "import": "register"},
        )
        return encounter

    def _task(self, encounter: Encounter, r: RegisterRow) -> FollowUpTask:
        day = timezone.localdate(r.at)
        task = FollowUpTask.objects.filter(
            encounter=encounter, touchpoint=self.touchpoint, due_from=day
        ).first()
        if task is not None:
            return task
        top = FollowUpTask.objects.filter(
            encounter=encounter, touchpoint=self.touchpoint
        ).aggregate(top=Max("sequence"))["top"]
        task = FollowUpTask.objects.create(
            patient_id=encounter.patient_id,
            encounter=encounter,
            plan=self.touchpoint.plan,
            plan_version=self.touchpoint.plan.version,
            touchpoint=self.touchpoint,
            sequence=0 if top is None else top + 1,
            channel=Channel.PHONE,
            status=Status.UNREACHABLE,  # set from the attempts once they are written
            due_from=day,
            due_until=day,
            first_slot=r.at,
            next_attempt_at=r.at,
            max_attempts=self.touchpoint.max_attempts,
            reason={"text": "历史回访登记本导入", "file": self.file_name, "notes": []},
            closed_reason="register",
        )
        self.counts.tasks_created += 1
        return task

    def write(self, r: RegisterRow) -> None:
        """Write one row (inside the batch's transaction); raises ``RowRejected``."""
        outcome = self.outcomes.get(r.outcome_code)
        if outcome is None:
            raise RowRejected(f"系统中没有回访结果“{r.outcome_code}”，请先恢复默认结果表")
        encounter = self._encounter(r)
        agent = self.agents.resolve(r.agent)
        if r.agent and agent is None:
            self._warn(r, f"回访人“{r.agent}”不是系统用户，已按文字保留")
        answers = {}
        if r.satisfaction is not None:
            key, score = r.satisfaction
            answers["satisfaction"] = key
            answers["satisfaction_label"] = words.satisfaction_label(key)
            if score is not None:
                answers["satisfaction_score"] = score
        base = (encounter.pk, r.at.isoformat())
        occurrence = self.occurrences.get(base, 0)
        self.occurrences[base] = occurrence + 1
        key = hashlib.sha256(f"register|{base[0]}|{base[1]}|{occurrence}".encode()).hexdigest()
        note = r.note
        fingerprint = hashlib.sha256(
            "|".join(
                [outcome.code, r.outcome_text, repr(sorted(answers.items())), r.agent, note]
            ).encode()
        ).hexdigest()
        existing = ContactAttempt.objects.filter(source_key=key).first()
        if existing is not None and existing.source_hash == fingerprint:
            self.counts.unchanged += 1
            return
        if existing is not None:
            existing.outcome = outcome
            existing.agent = agent
            existing.agent_name = "" if agent else r.agent
            existing.note = note
            existing.answers = answers
            existing.source_hash = fingerprint
            self.changed.append(existing)
            self.touched_tasks.add(existing.task_id)
            self.counts.updated += 1
        else:
            # Only a new attempt needs the number dialled (a re-run reads none).
            phone = (
                PhoneNumber.objects.filter(
                    patient_id=encounter.patient_id, number=r.phones[0]
                ).first()
                if r.phones
                else None
            )
            task = self._task(encounter, r)
            self.new_attempts.append(
                (
                    task.pk,
                    outcome.pk,
                    phone.pk if phone else None,
                    agent.pk if agent else None,
                    r.at,
                    note,
                    answers,
                    [],
                    "",
                    "",
                    "" if agent else r.agent,
                    key,
                    fingerprint,
                )
            )
            self.touched_tasks.add(task.pk)
            self.counts.created += 1
        if outcome.patient_effect == Outcome.PatientEffect.DECEASED:
            patient_id = encounter.patient_id
            day = timezone.localdate(r.at)
            self.deceased[patient_id] = min(day, self.deceased.get(patient_id, day))

    def finish(self) -> None:
        """Write the batch's attempts, then set the touched tasks' status and the deceased."""
        now = timezone.now()
        ids = allocate_ids(ContactAttempt, len(self.new_attempts))
        insert_rows(
            ContactAttempt,
            ATTEMPT_INSERT,
            [(pk, *row, now) for pk, row in zip(ids, self.new_attempts, strict=True)],
        )
        self.counts.attempts_created += len(self.new_attempts)
        if self.changed:
            ContactAttempt.objects.bulk_update(
                self.changed, ["outcome", "agent", "agent_name", "note", "answers", "source_hash"]
            )
        # Each touched task follows its last attempt: one read of their attempts.
        by_task: dict[int, list[ContactAttempt]] = {}
        for attempt in (
            ContactAttempt.objects.filter(task_id__in=self.touched_tasks)
            .select_related("outcome")
            .order_by("task_id", "at", "id")
        ):
            by_task.setdefault(attempt.task_id, []).append(attempt)
        for task_id, attempts in by_task.items():
            last = attempts[-1]
            FollowUpTask.objects.filter(pk=task_id).update(
                status=history_status(last.outcome),
                attempts=min(len(attempts), 32767),
                next_attempt_at=last.at,
                updated_at=now,
            )
        for patient in Patient.objects.filter(pk__in=self.deceased, deceased_on__isnull=True):
            patient_services.patient_update(
                actor=self.options.actor, patient=patient, deceased_on=self.deceased[patient.pk]
            )
            generation.tasks_cancel_for_patient(patient_id=patient.pk, reason="deceased")


def _first_message(exc: Exception) -> str:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return str(messages[0])[:200]


def rejects_path_for(path: Path, kind: str) -> Path:
    return path.with_name(f"{path.stem}.rejects.{'xlsx' if kind == 'xlsx' else 'csv'}")


def warnings_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.warnings.csv")


def followups_import(path: Path, options: RegisterOptions | None = None) -> RegisterResult:
    """Import one follow-up register; see the module docstring for the guarantees.

    Raises ``UnreadableFile`` (``unreadable_file``) for a file that cannot
    be read and ``RegisterNoHeader`` (``register_no_header``) when no row
    looks like a register's header.
    """
    options = options or RegisterOptions()
    started = time.monotonic()
    path = Path(path)
    fmt = detect_format(path, encoding=options.encoding, sheet=options.sheet)
    aliases = [alias for names in FIELDS.values() for alias in names]
    reader = TableReader(path, fmt, extra_headers=aliases)
    rows = reader.rows()
    try:
        first = next(rows, None)
    except ApplicationError as exc:
        if exc.code == "unreadable_file" and "表头" in exc.message:
            raise RegisterNoHeader(
                "找不到回访登记本的表头：前 10 行中没有一行包含“回访日期”“姓名”“回访结果”等列名"
            ) from exc
        raise
    columns = map_register_headers(reader.header, options.mapping)
    missing = columns.missing()
    if missing:
        raise RegisterNoHeader(
            f"表头中缺少必需的列：{'、'.join(missing)}",
            details={"headers": reader.header},
        )
    rejects_path = options.rejects or rejects_path_for(path, fmt.kind)
    rejects = RejectsWriter(rejects_path, fmt, reader.header)
    counts = RegisterCounts()
    writer = RegisterWriter(options=options, counts=counts, file_name=path.name)
    warnings_file = WarningsWriter(options.warnings or warnings_path_for(path))
    writer.warnings_file = warnings_file
    now = timezone.now()

    def stream():
        if first is not None:
            yield first
            yield from rows

    def flush(batch: list[RegisterRow]) -> None:
        if not batch:
            return
        with transaction.atomic():
            writer.begin()
            for r in batch:
                try:
                    with transaction.atomic():
                        writer.write(r)
                except RowRejected as exc:
                    counts.rejected += 1
                    rejects.write(r.row, exc.reason)
                except (ValidationError, InvalidPhoneNumber) as exc:
                    counts.rejected += 1
                    rejects.write(r.row, f"数据不合规：{_first_message(exc)}")
            writer.finish()
        if options.progress is not None:
            options.progress(counts)

    try:
        batch: list[RegisterRow] = []
        for row in stream():
            counts.rows += 1
            try:
                batch.append(prepare_row(row, columns, now=now))
            except RowRejected as exc:
                counts.rejected += 1
                rejects.write(row, exc.reason)
                continue
            if len(batch) >= options.batch_size:
                flush(batch)
                batch = []
        flush(batch)
    finally:
        rejects.close()
        warnings_file.close()
    seconds = time.monotonic() - started
    audit_record(
        actor=options.actor,
        action="create",
        target=writer.touchpoint.plan,
        changes={
            "import": "register",
            "file": path.name,
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
        },
    )
    logger.info(
        "register %s: %s rows, %s created, %s updated, %s unchanged, %s rejected in %.1fs",
        path.name,
        counts.rows,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        seconds,
    )
    return RegisterResult(
        file=str(path),
        counts=counts,
        rejects_file=str(rejects_path) if rejects.count else "",
        seconds=seconds,
        warnings=writer.warnings,
        warnings_file=str(warnings_file.path) if warnings_file.count else "",
    )
