"""Reads for scheduling: plans as rules, encounters and patients as facts, and explain.

The loaders read in bulk (a fixed number of queries for any number of
encounters) and return the plain dataclasses of ``scheduling``, so
generation and explain run the same rules on the same facts.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Q, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from huifang.accounts.models import Department
from huifang.followups import scheduling, slots
from huifang.followups.models import (
    FollowUpTask,
    PassedTouchpoint,
    Plan,
    ReportedRecheck,
    Touchpoint,
)
from huifang.followups.scheduling import (
    EncounterFacts,
    PatientFacts,
    PhoneFacts,
    PlanRules,
    StopFacts,
    TouchpointRule,
)
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    Patient,
    PhoneNumber,
    Procedure,
)


def id_filter(field: str, ids: Iterable[int]) -> Q:
    """``field IN ids`` — for many ids packed close together ``field BETWEEN lo AND hi``.

    Encounters written by one import have consecutive ids: a range is far
    cheaper to build and to run than thousands of parameters. The range may
    hold a few other rows; callers keep only the ids they asked for. Many
    scattered ids go as one array (``core.lookups.AnyOf``).
    """
    ids = sorted(set(ids))
    if len(ids) > 50 and len(ids) * 2 >= ids[-1] - ids[0] + 1:
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    if len(ids) > 50:
        return Q(**{f"{field}__any_of": ids})
    return Q(**{f"{field}__in": ids})


# --- Plans as rules -------------------------------------------------------------


def _descendants(roots: Iterable[int], children: dict[int | None, list[int]]) -> set[int]:
    found, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return found


def _touchpoint_rule(row: dict) -> TouchpointRule:
    try:
        windows = slots.parse_windows(row["call_windows"])
    except (TypeError, ValueError):
        # A malformed override must not stop scheduling; the default windows apply.
        windows = slots.default_windows()
    return TouchpointRule(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        anchor=row["anchor"],
        offset_days=row["offset_days"],
        window_days=row["window_days"],
        channel=row["channel"],
        condition=row["condition"] or "",
        windows=windows,
        max_attempts=row["max_attempts"],
        priority=row["priority"],
        repeat_every_days=row["repeat_every_days"],
        repeat_max=row["repeat_max"] or 0,
        questionnaire_code=row["questionnaire_code"],
        position=row["position"],
    )


def load_plan_rules(*, active_only: bool = True, plan_ids: Iterable[int] | None = None):
    """Plans as ``PlanRules`` (highest priority first), sub-departments resolved once per plan.

    Five queries whatever the number of plans: plans, their departments,
    the department tree, touchpoints.
    """
    plans_qs = Plan.objects.all()
    if active_only:
        plans_qs = plans_qs.filter(is_active=True)
    if plan_ids is not None:
        plans_qs = plans_qs.filter(pk__in=list(plan_ids))
    rows = list(plans_qs.order_by("-priority", "code").values())
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    selected: dict[int, list[int]] = defaultdict(list)
    for plan_id, department_id in Plan.departments.through.objects.filter(
        plan_id__in=ids
    ).values_list("plan_id", "department_id"):
        selected[plan_id].append(department_id)
    children: dict[int | None, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    if selected:
        for department_id, parent_id, name in Department.objects.values_list(
            "id", "parent_id", "name"
        ):
            children[parent_id].append(department_id)
            names[department_id] = name
    touchpoints: dict[int, list[TouchpointRule]] = defaultdict(list)
    for row in (
        Touchpoint.objects.filter(plan_id__in=ids)
        .order_by("position", "offset_days", "id")
        .values()
    ):
        touchpoints[row["plan_id"]].append(_touchpoint_rule(row))
    result = []
    for row in rows:
        chosen = selected.get(row["id"], [])
        department_ids = (
            _descendants(chosen, children) if row["include_subdepartments"] else set(chosen)
        )
        result.append(
            PlanRules(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                version=row["version"],
                priority=row["priority"],
                encounter_kinds=frozenset(row["encounter_kinds"] or ()),
                department_ids=frozenset(department_ids),
                department_names=tuple(sorted(names.get(d, str(d)) for d in chosen)),
                include_subdepartments=row["include_subdepartments"],
                icd_prefixes=tuple(
                    str(p).strip().upper() for p in row["icd_prefixes"] or () if str(p).strip()
                ),
                diagnosis_keywords=tuple(
                    str(k).strip() for k in row["diagnosis_keywords"] or () if str(k).strip()
                ),
                age_min=row["age_min"],
                age_max=row["age_max"],
                sex=row["sex"] or "",
                tags=frozenset(str(t).strip() for t in row["tags"] or () if str(t).strip()),
                fallback_channel=row["fallback_channel"] or "",
                touchpoints=tuple(touchpoints.get(row["id"], ())),
                is_active=row["is_active"],
            )
        )
    return result


def load_active_plans() -> list[PlanRules]:
    """The active plans as rules, loaded once per generation run (not per encounter)."""
    return load_plan_rules(active_only=True)


# --- Encounters and patients as facts ------------------------------------------------


def encounter_facts_load(
    encounter_ids: Iterable[int],
) -> tuple[dict[int, EncounterFacts], dict[int, PatientFacts]]:
    """Facts of the encounters by id, and of their patients: six queries for any number.

    The patients are read by their own ids (``patient_facts_load``), once
    for both: joined to the encounters, PostgreSQL reads the whole patient
    table for a chunk spanning more than a few thousand encounter ids.
    """
    ids = set(encounter_ids)
    if not ids:
        return {}, {}
    by_encounter = id_filter("encounter_id", ids)
    codes: dict[int, list[str]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    for encounter_id, code, name in Diagnosis.objects.filter(by_encounter).values_list(
        "encounter_id", "code", "name"
    ):
        if code:
            codes[encounter_id].append(code.strip().upper())
        if name:
            names[encounter_id].append(name)
    procedures: dict[int, list[date | None]] = defaultdict(list)
    for encounter_id, performed_on in Procedure.objects.filter(by_encounter).values_list(
        "encounter_id", "performed_on"
    ):
        procedures[encounter_id].append(performed_on)
    findings: dict[int, list[str]] = defaultdict(list)
    for encounter_id, kind in AbnormalFinding.objects.filter(by_encounter).values_list(
        "encounter_id", "kind"
    ):
        findings[encounter_id].append(kind)
    facts = {}
    rows = list(
        Encounter.objects.filter(id_filter("pk", ids))
        .order_by()
        .values_list(
            "id",
            "patient_id",
            "kind",
            "number",
            "source_system",
            "department_id",
            "department__name",
            "admitted_on",
            "discharged_on",
            "visit_on",
            KT("source_record__visit_type"),  # as text: no JSON decoding per row
        )
    )
    patients = patient_facts_load({row[1] for row in rows if row[0] in ids})
    for (
        pk,
        patient_id,
        kind,
        number,
        source,
        department_id,
        department_name,
        admitted_on,
        discharged_on,
        visit_on,
        visit_type,
    ) in rows:
        if pk not in ids:
            continue
        patient = patients.get(patient_id)
        performed = procedures.get(pk, [])
        dated = [day for day in performed if day is not None]
        facts[pk] = EncounterFacts(
            id=pk,
            patient_id=patient_id,
            kind=kind,
            department_id=department_id,
            number=number,
            source=source,
            department_name=department_name or "",
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            visit_on=visit_on,
            procedure_on=min(dated) if dated else None,
            has_procedure=bool(performed),
            icd_codes=tuple(codes.get(pk, ())),
            diagnosis_names=tuple(names.get(pk, ())),
            tags=scheduling.encounter_tags(findings.get(pk, ()), visit_type),
            birth_date=patient.birth_date if patient is not None else None,
            sex=patient.sex if patient is not None else "",
        )
    return facts, patients


def patient_facts_load(patient_ids: Iterable[int]) -> dict[int, PatientFacts]:
    """Stop conditions, preferred time, numbers, birth date and sex of the patients by id: two queries."""
    ids = set(patient_ids)
    if not ids:
        return {}
    phones: dict[int, list[PhoneFacts]] = defaultdict(list)
    for patient_id, pk, status, line_type, owner, is_primary in (
        PhoneNumber.objects.filter(id_filter("patient_id", ids))
        .order_by("id")
        .values_list("patient_id", "id", "status", "line_type", "owner", "is_primary")
    ):
        if patient_id in ids:
            phones[patient_id].append(PhoneFacts(pk, status, line_type, owner, is_primary))
    result = {}
    # The refused channels as the database's text, decoded once per distinct
    # value: nearly every patient has the same empty list.
    refused: dict[str | None, frozenset[str]] = {}
    for pk, birth_date, sex, deceased_on, do_not_contact, start, end in (
        Patient.objects.filter(id_filter("pk", ids))
        .order_by()
        .values_list(
            "id",
            "birth_date",
            "sex",
            "deceased_on",
            Cast("do_not_contact", TextField()),
            "preferred_time_start",
            "preferred_time_end",
        )
    ):
        if pk not in ids:
            continue
        channels = refused.get(do_not_contact)
        if channels is None:
            channels = refused[do_not_contact] = frozenset(
                (json.loads(do_not_contact) if do_not_contact else None) or ()
            )
        result[pk] = PatientFacts(
            id=pk,
            birth_date=birth_date,
            sex=sex or "",
            deceased_on=deceased_on,
            do_not_contact=channels,
            preferred_start=start,
            preferred_end=end,
            phones=tuple(phones.get(pk, ())),
        )
    return result


def stop_facts_load(facts: Iterable[EncounterFacts]) -> dict[int, StopFacts]:
    """Readmission and re-check dates for each encounter (one query for all their patients)."""
    wanted = [f for f in facts if f.kind in (scheduling.INPATIENT, scheduling.HEALTH_CHECK)]
    if not wanted:
        return {}
    others: dict[int, list[tuple]] = defaultdict(list)
    for pk, patient_id, kind, admitted_on, discharged_on, visit_on in (
        Encounter.objects.filter(
            id_filter("patient_id", {f.patient_id for f in wanted}),
            kind__in=[scheduling.INPATIENT, scheduling.HEALTH_CHECK],
        )
        .order_by()
        .values_list("id", "patient_id", "kind", "admitted_on", "discharged_on", "visit_on")
    ):
        others[patient_id].append((pk, kind, admitted_on, discharged_on or visit_on or admitted_on))
    # A re-check the patient reported (questionnaire) stands for a later health check.
    reported: dict[int, list[tuple]] = defaultdict(list)
    checks = [f.id for f in wanted if f.kind == scheduling.HEALTH_CHECK]
    if checks:
        for encounter_id, reported_on in ReportedRecheck.objects.filter(
            id_filter("encounter_id", checks)
        ).values_list("encounter_id", "reported_on"):
            reported[encounter_id].append((0, scheduling.HEALTH_CHECK, None, reported_on))
    return {
        f.id: scheduling.stop_facts(f, [*others.get(f.patient_id, ()), *reported.get(f.id, ())])
        for f in wanted
    }


# --- Explain ------------------------------------------------------------------


def _iso(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value, slots.local_zone()).isoformat()
    return value.isoformat()


def task_reason_zh(
    reason: dict | None, *, status: str, closed_reason: str = "", extra: str = ""
) -> str:
    """A task's stored reasoning as one Chinese sentence (dates, notes, merges, closing)."""
    reason = reason if isinstance(reason, dict) else {}
    parts = [reason.get("text", "")]
    parts.extend(reason.get("notes", []))
    merged = reason.get("merged") or []
    if merged:
        parts.append(
            "同一次电话合并了："
            + "、".join(
                f"{item.get('plan')}/{item.get('touchpoint')}（{item.get('encounter')}，"
                f"应随访 {item.get('due_from')}）"
                for item in merged
            )
        )
    if closed_reason and status == FollowUpTask.Status.CANCELLED:
        label = scheduling.CLOSED_REASONS_ZH.get(closed_reason, closed_reason)
        if not any(label in part for part in parts):  # a note may have said it already
            parts.append("已取消：" + label)
    if extra:
        parts.append(extra)
    return "；".join(part for part in parts if part)


_PASSED_NOTE = "补录的历史记录"


def task_list_for_encounter(
    encounter: Encounter, planned: Iterable[scheduling.PlannedTask] = ()
) -> list[dict]:
    """The encounter's tasks and passed records as explain lists them, in plan order.

    ISO dates, reasons in Chinese. A passed record keeps no reason of its
    own: it takes the calendar reasoning of ``planned`` (the rules applied
    again) when they give the same dates, and always says why no one was
    contacted — the day it was written and the day its window had ended — with
    that day as ``recorded_on`` (only passed records carry it).
    """
    order = ("plan__code", "touchpoint__position", "touchpoint__offset_days", "sequence")
    fields = ("channel", "due_from", "due_until", "first_slot")
    rows = list(
        FollowUpTask.objects.filter(encounter_id=encounter.pk)
        .order_by(*order, "id")
        .values(*order, "touchpoint__code", *fields, "status", "reason", "closed_reason")
    )
    by_key = {(task.plan.code, task.touchpoint.code, task.sequence): task for task in planned}
    for row in (
        PassedTouchpoint.objects.filter(encounter_id=encounter.pk)
        .order_by(*order)
        .values(*order, "touchpoint__code", *fields, "recorded_at")
    ):
        task = by_key.get((row["plan__code"], row["touchpoint__code"], row["sequence"]))
        reason: dict = {}
        if task is not None and (task.due_from, task.due_until) == (
            row["due_from"],
            row["due_until"],
        ):
            reason = dict(task.reason())
            # Said below, with the day the record was written.
            reason["notes"] = [
                note for note in reason.get("notes", []) if not note.startswith(_PASSED_NOTE)
            ]
        recorded_on = timezone.localtime(row.pop("recorded_at"), slots.local_zone()).date()
        reason.setdefault("notes", []).append(
            f"{_PASSED_NOTE}：{recorded_on:%Y-%m-%d} 录入本次就诊时，窗口已于 "
            f"{row['due_until']:%Y-%m-%d} 结束，因此没有安排回访、不再排队（计入“窗口已过”）"
        )
        rows.append(
            {
                **row,
                "status": FollowUpTask.Status.WINDOW_PASSED,
                "reason": reason,
                "closed_reason": "",
                "recorded_on": recorded_on,
            }
        )
    rows.sort(key=lambda row: tuple(row[name] for name in order))
    tasks = []
    for row in rows:
        warning = scheduling.calendar_warning_zh((row["due_from"], row["due_until"]))
        passed = {"recorded_on": _iso(row["recorded_on"])} if "recorded_on" in row else {}
        tasks.append(
            {
                **passed,
                "plan": row["plan__code"],
                "touchpoint": row["touchpoint__code"],
                "channel": row["channel"],
                "status": row["status"],
                "due_from": _iso(row["due_from"]),
                "due_until": _iso(row["due_until"]),
                "first_slot": _iso(row["first_slot"]),
                "reason": task_reason_zh(
                    row["reason"],
                    status=row["status"],
                    closed_reason=row["closed_reason"],
                    extra=warning,
                ),
            }
        )
    return tasks


def schedule_explain(*, encounter: Encounter, today: date | None = None) -> dict:
    """Which plans matched the encounter and why (not), and its tasks with the reasoning.

    ``{"encounter": number, "plans": [{"code", "matched", "reason"}], "tasks":
    [{"plan", "touchpoint", "channel", "status", "due_from", "due_until",
    "first_slot", "reason"}]}``, ISO dates and datetimes. Active plans are
    listed, and inactive ones that still have tasks on this encounter. A
    date in a year whose holidays are not announced carries a warning in
    the task's reason.
    """
    today = today or timezone.localdate(timezone=slots.local_zone())
    facts_by_id, patients = encounter_facts_load([encounter.pk])
    facts = facts_by_id[encounter.pk]
    patient = patients[facts.patient_id]
    stops = stop_facts_load([facts]).get(facts.id)
    plans = load_active_plans()
    plan_ids = {plan.id for plan in plans}
    with_tasks = set(
        FollowUpTask.objects.filter(encounter_id=encounter.pk)
        .values_list("plan_id", flat=True)
        .distinct()
    ) | set(
        PassedTouchpoint.objects.filter(encounter_id=encounter.pk).values_list("plan_id", flat=True)
    )
    inactive = load_plan_rules(active_only=False, plan_ids=with_tasks - plan_ids)
    scheduler = scheduling.Scheduler(today=today, explain=True)
    planned = scheduler.plan_encounter(facts, patient, plans, stops=stops or scheduling.NO_STOPS)
    skipped: dict[int, list[str]] = defaultdict(list)
    for plan, touchpoint, why in planned.skipped:
        skipped[plan.id].append(f"{touchpoint.name}（{touchpoint.code}）不安排：{why}")
    rows = []
    for verdict in planned.verdicts:
        reason = "；".join([verdict.reason, *skipped.get(verdict.plan.id, [])])
        rows.append({"code": verdict.plan.code, "matched": verdict.matched, "reason": reason})
    for plan in inactive:
        _matched, _code, reason = scheduling.plan_matches(plan, facts, today)
        rows.append(
            {
                "code": plan.code,
                "matched": False,
                "reason": f"计划已停用（已有的任务保留）；{reason}",
            }
        )
    return {
        "encounter": encounter.number,
        "plans": rows,
        "tasks": task_list_for_encounter(encounter, planned.tasks),
    }


def schedule_calendar_warning(explanation: dict) -> str:
    """The unannounced-year warning for an explanation's dates, or "" (for pages and commands)."""
    days = []
    for task in explanation.get("tasks", []):
        for key in ("due_from", "due_until"):
            if task.get(key):
                days.append(date.fromisoformat(task[key]))
    return scheduling.calendar_warning_zh(days)


def reason_without_warning(reason: str, warning: str) -> str:
    """A task's reason without the calendar warning a page or command already shows once."""
    if not warning or not reason:
        return reason
    return reason.replace("；" + warning, "").replace(warning, "").strip("；")
