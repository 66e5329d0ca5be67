"""Task generation: encounters × active plans → ``FollowUpTask`` rows, and their cancellation.

Runs on every encounter written (``receivers`` → ``tasks.generate_tasks_task``),
nightly for repeats and missed encounters, after a plan edit when the
administrator asks for open tasks to be re-planned, and after an edit of
the holiday table (``tasks_replan_for_calendar``) or of a patient's
preferred call time or refused channels (``tasks_replan_for_patients``).

- Idempotent: one task or passed record per (encounter, touchpoint,
  sequence) — the ``one_task_per_touchpoint`` constraint and the passed
  record's primary key back it and inserts ignore conflicts; running again
  changes nothing.
- Tasks already worked on (an attempt made), closed, or planned with an
  older plan version the administrator chose to keep are never touched;
  the others follow the encounter when it changes (new dates, a number
  added, a plan that no longer applies).
- Safety: a deceased patient and a channel the patient refused get no task;
  a phone task without a usable number waits as ``no_phone`` (or uses the
  plan's fallback channel); a window already over when the encounter
  arrived (back-filled history) gives a ``PassedTouchpoint`` record, never a
  task: nothing queues it, reports count it as "window passed", and it is
  history — never changed once written, as a closed task is not.
- One patient's pending phone tasks due close together merge into one call,
  and a weekly cap spreads the rest (settings ``HUIFANG_MERGE_DAYS``,
  ``HUIFANG_WEEKLY_CONTACT_CAP``).
"""

import logging
import multiprocessing
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from huifang.core import calendar
from huifang.core.bulk import few_collections
from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups import scheduling, slots
from huifang.followups.models import FollowUpTask, PassedTouchpoint, Plan
from huifang.followups.scheduling import NO_STOPS, PlannedTask, PlanRules, Scheduler
from huifang.followups.selectors import (
    encounter_facts_load,
    id_filter,
    load_active_plans,
    patient_facts_load,
    stop_facts_load,
)
from huifang.followups.services.taskrows import NewPassed, NewTask, TaskRowWriter
from huifang.patients.importing.parallel import worker_possible
from huifang.patients.models import Encounter

logger = logging.getLogger(__name__)

Status = FollowUpTask.Status

# Encounters per transaction: large enough that commits cost little, small
# enough that a worker's memory stays flat whatever the run's size.
CHUNK_SIZE = 5000
# Open tasks generation may still change: nobody has tried them yet.
RECONCILABLE = (Status.PENDING, Status.NO_PHONE, Status.MERGED)
_NO_KEYS: frozenset[tuple[int, int]] = frozenset()
# The nightly run looks for encounters without tasks this far back.
NIGHTLY_LOOKBACK_DAYS = 120


@dataclass
class GenerationResult:
    """What one generation call did, in tasks.

    ``created``: rows inserted (any status; ``no_phone``, ``window_passed``
    and ``cancelled`` count those among them too); ``unchanged``: tasks the
    rules call for that already existed as they should; ``cancelled``: tasks
    closed by this call (readmission, re-check, death, opt-out, a plan that no
    longer applies); ``merged``: tasks folded into another call;
    ``updated``: existing tasks whose dates, channel or number changed.
    """

    created: int = 0
    unchanged: int = 0
    cancelled: int = 0
    no_phone: int = 0
    window_passed: int = 0
    merged: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: "GenerationResult") -> None:
        """Count ``other``'s tasks in this result too (lanes, batches)."""
        for key, value in other.as_dict().items():
            setattr(self, key, getattr(self, key) + value)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.cancelled or self.merged or self.updated)


def _cancel_on_readmission() -> bool:
    return bool(getattr(settings, "HUIFANG_CANCEL_ON_READMISSION", True))


def _merge_days() -> int:
    return int(getattr(settings, "HUIFANG_MERGE_DAYS", 3))


def _weekly_cap() -> int:
    return int(getattr(settings, "HUIFANG_WEEKLY_CONTACT_CAP", 2))


# --- Generation ---------------------------------------------------------------------


def tasks_generate_for_encounters(
    encounter_ids: Iterable[int], *, now: datetime | None = None
) -> GenerationResult:
    """Plan the follow-up tasks of these encounters against the active plans.

    Creates the missing tasks, brings untouched open ones in line with the
    encounter and plans as they are now, cancels those no longer owed, then
    merges and spreads each affected patient's calls. Idempotent. Works in
    chunks of ``CHUNK_SIZE`` encounters, each in its own transaction, with a
    fixed number of queries per chunk. One audit entry per call, when
    anything changed.
    """
    ids = sorted({int(pk) for pk in encounter_ids})
    result = _generate(ids, now=now or timezone.now())
    if result.changed:
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            field="followup_tasks",
            target_repr="回访任务生成",
            changes={"encounters": len(ids), **result.as_dict()},
        )
    logger.info("follow-up generation for %d encounters: %s", len(ids), result.as_dict())
    return result


def _generate(
    ids: list[int],
    *,
    now: datetime,
    plans: list[PlanRules] | None = None,
    replan_plan_id: int | None = None,
) -> GenerationResult:
    plans = load_active_plans() if plans is None else plans
    # Frozen before any lane forks: the children share what exists now.
    with few_collections():
        return _generate_in_lanes(ids, now=now, plans=plans, replan_plan_id=replan_plan_id)


def _generate_in_lanes(
    ids: list[int], *, now: datetime, plans: list[PlanRules], replan_plan_id: int | None
) -> GenerationResult:
    lanes = _lanes(ids)
    if len(lanes) == 1:
        return _generate_lane(ids, now=now, plans=plans, replan_plan_id=replan_plan_id)
    if worker_possible():
        results = _lanes_in_processes(lanes, now=now, plans=plans, replan_plan_id=replan_plan_id)
    else:
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="generation") as pool:
            results = list(
                pool.map(
                    lambda lane: _generate_lane(
                        lane,
                        now=now,
                        plans=plans,
                        replan_plan_id=replan_plan_id,
                        own_connection=True,
                    ),
                    lanes,
                )
            )
    result = GenerationResult()
    for lane_result in results:
        result.add(lane_result)
    return result


def _generation_threads() -> int:
    return int(getattr(settings, "HUIFANG_GENERATION_THREADS", 2))


def _lanes(ids: list[int]) -> list[list[int]]:
    """The encounters split by patient into lanes planned side by side, or one lane.

    On PostgreSQL, a large run outside any transaction is planned in
    ``HUIFANG_GENERATION_THREADS`` threads, each with its own connection,
    so the database writes one lane's chunk while Python plans another's.
    Each patient's encounters stay in one lane, in order: everything a
    chunk reads besides its own encounters (the patient's earlier stays,
    other open tasks to merge with or cap against) belongs to its patients,
    so lanes never wait for each other. Inside a transaction (the caller's,
    or a test's) there is one lane, in that transaction.
    """
    threads = _generation_threads()
    connection = connections[FollowUpTask.objects.db]
    if (
        threads < 2
        or len(ids) < 2 * CHUNK_SIZE
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return [ids]
    wanted = set(ids)
    lanes: list[list[int]] = [[] for _ in range(threads)]
    for pk, patient_id in (
        Encounter.objects.filter(id_filter("pk", ids))
        .order_by("pk")
        .values_list("pk", "patient_id")
    ):
        if pk in wanted:
            lanes[patient_id % threads].append(pk)
    return [lane for lane in lanes if lane] or [ids]


def _generate_lane(
    ids: list[int],
    *,
    now: datetime,
    plans: list[PlanRules],
    replan_plan_id: int | None,
    own_connection: bool = False,
) -> GenerationResult:
    """Plan ``ids`` chunk by chunk, each chunk in its own transaction."""
    try:
        plans, scheduler, inserter = _planner(plans, today=slots.local_day(now))
        result = GenerationResult()
        for start in range(0, len(ids), CHUNK_SIZE):
            with transaction.atomic():
                _generate_chunk(
                    ids[start : start + CHUNK_SIZE],
                    plans=plans,
                    scheduler=scheduler,
                    inserter=inserter,
                    result=result,
                    now=now,
                    replan_plan_id=replan_plan_id,
                )
        return result
    finally:
        if own_connection:
            connections.close_all()  # this thread's connections only


def _lanes_in_processes(
    lanes: list[list[int]], *, now: datetime, plans: list[PlanRules], replan_plan_id: int | None
) -> list[GenerationResult]:
    """The first lane planned here, each other one in a forked process of its own.

    Planning is mostly Python: threads share one core's worth of it (the
    GIL), processes get a core each. Only from a process with one thread
    (``worker_possible``: ``huifang plan-tasks``, the command line),
    never from a threaded server or task consumer, where a fork would copy
    other threads' locks held. The connections are
    closed before the fork, so that no child shares this process's socket;
    each lane opens its own. A lane that fails fails the run (its chunks
    committed so far stay: planning again finishes the rest).
    """
    context = multiprocessing.get_context("fork")
    connections.close_all()
    children = []
    for lane in lanes[1:]:
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(
            target=_lane_in_child,
            args=(sending, lane, now, plans, replan_plan_id),
            name="generation-lane",
            daemon=True,
        )
        child.start()
        sending.close()
        children.append((child, receiving))
    failures = []
    results = []
    try:
        results.append(
            _generate_lane(lanes[0], now=now, plans=plans, replan_plan_id=replan_plan_id)
        )
    finally:
        for child, receiving in children:
            try:
                outcome, payload = receiving.recv()
            except EOFError:  # killed, or gone without a word
                outcome, payload = "failed", f"exit code {child.exitcode}"
            receiving.close()
            child.join()
            if outcome == "ok":
                results.append(payload)
            else:
                failures.append(payload)
    if failures:
        raise RuntimeError(f"follow-up generation: {len(failures)} lane(s) failed: {failures[0]}")
    return results


def _lane_in_child(sending, lane, now, plans, replan_plan_id) -> None:
    """A forked lane: plans ``lane`` on its own connection and sends back its result."""
    try:
        result = _generate_lane(
            lane, now=now, plans=plans, replan_plan_id=replan_plan_id, own_connection=True
        )
        sending.send(("ok", result))
    except BaseException as exc:  # reported to the parent, which fails the run
        logger.exception("follow-up generation lane failed")
        sending.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        sending.close()


_reuse = threading.local()


def _planner(plans: list[PlanRules], *, today: date):
    """The scheduler and row writer for this run: those of the thread's last run when still valid.

    Their memos (calendar reasoning, plan matches, task shapes, prepared
    columns) hold as long as the day, the plans, the readmission setting,
    the database and the working calendar are the same; the calendar's
    token changes on every edit of the holiday table and reload. Returns
    the plans to use: the remembered ones when equal (the memos know them).
    """
    cancel = _cancel_on_readmission()
    key = (today, cancel, FollowUpTask.objects.db)
    token = calendar.state_token()
    last = getattr(_reuse, "last", None)
    if last is not None and last[0] == key and last[1] is token and last[2] == plans:
        return last[2], last[3], last[4]
    scheduler = Scheduler(today=today, cancel_on_readmission=cancel)
    writer = TaskRowWriter(using=FollowUpTask.objects.db)
    _reuse.last = (key, token, plans, scheduler, writer)
    return plans, scheduler, writer


_EXISTING_FIELDS = (
    "id",
    "patient_id",
    "encounter_id",
    "touchpoint_id",
    "sequence",
    "plan_id",
    "plan_version",
    "status",
    "attempts",
    "channel",
    "due_from",
    "due_until",
    "first_slot",
    "phone_id",
)


def _reconcilable(row: dict, plan: PlanRules, replan_plan_id: int | None) -> bool:
    return (
        row["attempts"] == 0
        and row["status"] in RECONCILABLE
        and (row["plan_version"] == plan.version or row["plan_id"] == replan_plan_id)
    )


def _columns_match(row: dict, task: PlannedTask) -> bool:
    return (
        row["due_from"] == task.due_from
        and row["due_until"] == task.due_until
        and row["first_slot"] == task.first_slot
        and row["channel"] == task.channel
        and row["phone_id"] == task.phone_id
    )


def _stored_base(row: dict, reason) -> dict:
    base = reason.get("base") if isinstance(reason, dict) else None
    if isinstance(base, dict):
        return base
    return {
        "due_from": row["due_from"].isoformat(),
        "due_until": row["due_until"].isoformat(),
        "first_slot": timezone.localtime(row["first_slot"], slots.local_zone()).isoformat(),
        "channel": row["channel"],
    }


def _why_unwanted(row: dict, patient, stops, plan: PlanRules) -> str:
    if patient is None or patient.deceased_on is not None:
        return "deceased"
    touchpoint = next((t for t in plan.touchpoints if t.id == row["touchpoint_id"]), None)
    if row["channel"] in patient.do_not_contact or (
        touchpoint is not None and touchpoint.channel in patient.do_not_contact
    ):
        return "opted_out"
    if touchpoint is None:
        return "plan_changed"
    if touchpoint.repeats:
        if stops.recheck_on is not None and row["due_from"] >= stops.recheck_on:
            return "rechecked"
        if row["sequence"] > 0:
            return "repeat_stopped"
    return "plan_no_longer_matches"


def _earlier_encounters_with_open_tasks(facts: Iterable) -> list[int]:
    """Other stays and health checks of the same patients that still have open tasks.

    A new stay may be the readmission that cancels the previous stay's
    discharge calls, a new health check the re-check that ends the previous
    one's repeats: those encounters are planned again in the same pass.
    """
    kinds = (scheduling.INPATIENT, scheduling.HEALTH_CHECK)
    wanted = [f for f in facts if f.kind in kinds]
    if not wanted:
        return []
    ids = {f.id for f in facts}
    patient_ids = {f.patient_id for f in wanted}
    found = FollowUpTask.objects.filter(
        id_filter("patient_id", patient_ids),
        encounter__kind__in=kinds,
        status__in=RECONCILABLE,
        attempts=0,
    ).values_list("encounter_id", "patient_id")
    return sorted({pk for pk, patient_id in found if patient_id in patient_ids and pk not in ids})


def _generate_chunk(
    chunk: list[int],
    *,
    plans: list[PlanRules],
    scheduler: Scheduler,
    inserter: TaskRowWriter,
    result: GenerationResult,
    now: datetime,
    replan_plan_id: int | None,
) -> None:
    facts_by_id, patients = encounter_facts_load(chunk)
    if not facts_by_id:
        return
    earlier = _earlier_encounters_with_open_tasks(facts_by_id.values())
    if earlier:
        more_facts, more_patients = encounter_facts_load(earlier)
        facts_by_id.update(more_facts)
        patients.update(more_patients)
    stops = stop_facts_load(facts_by_id.values())
    plan_by_id = {plan.id: plan for plan in plans}
    rows_by_encounter: dict[int, list[dict]] = defaultdict(list)
    for row in FollowUpTask.objects.filter(id_filter("encounter_id", facts_by_id)).values(
        *_EXISTING_FIELDS
    ):
        rows_by_encounter[row["encounter_id"]].append(row)
    # Passed records are history, like the tasks closed: once written, never changed.
    passed_by_encounter: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for encounter_id, touchpoint_id, sequence in PassedTouchpoint.objects.filter(
        id_filter("encounter_id", facts_by_id)
    ).values_list("encounter_id", "touchpoint_id", "sequence"):
        passed_by_encounter[encounter_id].add((touchpoint_id, sequence))

    new_rows: list[NewTask] = []
    new_passed: list[NewPassed] = []
    cancels: dict[str, list[int]] = defaultdict(list)
    updates: list[tuple[dict, PlannedTask, str]] = []
    doubtful: list[tuple[dict, PlannedTask, str]] = []
    version_only: dict[int, list[int]] = defaultdict(list)

    for encounter_id, facts in facts_by_id.items():
        patient = patients.get(facts.patient_id)
        encounter_stops = stops.get(encounter_id, NO_STOPS)
        rows = rows_by_encounter.get(encounter_id)
        passed = passed_by_encounter.get(encounter_id, _NO_KEYS)
        if not rows and not passed:
            # The common case (an encounter never planned): every task is new.
            if patient is not None:
                for shape, phone_id in scheduler.plan_shapes(
                    facts, patient, plans, stops=encounter_stops
                ):
                    if replan_plan_id is not None and shape.plan.id != replan_plan_id:
                        continue
                    if shape.status == Status.WINDOW_PASSED:
                        new_passed.append((shape, encounter_id))
                    else:
                        new_rows.append((shape, facts.patient_id, encounter_id, phone_id))
            continue
        existing = {(row["touchpoint_id"], row["sequence"]): row for row in rows or ()}
        wanted: set[tuple[int, int]] = set()
        if patient is not None:
            statuses = dict.fromkeys(passed, Status.WINDOW_PASSED)
            statuses.update((key, row["status"]) for key, row in existing.items())
            pairs = scheduler.plan_shapes(
                facts, patient, plans, stops=encounter_stops, existing=statuses
            )
            for shape, phone_id in pairs:
                if replan_plan_id is not None and shape.plan.id != replan_plan_id:
                    continue
                key = (shape.touchpoint.id, shape.sequence)
                wanted.add(key)
                if key in passed:
                    result.unchanged += 1
                    continue
                row = existing.get(key)
                if row is None:
                    if shape.status == Status.WINDOW_PASSED:
                        new_passed.append((shape, encounter_id))
                    else:
                        new_rows.append((shape, facts.patient_id, encounter_id, phone_id))
                    continue
                task = PlannedTask.of(shape, phone_id)
                if not _reconcilable(row, task.plan, replan_plan_id):
                    result.unchanged += 1
                elif task.status == Status.CANCELLED:
                    cancels[task.closed_reason].append(row["id"])
                else:
                    status = task.status
                    if status == Status.WINDOW_PASSED:
                        # An open task whose window has since passed stays open.
                        status = row["status"]
                    if status == Status.MERGED:
                        status = Status.PENDING  # only when its dates changed (below)
                    if row["status"] != Status.MERGED and status != row["status"]:
                        updates.append((row, task, status))
                    elif _columns_match(row, task):
                        result.unchanged += 1
                        if row["plan_version"] != task.plan.version:
                            version_only[task.plan.version].append(row["id"])
                    else:
                        # Merging and the weekly cap move tasks too: the stored base tells.
                        doubtful.append((row, task, status))
        for key, row in existing.items():
            if key in wanted:
                continue
            plan = plan_by_id.get(row["plan_id"])
            if plan is None or (replan_plan_id is not None and row["plan_id"] != replan_plan_id):
                continue
            if _reconcilable(row, plan, replan_plan_id):
                cancels[_why_unwanted(row, patient, encounter_stops, plan)].append(row["id"])

    if doubtful:
        reasons = dict(
            FollowUpTask.objects.filter(pk__in=[row["id"] for row, _, _ in doubtful]).values_list(
                "id", "reason"
            )
        )
        for row, task, status in doubtful:
            if (
                _stored_base(row, reasons.get(row["id"])) == task.base
                and row["phone_id"] == task.phone_id
            ):
                result.unchanged += 1
                if row["plan_version"] != task.plan.version:
                    version_only[task.plan.version].append(row["id"])
            else:
                updates.append((row, task, status))

    if new_passed:
        inserted = inserter.write_passed(new_passed, now=now)
        result.created += inserted
        result.window_passed += inserted

    movable: set[int] = set()
    movable_uuids: set[uuid.UUID] = set()
    arrange_patients: set[int] = set()
    if new_rows:
        inserted, uuids = inserter.write(new_rows, now=now)
        if inserted == len(new_rows):
            statuses = [
                (task_uuid, row[1], row[0].status)
                for task_uuid, row in zip(uuids, new_rows, strict=True)
            ]
        else:  # another run wrote some of them meanwhile: count only ours
            statuses = list(
                FollowUpTask.objects.filter(uuid__in=uuids).values_list(
                    "uuid", "patient_id", "status"
                )
            )
        for task_uuid, patient_id, status in statuses:
            result.created += 1
            if status == Status.NO_PHONE:
                result.no_phone += 1
            elif status == Status.WINDOW_PASSED:
                result.window_passed += 1
            elif status == Status.CANCELLED:
                result.cancelled += 1
            elif status == Status.PENDING:
                movable_uuids.add(uuid.UUID(str(task_uuid)))
                arrange_patients.add(patient_id)

    for version, ids in version_only.items():
        FollowUpTask.objects.filter(pk__in=ids).update(plan_version=version)

    updated_ids = []
    for row, task, status in updates:
        done = FollowUpTask.objects.filter(pk=row["id"], status=row["status"], attempts=0).update(
            status=status,
            merged_into=None,
            channel=task.channel,
            due_from=task.due_from,
            due_until=task.due_until,
            first_slot=task.first_slot,
            next_attempt_at=task.first_slot,
            phone_id=task.phone_id,
            plan_version=task.plan.version,
            priority=task.touchpoint.priority,
            max_attempts=task.touchpoint.max_attempts,
            reason=task.reason(),
            updated_at=now,
        )
        if done:
            result.updated += 1
            updated_ids.append(row["id"])
            if status == Status.PENDING:
                movable.add(row["id"])
                arrange_patients.add(row["patient_id"])
    # A keeper that moved takes none of its merged calls along: they are planned again.
    movable.update(_revive_merged(updated_ids, now=now))

    cancelled_ids = []
    for closed_reason, ids in cancels.items():
        ids = sorted(set(ids))
        result.cancelled += FollowUpTask.objects.filter(
            pk__in=ids, status__in=RECONCILABLE, attempts=0
        ).update(
            status=Status.CANCELLED,
            closed_reason=closed_reason,
            updated_at=now,
            version=F("version") + 1,
        )
        cancelled_ids.extend(ids)
    movable.update(_revive_merged(cancelled_ids, now=now))

    if movable or movable_uuids:
        _arrange(
            movable,
            movable_uuids=movable_uuids,
            patient_ids=arrange_patients,
            patients=patients,
            now=now,
            result=result,
        )


def _revive_merged(keeper_ids: list[int], *, now: datetime) -> set[int]:
    """Calls merged into these tasks become calls of their own again (to be merged anew).

    Never a deceased patient's: theirs stay closed with the call they were merged into.
    """
    if not keeper_ids:
        return set()
    revived = set()
    for row in FollowUpTask.objects.filter(
        merged_into_id__in=keeper_ids, status=Status.MERGED, patient__deceased_on__isnull=True
    ).values("id", "reason"):
        reason = row["reason"] if isinstance(row["reason"], dict) else {}
        reason["notes"] = [
            note for note in reason.get("notes", []) if not note.startswith("已并入")
        ]
        if FollowUpTask.objects.filter(pk=row["id"], status=Status.MERGED).update(
            status=Status.PENDING, merged_into=None, reason=reason, updated_at=now
        ):
            revived.add(row["id"])
    return revived


# --- Merging and the weekly cap ------------------------------------------------------


def _arrange(
    movable: set[int],
    *,
    now: datetime,
    result: GenerationResult,
    movable_uuids: set[uuid.UUID] = frozenset(),
    patient_ids: set[int] | None = None,
    patients: dict | None = None,
) -> None:
    """Merge and spread the pending tasks of the patients of the movable tasks.

    Movable tasks (new ones by ``movable_uuids``, re-planned ones by id in
    ``movable``) may be merged away or pushed; tasks already in the queue
    keep their place and count against the cap. Two queries whatever the
    number of patients (a third only when something merges or moves).
    """
    patient_ids = set(patient_ids or ())
    if movable:
        patient_ids.update(
            FollowUpTask.objects.filter(pk__in=list(movable)).values_list("patient_id", flat=True)
        )
    if not patient_ids:
        return
    rows_by_patient: dict[int, list[dict]] = defaultdict(list)
    for row in (
        # Tasks of inactive plans are ad-hoc calls (a complaint's verification):
        # never merged into another call, whose questionnaire would not ask them.
        FollowUpTask.objects.filter(
            id_filter("patient_id", patient_ids), status=Status.PENDING, plan__is_active=True
        )
        .order_by("due_from", "-priority", "id")
        .values(
            "id",
            "uuid",
            "patient_id",
            "channel",
            "due_from",
            "due_until",
            "next_attempt_at",
            "attempts",
            "priority",
        )
    ):
        if row["patient_id"] not in patient_ids:
            continue
        if row["uuid"] in movable_uuids:
            movable.add(row["id"])
        rows_by_patient[row["patient_id"]].append(row)
    merge_days, cap = _merge_days(), _weekly_cap()
    merges: list[tuple[dict, dict]] = []
    pushes: list[tuple[dict, date]] = []
    for rows in rows_by_patient.values():
        if len(rows) < 2:
            continue  # nothing to merge with, nothing to crowd
        merged_away: set[int] = set()
        if merge_days >= 0:
            merges.extend(_merge(rows, movable, merge_days, merged_away))
        remaining = [row for row in rows if row["id"] not in merged_away]
        pushes.extend(_spread(remaining, movable, cap))
    if merges or pushes:
        if patients is None:
            patients = patient_facts_load({row["patient_id"] for row, _ in pushes})
        _write_arranged(merges, pushes, patients, cap=cap, now=now, result=result)


def _merge(rows: list[dict], movable: set[int], merge_days: int, merged_away: set[int]):
    """Pairs ``(keeper, merged)``: pending phone calls due close to an earlier one fold into it.

    ``rows`` are sorted by due date, so the keeper is the earliest due. Close
    means due from at most ``merge_days`` calendar days after the keeper: the
    merged touchpoint is then asked about that much early, never more. Windows
    that merely overlap do not merge (a day-7 first-visit call inside a
    discharge call's window would be made on day 3).
    """
    pairs = []
    calls = [row for row in rows if row["channel"] == scheduling.PHONE]
    for index, keeper in enumerate(calls):
        if keeper["id"] in merged_away:
            continue
        for other in calls[index + 1 :]:
            if other["id"] in merged_away or other["attempts"]:
                continue
            if (other["due_from"] - keeper["due_from"]).days > merge_days:
                break  # sorted by due date: the later ones are further still
            if keeper["id"] not in movable and other["id"] not in movable:
                continue
            merged_away.add(other["id"])
            keeper["priority"] = max(keeper["priority"], other["priority"])
            pairs.append((keeper, other))
    return pairs


def _spread(rows: list[dict], movable: set[int], cap: int) -> list[tuple[dict, date]]:
    """Movable tasks to push, and to which day, so no 7-day span holds more than ``cap`` contacts."""
    if cap < 1 or len(rows) <= cap:
        return []
    pushes = []
    taken = [slots.local_day(row["next_attempt_at"]) for row in rows if row["id"] not in movable]
    for row in sorted(
        (row for row in rows if row["id"] in movable),
        key=lambda r: (r["next_attempt_at"], -r["priority"], r["id"]),
    ):
        day = slots.local_day(row["next_attempt_at"])
        pushed = scheduling.cap_day(day, taken, cap)
        taken.append(pushed)
        if pushed != day:
            pushes.append((row, pushed))
    return pushes


def _write_arranged(merges, pushes, patients, *, cap, now: datetime, result) -> None:
    """Write the merges and pushes decided on the light rows, with their reasons."""
    ids = {row["id"] for pair in merges for row in pair} | {row["id"] for row, _ in pushes}
    details = {
        row["id"]: row
        for row in FollowUpTask.objects.filter(pk__in=list(ids)).values(
            "id",
            "reason",
            "encounter__number",
            "plan__code",
            "touchpoint__code",
            "touchpoint__name",
            "touchpoint__call_windows",
        )
    }
    for detail in details.values():
        if not isinstance(detail["reason"], dict):
            detail["reason"] = {}
    changes: dict[int, dict] = {}
    merged_into: dict[int, int] = {}
    for keeper, other in merges:
        kept, folded = details[keeper["id"]], details[other["id"]]
        entries = kept["reason"].setdefault("merged", [])
        entries.append(
            {
                "task": str(other["uuid"]),
                "plan": folded["plan__code"],
                "touchpoint": folded["touchpoint__code"],
                "name": folded["touchpoint__name"],
                "encounter": folded["encounter__number"],
                "due_from": other["due_from"].isoformat(),
            }
        )
        # Calls already merged into ``other`` follow it into the keeper.
        entries.extend(folded["reason"].pop("merged", []))
        folded["reason"].setdefault("notes", []).append(
            f"已并入同一次电话：{kept['plan__code']}/{kept['touchpoint__code']}"
            f"（{kept['encounter__number']}，应随访 {keeper['due_from']:%Y-%m-%d}）"
        )
        merged_into[other["id"]] = keeper["id"]
        changes.setdefault(keeper["id"], {})["priority"] = keeper["priority"]
        changes.setdefault(other["id"], {}).update(
            status=Status.MERGED, merged_into_id=keeper["id"]
        )
    for row, pushed in pushes:
        detail = details[row["id"]]
        try:
            windows = slots.parse_windows(detail["touchpoint__call_windows"])
        except (TypeError, ValueError):
            windows = slots.default_windows()
        patient = patients.get(row["patient_id"])
        preferred = patient.preferred_start if patient is not None else None
        slot = scheduling.first_slot(pushed, windows, preferred)
        detail["reason"].setdefault("notes", []).append(
            f"每 7 天最多联系 {cap} 次：顺延至 {pushed:%Y-%m-%d} "
            f"{timezone.localtime(slot, slots.local_zone()):%H:%M}"
        )
        # Keep what the rules gave, so a later run knows the move was the cap's.
        detail["reason"].setdefault(
            "base",
            {
                "due_from": row["due_from"].isoformat(),
                "due_until": row["due_until"].isoformat(),
                "first_slot": timezone.localtime(
                    row["next_attempt_at"], slots.local_zone()
                ).isoformat(),
                "channel": row["channel"],
            },
        )
        changes.setdefault(row["id"], {}).update(
            first_slot=slot, next_attempt_at=slot, due_until=max(row["due_until"], pushed)
        )
    attempts = {row["id"]: row["attempts"] for pair in merges for row in pair}
    attempts.update({row["id"]: row["attempts"] for row, _ in pushes})
    for pk, fields in changes.items():
        done = FollowUpTask.objects.filter(
            pk=pk, status=Status.PENDING, attempts=attempts[pk]
        ).update(reason=details[pk]["reason"], updated_at=now, version=F("version") + 1, **fields)
        if done and pk in merged_into:
            result.merged += 1
            # Calls merged into this one now belong to its keeper.
            FollowUpTask.objects.filter(merged_into_id=pk, status=Status.MERGED).update(
                merged_into_id=merged_into[pk], updated_at=now
            )


# --- Cancellation -----------------------------------------------------------------


@transaction.atomic
def tasks_cancel_for_patient(*, patient_id: int, reason: str, channels=None) -> int:
    """Cancel every open task of a patient (deceased, opted out); returns how many.

    Pending and no-phone tasks, and calls merged into them, become
    ``cancelled`` with ``closed_reason = reason``; ``channels`` limits it to
    those channels. Audited once. New encounters of a deceased patient get
    no task at all (generation checks ``Patient.deceased_on``).
    """
    now = timezone.now()
    tasks = FollowUpTask.objects.filter(patient_id=patient_id, status__in=RECONCILABLE)
    if channels:
        tasks = tasks.filter(channel__in=list(channels))
    count = tasks.update(
        status=Status.CANCELLED, closed_reason=reason, updated_at=now, version=F("version") + 1
    )
    if count:
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            patient_id=patient_id,
            field="followup_tasks",
            target_repr="取消患者的回访任务",
            changes={"cancelled": count, "reason": reason, "channels": list(channels or [])},
        )
    return count


@transaction.atomic
def tasks_cancel_for_encounter(*, encounter_id: int, reason: str) -> int:
    """Cancel the open tasks of one encounter (readmitted, transferred, encounter cancelled).

    Calls of the patient's other encounters that were merged into them
    become calls of their own again. Returns how many were cancelled; audited once.
    """
    now = timezone.now()
    open_tasks = FollowUpTask.objects.filter(encounter_id=encounter_id, status__in=RECONCILABLE)
    ids = list(open_tasks.values_list("id", flat=True))
    count = open_tasks.update(
        status=Status.CANCELLED, closed_reason=reason, updated_at=now, version=F("version") + 1
    )
    revived = _revive_merged(ids, now=now)
    if revived:
        _arrange(revived, now=now, result=GenerationResult())
    if count:
        encounter = Encounter.objects.filter(pk=encounter_id).only("id", "patient_id").first()
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target=encounter,
            patient_id=encounter.patient_id if encounter else None,
            field="followup_tasks",
            target_repr=f"取消就诊 {encounter_id} 的回访任务",
            changes={"cancelled": count, "reason": reason, "revived": len(revived)},
        )
    return count


# --- Plan edits and the nightly run --------------------------------------------------


@transaction.atomic
def tasks_replan_for_plan(*, plan: Plan, actor) -> int:
    """Plan a changed plan's open tasks again; returns how many tasks changed.

    Open tasks nobody has tried yet get the dates, slot and channel of the
    plan's current touchpoints (and its current version); those of
    touchpoints no longer in the plan, or of encounters it no longer takes,
    are cancelled; encounters the plan already covered get tasks for its new
    touchpoints. A deactivated plan's open tasks are cancelled. Audited.
    """
    now = timezone.now()
    plan = Plan.objects.get(pk=plan.pk)
    if not plan.is_active:
        open_tasks = FollowUpTask.objects.filter(
            plan_id=plan.pk, status__in=RECONCILABLE, attempts=0
        )
        ids = list(open_tasks.values_list("id", flat=True))
        changed = open_tasks.update(
            status=Status.CANCELLED,
            closed_reason="plan_deactivated",
            updated_at=now,
            version=F("version") + 1,
        )
        revived = _revive_merged(ids, now=now)
        if revived:
            _arrange(revived, now=now, result=GenerationResult())
        summary = {"cancelled": changed}
    else:
        encounter_ids = sorted(
            set(FollowUpTask.objects.filter(plan_id=plan.pk).values_list("encounter_id", flat=True))
        )
        result = _generate(encounter_ids, now=now, replan_plan_id=plan.pk)
        changed = result.created + result.updated + result.cancelled + result.merged
        summary = {"encounters": len(encounter_ids), **result.as_dict()}
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=plan,
        field="followup_tasks",
        changes={"replan": summary, "version": plan.version},
    )
    return changed


def tasks_replan_for_patients(
    patient_ids: Iterable[int], *, now: datetime | None = None
) -> GenerationResult:
    """Plan again the open, untried tasks of patients whose contact details changed.

    After a new preferred call time (or one cleared) the tasks' first slot
    and next attempt follow it; after a channel is refused its open tasks
    are cancelled (``opted_out``). Only encounters that still have an open
    task nobody has tried are planned, so an old encounter never planned
    gets no history rows from this. Audited as any generation call.
    """
    wanted = {int(pk) for pk in patient_ids}
    if not wanted:
        return GenerationResult()
    ids = {
        encounter_id
        for encounter_id, patient_id in FollowUpTask.objects.filter(
            id_filter("patient_id", wanted), status__in=RECONCILABLE, attempts=0
        ).values_list("encounter_id", "patient_id")
        if patient_id in wanted
    }
    return tasks_generate_for_encounters(ids, now=now)


def encounters_for_calendar_change(*, changed_on: date) -> list[int]:
    """Encounters with open tasks nobody has tried whose window reaches ``changed_on``.

    A task's dates depend only on the days from its anchor + offset to the
    end of its window, so a change of the working calendar on ``changed_on``
    can move only tasks due until that day or later (it may also move some
    of them not at all: planning again simply finds them unchanged).
    """
    return sorted(
        set(
            FollowUpTask.objects.filter(
                status__in=RECONCILABLE, attempts=0, due_until__gte=changed_on
            ).values_list("encounter_id", flat=True)
        )
    )


def tasks_replan_for_calendar(*, changed_on: date, now: datetime | None = None) -> GenerationResult:
    """Plan again the open, untried tasks a change of the holiday table on ``changed_on`` may move.

    Run in the background after the table is edited (``receivers``), so the
    tasks' dates, first slots and next attempts follow the new working
    calendar: a day made a holiday loses its calls, a day made a working
    day may get some earlier. Tasks already tried or closed, and tasks kept
    with an older plan version, stay as they are. The process's calendar
    cache is dropped first, so the new table is read even in a worker that
    loaded it moments ago. Audited and logged with what changed.
    """
    now = now or timezone.now()
    calendar.invalidate()
    ids = encounters_for_calendar_change(changed_on=changed_on)
    result = _generate(ids, now=now) if ids else GenerationResult()
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        field="followup_tasks",
        target_repr=f"节假日表变更（{changed_on:%Y-%m-%d}）后复核回访任务",
        changes={"changed_on": changed_on.isoformat(), "encounters": len(ids), **result.as_dict()},
    )
    logger.info(
        "holiday table changed on %s: re-planned %d encounters with open tasks: %s",
        changed_on.isoformat(),
        len(ids),
        result.as_dict(),
    )
    return result


def _dated_since(since: date) -> Q:
    """Encounters whose own date (discharge, else visit, else admission) is ``since`` or later."""
    return (
        Q(discharged_on__gte=since)
        | Q(discharged_on__isnull=True, visit_on__gte=since)
        | Q(discharged_on__isnull=True, visit_on__isnull=True, admitted_on__gte=since)
    )


def encounters_for_nightly(*, today: date) -> set[int]:
    """Encounters the nightly run plans: recent ones without any task, and repeats now due.

    Recent: the encounter's date within ``NIGHTLY_LOOKBACK_DAYS``. A repeat is
    due when the latest task of a repeating touchpoint is due and has no
    successor yet, and the touchpoint's maximum (``repeat_max``, 0 for none)
    allows one (generation decides whether one follows: a re-check, death
    or opt-out stops it). The night a chain's latest task falls due, its
    successor is planned, so only latest tasks due in the last
    ``NIGHTLY_LOOKBACK_DAYS`` are looked at: a chain a re-check ended is not
    planned again every night for ever.
    """
    since = today - timedelta(days=NIGHTLY_LOOKBACK_DAYS)
    recent = Encounter.objects.filter(_dated_since(since))
    without_tasks = recent.filter(
        ~Exists(FollowUpTask.objects.filter(encounter=OuterRef("pk"))),
        ~Exists(PassedTouchpoint.objects.filter(encounter=OuterRef("pk"))),
    )
    same_touchpoint_next = {
        "encounter_id": OuterRef("encounter_id"),
        "touchpoint_id": OuterRef("touchpoint_id"),
        "sequence": OuterRef("sequence") + 1,
    }
    successor = FollowUpTask.objects.filter(**same_touchpoint_next)
    passed_successor = PassedTouchpoint.objects.filter(**same_touchpoint_next)
    repeats_due = (
        FollowUpTask.objects.filter(
            Q(touchpoint__repeat_max=0) | Q(sequence__lt=F("touchpoint__repeat_max")),
            touchpoint__repeat_every_days__isnull=False,
            touchpoint__repeat_every_days__gt=0,
            plan__is_active=True,
            due_from__lte=today,
            due_from__gte=since,
        )
        .exclude(status=Status.CANCELLED)
        .filter(~Exists(successor), ~Exists(passed_successor))
    )
    ids = set(without_tasks.values_list("pk", flat=True))
    ids.update(repeats_due.values_list("encounter_id", flat=True))
    return ids


# Encounters handed to one generation call by a back-fill: one audit entry
# each, and the id list of a call stays small.
BACKFILL_BATCH = 50_000


def encounters_for_backfill(*, source: str | None = None, since: date | None = None) -> list[int]:
    """Ids of the encounters a back-fill plans, in id order: all, or of one source, or dated since."""
    encounters = Encounter.objects.all()
    if source:
        encounters = encounters.filter(source_system=source)
    if since is not None:
        encounters = encounters.filter(_dated_since(since))
    return list(encounters.order_by("pk").values_list("pk", flat=True))


def tasks_generate_backfill(
    encounter_ids: list[int], *, now: datetime | None = None
) -> GenerationResult:
    """Plan many encounters at once (after a back-fill import), ``BACKFILL_BATCH`` per call.

    The same as the jobs an import enqueues batch by batch, in one go:
    idempotent, so a run stopped half-way is simply started again. From
    the command line the lanes run as forked processes (``_lanes_in_processes``).
    """
    now = now or timezone.now()
    total = GenerationResult()
    for start in range(0, len(encounter_ids), BACKFILL_BATCH):
        total.add(
            tasks_generate_for_encounters(encounter_ids[start : start + BACKFILL_BATCH], now=now)
        )
    return total


def tasks_generate_nightly(*, now: datetime | None = None) -> GenerationResult:
    """The nightly pass: the next repeats, and encounters whose tasks were never planned.

    Pending tasks whose window has passed stay pending (the worklist shows
    them as overdue).
    """
    now = now or timezone.now()
    return tasks_generate_for_encounters(
        encounters_for_nightly(today=slots.local_day(now)), now=now
    )
