"""The fast generation path gives what the plain one gives.

- The scheduler's memos (plan matches per distinct facts, one task shape
  per distinct date / phone situation / readmission) plan every encounter
  exactly as a scheduler that has never seen another encounter.
- The row writer stores what the model would store, and skips tasks that
  exist already without spoiling the transaction.
- On PostgreSQL a large run planned in lanes (threads, by patient) ends
  with the same tasks as one lane.
"""

import os
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core.bulk import fresh_uuids
from huifang.followups.models import FollowUpTask, PassedTouchpoint, Plan
from huifang.followups.scheduling import (
    NO_STOPS,
    EncounterFacts,
    PatientFacts,
    PhoneFacts,
    PlannedTask,
    PlanRules,
    Scheduler,
    StopFacts,
    TouchpointRule,
)
from huifang.followups.selectors import load_active_plans
from huifang.followups.services import generation
from huifang.followups.services.taskrows import TaskRowWriter
from huifang.testing.factories import EncounterFactory, PatientFactory, PhoneFactory

pytestmark = pytest.mark.django_db  # the calendar reads the holiday table

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tp(id, code, anchor="discharge", offset=3, window=4, channel="phone", **fields):
    return TouchpointRule(
        id=id,
        code=code,
        name=code,
        anchor=anchor,
        offset_days=offset,
        window_days=window,
        channel=channel,
        **fields,
    )


# Plans that look at every fact the match memo keys on (kind, department,
# codes, keywords, age, sex, tags), compete by priority, fall back to SMS,
# repeat, and use their own call windows.
PLANS = [
    PlanRules(
        id=1,
        code="discharge",
        name="出院",
        encounter_kinds=frozenset({"inpatient"}),
        fallback_channel="sms",
        touchpoints=(
            tp(1, "call"),
            tp(2, "survey", offset=15, window=10, channel="web"),
            tp(3, "targeted", offset=30, window=5, condition="chronic_or_surgical"),
        ),
    ),
    PlanRules(
        id=2,
        code="elderly-cardiology",
        name="老年心内",
        priority=5,
        encounter_kinds=frozenset({"inpatient", "outpatient"}),
        department_ids=frozenset({10, 11}),
        age_min=65,
        touchpoints=(tp(4, "evening", offset=7, window=3, windows=((time(19), time(21)),)),),
    ),
    PlanRules(
        id=3,
        code="diabetes-women",
        name="糖尿病女性",
        encounter_kinds=frozenset({"outpatient"}),
        icd_prefixes=("E11",),
        diagnosis_keywords=("糖尿病",),
        sex="F",
        touchpoints=(tp(5, "sms", anchor="visit", offset=1, window=2, channel="sms"),),
    ),
    PlanRules(
        id=4,
        code="first-visit-specialist",
        name="专科初诊",
        priority=10,
        encounter_kinds=frozenset({"outpatient"}),
        tags=frozenset({"初诊"}),
        touchpoints=(tp(6, "day7", anchor="visit", offset=7, window=3),),
    ),
    PlanRules(
        id=5,
        code="first-visit-general",
        name="基础初诊",
        priority=5,
        encounter_kinds=frozenset({"outpatient"}),
        tags=frozenset({"初诊"}),
        touchpoints=(tp(7, "day10", anchor="visit", offset=10, window=3),),
    ),
    PlanRules(
        id=6,
        code="health-check",
        name="体检异常",
        encounter_kinds=frozenset({"health_check"}),
        tags=frozenset({"lipids", "glucose"}),
        touchpoints=(tp(8, "recheck", anchor="visit", offset=1, window=5, repeat_every_days=30),),
    ),
]

# Around Spring Festival and National Day 2026 (announced, with make-up
# days) and in 2027 (not announced: weekends only).
anchors = st.one_of(
    st.dates(date(2026, 1, 20), date(2026, 3, 10)),
    st.dates(date(2026, 9, 10), date(2026, 10, 20)),
    st.dates(date(2027, 1, 25), date(2027, 3, 1)),
    st.dates(date(2027, 9, 20), date(2027, 10, 15)),
)
phones = st.lists(
    st.builds(
        PhoneFacts,
        id=st.integers(1, 5),
        status=st.sampled_from(["valid", "unknown", "invalid", "suspended"]),
        line_type=st.sampled_from(["mobile", "landline", "unknown"]),
        owner=st.sampled_from(["self", "family", "other"]),
        is_primary=st.booleans(),
    ),
    max_size=3,
).map(tuple)


@st.composite
def cases(draw):
    kind = draw(st.sampled_from(["inpatient", "outpatient", "health_check", "day_surgery"]))
    anchor = draw(anchors)
    stay = kind == "inpatient"
    facts = EncounterFacts(
        id=draw(st.integers(1, 10**6)),
        patient_id=1,
        kind=kind,
        department_id=draw(st.sampled_from([None, 10, 11, 12])),
        admitted_on=anchor - timedelta(days=draw(st.integers(1, 10))) if stay else None,
        discharged_on=anchor if stay and draw(st.integers(0, 9)) else None,
        visit_on=None if stay else anchor,
        has_procedure=draw(st.booleans()),
        icd_codes=tuple(
            draw(st.lists(st.sampled_from(["I10", "E11.9", "J18.9", "C34"]), max_size=2))
        ),
        diagnosis_names=tuple(draw(st.lists(st.sampled_from(["2型糖尿病", "肺炎"]), max_size=1))),
        tags=frozenset(
            draw(st.lists(st.sampled_from(["初诊", "复诊", "lipids", "glucose"]), max_size=2))
        ),
        birth_date=draw(st.one_of(st.none(), st.dates(date(1930, 1, 1), date(2000, 12, 31)))),
        sex=draw(st.sampled_from(["M", "F", ""])),
    )
    patient = PatientFacts(
        id=1,
        deceased_on=draw(st.one_of(st.none(), st.just(date(2026, 1, 1))))
        if not draw(st.integers(0, 9))
        else None,
        do_not_contact=frozenset(
            draw(st.lists(st.sampled_from(["phone", "sms", "web"]), max_size=1))
        ),
        preferred_start=draw(st.one_of(st.none(), st.sampled_from([time(9), time(19, 30)]))),
        phones=draw(phones),
    )
    readmitted = draw(st.one_of(st.none(), st.integers(0, 40)))
    recheck = draw(st.one_of(st.none(), st.integers(1, 200)))
    stops = StopFacts(
        readmitted_on=anchor + timedelta(days=readmitted) if readmitted is not None else None,
        recheck_on=anchor + timedelta(days=recheck) if recheck is not None else None,
    )
    return facts, patient, stops


def fields_of(task) -> tuple:
    return (
        task.plan.code,
        task.touchpoint.code,
        task.sequence,
        task.channel,
        task.status,
        task.due_from,
        task.due_until,
        task.first_slot,
        task.phone_id,
        task.text,
        tuple(task.notes),
        task.closed_reason,
        task.iso,
        task.reason(),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    encounters=st.lists(cases(), min_size=1, max_size=25),
    today=st.sampled_from([date(2026, 2, 10), date(2026, 10, 9), date(2027, 2, 1)]),
    cancel_on_readmission=st.booleans(),
)
def test_the_remembering_scheduler_plans_each_encounter_as_a_fresh_one(
    encounters, today, cancel_on_readmission
):
    shared = Scheduler(today=today, cancel_on_readmission=cancel_on_readmission)
    for facts, patient, stops in encounters:
        fresh = Scheduler(today=today, cancel_on_readmission=cancel_on_readmission, explain=True)
        expected = fresh.plan_encounter(facts, patient, PLANS, stops=stops)
        got = shared.plan_encounter(facts, patient, PLANS, stops=stops)
        assert [fields_of(t) for t in got.tasks] == [fields_of(t) for t in expected.tasks]
        # (Generation looks only at the plans for the encounter's kind.)
        assert [v.plan.code for v in got.verdicts if v.matched] == [
            v.plan.code for v in expected.verdicts if v.matched
        ]
        pairs = shared.plan_shapes(facts, patient, PLANS, stops=stops)
        assert [(s.touchpoint.code, s.sequence, s.status, p) for s, p in pairs] == [
            (t.touchpoint.code, t.sequence, t.status, t.phone_id) for t in expected.tasks
        ]
        # Another patient's encounter alike in every fact the rules read takes the
        # remembered shapes, dialled on that patient's own numbers; one that
        # differs in a number to dial or in its stops does not.
        twin_facts = replace(facts, id=facts.id + 1, patient_id=2)
        renumbered = tuple(replace(p, id=p.id + 100) for p in patient.phones)
        for twin, twin_stops in (
            (replace(patient, id=2, phones=renumbered), stops),
            (replace(patient, id=2, phones=()), stops),
            (replace(patient, id=2, phones=renumbered), NO_STOPS),
        ):
            expected = Scheduler(
                today=today, cancel_on_readmission=cancel_on_readmission, explain=True
            ).plan_encounter(twin_facts, twin, PLANS, stops=twin_stops)
            pairs = shared.plan_shapes(twin_facts, twin, PLANS, stops=twin_stops)
            assert [fields_of(PlannedTask.of(s, p)) for s, p in pairs] == [
                fields_of(t) for t in expected.tasks
            ]


def test_time_ordered_uuids_are_version_7_and_distinct():
    hexes = fresh_uuids(1000)
    assert len(set(hexes)) == 1000
    parsed = [uuid.UUID(h) for h in hexes]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}


@pytest.fixture
def plan_rules():
    Plan.objects.exclude(code="inpatient-discharge").update(is_active=False)
    return load_active_plans()


def test_the_writer_stores_what_the_model_reads_back_and_skips_existing_tasks(plan_rules):
    patient = PatientFactory()
    phone = PhoneFactory(patient=patient, status="valid", is_primary=True)
    stay = EncounterFactory(
        patient=patient,
        kind="inpatient",
        admitted_on=date(2026, 9, 20),
        discharged_on=date(2026, 9, 28),
    )
    facts_by_id, patients = generation.encounter_facts_load([stay.pk])
    facts, patient_facts = facts_by_id[stay.pk], patients[patient.pk]
    pairs = Scheduler(today=date(2026, 11, 20)).plan_shapes(facts, patient_facts, plan_rules)
    assert pairs
    now = datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI)
    writer = TaskRowWriter()
    rows = [(shape, patient.pk, stay.pk, phone_id) for shape, phone_id in pairs]
    with transaction.atomic():
        inserted, uuids = writer.write(rows, now=now)
    assert inserted == len(rows)
    stored = {
        t.touchpoint_id: t for t in FollowUpTask.objects.filter(encounter=stay).order_by("id")
    }
    for (shape, phone_id), task_uuid in zip(pairs, uuids, strict=True):
        task = stored[shape.touchpoint.id]
        assert task.uuid == uuid.UUID(task_uuid)
        assert (task.status, task.channel, task.due_from, task.due_until) == (
            shape.status,
            shape.channel,
            shape.due_from,
            shape.due_until,
        )
        assert task.first_slot == task.next_attempt_at == shape.first_slot
        assert task.phone_id == phone_id == (phone.pk if shape.channel != "web" else None)
        assert task.reason == shape.reason()
        assert (task.plan_id, task.plan_version, task.sequence) == (
            shape.plan.id,
            shape.plan.version,
            shape.sequence,
        )
        assert (task.max_attempts, task.priority, task.attempts, task.version) == (
            shape.touchpoint.max_attempts,
            shape.touchpoint.priority,
            0,
            0,
        )
        assert task.created_at == task.updated_at == now
    # The same tasks again (another run got there first): nothing written,
    # and the transaction goes on.
    with transaction.atomic():
        again, _ = writer.write(rows, now=now)
        assert again == 0
        assert FollowUpTask.objects.filter(encounter=stay).count() == len(rows)


def test_the_writer_stores_passed_records_as_read_back_and_skips_existing_ones(plan_rules):
    patient = PatientFactory()
    PhoneFactory(patient=patient, status="valid", is_primary=True)
    stay = EncounterFactory(
        patient=patient,
        kind="inpatient",
        admitted_on=date(2026, 8, 20),
        discharged_on=date(2026, 8, 28),
    )
    PassedTouchpoint.objects.all().delete()  # whatever saving the stay planned
    facts_by_id, patients = generation.encounter_facts_load([stay.pk])
    facts, patient_facts = facts_by_id[stay.pk], patients[patient.pk]
    shapes = [
        shape
        for shape, _ in Scheduler(today=date(2026, 11, 20)).plan_shapes(
            facts, patient_facts, plan_rules
        )
        if shape.status == "window_passed"
    ]
    assert shapes
    now = datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI)
    writer = TaskRowWriter()
    rows = [(shape, stay.pk) for shape in shapes]
    with transaction.atomic():
        assert writer.write_passed(rows, now=now) == len(rows)
    stored = {p.touchpoint_id: p for p in PassedTouchpoint.objects.filter(encounter=stay)}
    for shape in shapes:
        record = stored[shape.touchpoint.id]
        assert (
            record.plan_id,
            record.sequence,
            record.channel,
            record.due_from,
            record.due_until,
            record.first_slot,
            record.recorded_at,
        ) == (
            shape.plan.id,
            shape.sequence,
            shape.channel,
            shape.due_from,
            shape.due_until,
            shape.first_slot,
            now,
        )
    # Written again (another run got there first): nothing new, the transaction goes on.
    with transaction.atomic():
        assert writer.write_passed(rows, now=now) == 0
        assert PassedTouchpoint.objects.filter(encounter=stay).count() == len(rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lanes need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lanes_by_patient_end_with_the_tasks_of_one_lane(monkeypatch):
    Plan.objects.exclude(code="inpatient-discharge").update(is_active=False)
    stays = []
    for n in range(12):
        patient = PatientFactory()
        PhoneFactory(patient=patient, status="valid" if n % 3 else "invalid", is_primary=True)
        for k in range(1 + n % 3):  # up to three stays: readmissions cancel calls
            discharged = date(2026, 10, 1) + timedelta(days=9 * k + n)
            stays.append(
                EncounterFactory(
                    patient=patient,
                    kind="inpatient",
                    admitted_on=discharged - timedelta(days=4),
                    discharged_on=discharged,
                ).pk
            )
    now = datetime(2026, 10, 9, 8, 0, tzinfo=SHANGHAI)

    def tasks():
        return sorted(
            FollowUpTask.objects.values_list(
                "encounter_id",
                "touchpoint_id",
                "sequence",
                "status",
                "channel",
                "due_from",
                "first_slot",
                "closed_reason",
                "merged_into__encounter_id",
            )
        )

    monkeypatch.setattr(generation, "CHUNK_SIZE", 4)
    monkeypatch.setattr(generation, "_generation_threads", lambda: 1)
    assert len(generation._lanes(stays)) == 1
    one = generation.tasks_generate_for_encounters(stays, now=now)
    expected = tasks()
    FollowUpTask.objects.all().delete()

    monkeypatch.setattr(generation, "_generation_threads", lambda: 3)
    lanes = generation._lanes(stays)
    assert len(lanes) == 3
    assert sorted(pk for lane in lanes for pk in lane) == sorted(stays)
    forked = []
    in_processes = generation._lanes_in_processes
    monkeypatch.setattr(
        generation,
        "_lanes_in_processes",
        lambda lanes, **kw: forked.append(len(lanes)) or in_processes(lanes, **kw),
    )
    # Forked lane processes where forking is safe (the command line), else threads.
    for fork_safe in (True, False):
        monkeypatch.setattr(generation, "worker_possible", lambda fork_safe=fork_safe: fork_safe)
        FollowUpTask.objects.all().delete()
        several = generation.tasks_generate_for_encounters(stays, now=now)
        assert tasks() == expected
        assert several.as_dict() == one.as_dict()
        # And again: nothing new.
        assert generation.tasks_generate_for_encounters(stays, now=now).created == 0
    assert forked == [3, 3]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lanes need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_lane_process_fails_the_run_and_planning_again_finishes_it(monkeypatch):
    Plan.objects.exclude(code="inpatient-discharge").update(is_active=False)
    stays = [
        EncounterFactory(
            patient=PhoneFactory(status="valid", is_primary=True).patient,
            kind="inpatient",
            admitted_on=date(2026, 9, 26),
            discharged_on=date(2026, 10, 1) + timedelta(days=n),
        ).pk
        for n in range(10)
    ]
    now = datetime(2026, 10, 9, 8, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr(generation, "CHUNK_SIZE", 4)
    monkeypatch.setattr(generation, "_generation_threads", lambda: 2)
    monkeypatch.setattr(generation, "worker_possible", lambda: True)
    parent = os.getpid()
    plan_lane = generation._generate_lane

    def failing_in_child(lane, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("the server went away")
        return plan_lane(lane, **kwargs)

    monkeypatch.setattr(generation, "_generate_lane", failing_in_child)
    first_lane, _ = generation._lanes(stays)
    with pytest.raises(
        RuntimeError, match="1 lane\\(s\\) failed: RuntimeError: the server went away"
    ):
        generation.tasks_generate_for_encounters(stays, now=now)
    planned = set(FollowUpTask.objects.values_list("encounter_id", flat=True))
    assert planned == set(first_lane)  # the lane planned here is kept

    monkeypatch.setattr(generation, "_generate_lane", plan_lane)
    generation.tasks_generate_for_encounters(stays, now=now)
    assert set(FollowUpTask.objects.values_list("encounter_id", flat=True)) == set(stays)
    assert FollowUpTask.objects.count() == len(
        set(FollowUpTask.objects.values_list("encounter_id", "touchpoint_id", "sequence"))
    )
