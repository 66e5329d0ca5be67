"""Task generation: idempotence, stop conditions, merging, the weekly cap, repeats, re-planning.

Plans are made here (the seeded default plans are switched off for each
test). Dates are real 2026 dates against chinese_calendar: National Day off
1–7 October with make-up Saturday 10 October; Qingming off 4–6 April;
Labour Day off 1–5 May with make-up Saturday 9 May.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core.models import AuditEntry, JobRun
from huifang.followups.models import FollowUpTask, PassedTouchpoint, Plan, Touchpoint
from huifang.followups.services import generation
from huifang.followups.services.generation import (
    tasks_cancel_for_encounter,
    tasks_cancel_for_patient,
    tasks_generate_for_encounters,
    tasks_replan_for_plan,
)
from huifang.patients.models import Encounter, PhoneNumber
from huifang.patients.services import patient_update
from huifang.testing.factories import (
    DepartmentFactory,
    DiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = FollowUpTask.Status


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def frozen(day: date, hour: int = 8):
    """Freeze the clock at ``hour`` o'clock Shanghai time on ``day``."""
    return time_machine.travel(local(day, hour), tick=False)


@pytest.fixture(autouse=True)
def _only_our_plans():
    # The seeded default plans would match these encounters too.
    Plan.objects.update(is_active=False)


# --- small factories ---------------------------------------------------------


def make_plan(code="test-plan", *, departments=(), **fields) -> Plan:
    plan = Plan.objects.create(code=code, name=fields.pop("name", code), **fields)
    if departments:
        plan.departments.set(departments)
    return plan


def make_touchpoint(
    plan: Plan,
    code="call",
    *,
    anchor="discharge",
    offset_days=3,
    window_days=4,
    channel="phone",
    **fields,
) -> Touchpoint:
    return Touchpoint.objects.create(
        plan=plan,
        code=code,
        name=fields.pop("name", code),
        anchor=anchor,
        offset_days=offset_days,
        window_days=window_days,
        channel=channel,
        **fields,
    )


def discharge_plan(code="discharge", **fields) -> Plan:
    """In-patients: a phone call 3 days after discharge (window 4 working days)."""
    plan = make_plan(code, encounter_kinds=["inpatient"], **fields)
    make_touchpoint(plan, "first-call")
    return plan


def make_patient(*phone_statuses: str, **fields):
    patient = PatientFactory(**fields)
    for index, status in enumerate(phone_statuses or ("valid",)):
        PhoneFactory(patient=patient, status=status, is_primary=index == 0)
    return patient


def make_stay(patient, discharged_on: date, **fields) -> Encounter:
    return EncounterFactory(
        patient=patient,
        kind="inpatient",
        admitted_on=fields.pop("admitted_on", discharged_on.replace(day=1)),
        discharged_on=discharged_on,
        **fields,
    )


def make_visit(patient, kind: str, visit_on: date, **fields) -> Encounter:
    return EncounterFactory(
        patient=patient,
        kind=kind,
        visit_on=visit_on,
        admitted_on=None,
        discharged_on=None,
        **fields,
    )


def generate(*encounters, now=None):
    return tasks_generate_for_encounters([e.pk for e in encounters], now=now)


def snapshot():
    """Every task and passed record, as comparable tuples."""
    tasks = FollowUpTask.objects.values_list(
        "encounter_id",
        "touchpoint_id",
        "sequence",
        "channel",
        "status",
        "due_from",
        "due_until",
        "first_slot",
        "merged_into_id",
        "reason",
    )
    passed = [
        (*row, "window_passed", None, None)
        for row in PassedTouchpoint.objects.values_list(
            "encounter_id",
            "touchpoint_id",
            "sequence",
            "channel",
            "due_from",
            "due_until",
            "first_slot",
            "recorded_at",
        )
    ]
    return sorted([*tasks, *passed], key=repr)


def planned_keys() -> list[tuple[int, int, int]]:
    """(encounter, touchpoint, sequence) of every task and passed record, repeats kept."""
    fields = ("encounter_id", "touchpoint_id", "sequence")
    return [
        *FollowUpTask.objects.values_list(*fields),
        *PassedTouchpoint.objects.values_list(*fields),
    ]


# --- Creating tasks -----------------------------------------------------------------


def test_it_plans_a_discharge_call_after_national_day():
    plan = discharge_plan()
    patient = make_patient("valid")
    stay = make_stay(patient, date(2026, 9, 28))
    with frozen(date(2026, 9, 28)):
        result = generate(stay)
    task = FollowUpTask.objects.get()
    assert (result.created, result.unchanged) == (1, 0)
    assert (task.due_from, task.due_until) == (date(2026, 10, 8), date(2026, 10, 12))
    assert task.first_slot == task.next_attempt_at == local(date(2026, 10, 8), 10)
    assert (task.status, task.channel, task.plan_version) == (Status.PENDING, "phone", plan.version)
    assert task.phone == patient.phones.get(is_primary=True)
    assert "国庆节" in task.reason["text"]


def test_it_plans_around_spring_festival_and_its_make_up_saturday():
    discharge_plan()
    patient = make_patient()
    # + 3 = Saturday 14 Feb, a make-up working day
    saturday = make_stay(patient, date(2026, 2, 11))
    # + 3 = Sunday 15 Feb, the break → Tuesday 24 Feb
    in_break = make_stay(make_patient(), date(2026, 2, 12))
    with frozen(date(2026, 2, 11)):
        generate(saturday, in_break)
    first = FollowUpTask.objects.get(encounter=saturday)
    assert (first.due_from, first.due_until) == (date(2026, 2, 14), date(2026, 2, 26))
    assert first.first_slot == local(date(2026, 2, 14), 10)
    assert "春节调休上班日" in first.reason["text"]
    second = FollowUpTask.objects.get(encounter=in_break)
    assert (second.due_from, second.due_until) == (date(2026, 2, 24), date(2026, 2, 27))


def test_it_uses_weekends_for_2027_without_crashing():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 12, 29))  # + 3 = Friday 1 Jan 2027
    with frozen(date(2026, 12, 29)):
        generate(stay)
    task = FollowUpTask.objects.get()
    assert (task.due_from, task.due_until) == (date(2027, 1, 1), date(2027, 1, 6))
    assert "2027 年节假日未公布" in task.reason["text"]


def test_the_patients_preferred_time_wins():
    discharge_plan()
    patient = make_patient(preferred_time_start=time(19, 0), preferred_time_end=time(21, 0))
    stay = make_stay(patient, date(2026, 9, 28))
    with frozen(date(2026, 9, 28)):
        generate(stay)
    assert FollowUpTask.objects.get().first_slot == local(date(2026, 10, 8), 19)


def test_a_preferred_time_set_later_moves_the_untried_calls(django_capture_on_commit_callbacks):
    discharge_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 9, 28))
    tried_stay = make_stay(patient, date(2026, 9, 25))  # due Monday 28 September

    def change(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            patient_update(actor=None, patient=patient, **fields)
        task = FollowUpTask.objects.get(encounter=stay)
        assert task.next_attempt_at == task.first_slot
        return task.first_slot

    with frozen(date(2026, 9, 28)):
        generate(stay, tried_stay)
        FollowUpTask.objects.filter(encounter=tried_stay).update(attempts=1)
        assert FollowUpTask.objects.get(encounter=stay).first_slot == local(date(2026, 10, 8), 10)
        assert change(preferred_time_start=time(19), preferred_time_end=time(21)) == local(
            date(2026, 10, 8), 19
        )
        assert change(preferred_time_start=time(15, 30)) == local(date(2026, 10, 8), 15, 30)
        assert change(preferred_time_start=None, preferred_time_end=None) == local(
            date(2026, 10, 8), 10
        )
    tried = FollowUpTask.objects.get(encounter=tried_stay)
    assert (tried.status, tried.first_slot) == (Status.PENDING, local(date(2026, 9, 28), 10))


def test_refusing_a_channel_later_cancels_its_open_tasks(django_capture_on_commit_callbacks):
    discharge_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 9, 28))
    with frozen(date(2026, 9, 28)):
        generate(stay)
        with django_capture_on_commit_callbacks(execute=True):
            patient_update(actor=None, patient=patient, do_not_contact=["phone"])
    task = FollowUpTask.objects.get()
    assert (task.status, task.closed_reason) == (Status.CANCELLED, "opted_out")


def test_sub_departments_match_unless_excluded():
    medicine = DepartmentFactory(code="MED")
    ward = DepartmentFactory(code="MED-W1", parent=medicine, kind="ward")
    discharge_plan("with-wards", departments=[medicine])
    discharge_plan("department-only", departments=[medicine], include_subdepartments=False)
    stay = make_stay(make_patient(), date(2026, 11, 10), department=ward)
    with frozen(date(2026, 11, 10)):
        generate(stay)
    assert list(FollowUpTask.objects.values_list("plan__code", flat=True)) == ["with-wards"]


def test_the_targeted_call_is_only_for_chronic_or_surgical_stays():
    plan = discharge_plan()
    make_touchpoint(
        plan, "targeted", offset_days=30, window_days=5, condition="chronic_or_surgical"
    )
    chronic = make_stay(make_patient(), date(2026, 11, 10))
    DiagnosisFactory(encounter=chronic, code="I10", name="原发性高血压")
    acute = make_stay(make_patient(), date(2026, 11, 10))
    DiagnosisFactory(encounter=acute, code="J18.9", name="肺炎")
    with frozen(date(2026, 11, 10)):
        generate(chronic, acute)
    assert FollowUpTask.objects.filter(encounter=chronic).count() == 2
    assert FollowUpTask.objects.filter(encounter=acute).count() == 1


# --- Idempotence -----------------------------------------------------------------


def test_running_again_changes_nothing():
    plan = discharge_plan()
    make_touchpoint(plan, "survey", offset_days=15, window_days=10, channel="web")
    stays = [make_stay(make_patient(), date(2026, 11, d)) for d in (2, 3, 4, 5)]
    with frozen(date(2026, 11, 2)):
        first = generate(*stays)
        before = snapshot()
        audits = AuditEntry.objects.count()
        again = generate(*stays)
    assert (first.created, again.created, again.unchanged) == (8, 0, 8)
    assert not again.changed
    assert snapshot() == before
    assert AuditEntry.objects.count() == audits  # nothing written, nothing audited


def test_it_audits_one_summary_per_call():
    discharge_plan()
    stays = [make_stay(make_patient(), date(2026, 11, 10)) for _ in range(3)]
    with frozen(date(2026, 11, 10)):
        generate(*stays)
    entry = AuditEntry.objects.get(field="followup_tasks")
    assert entry.changes["created"] == 3
    assert entry.changes["encounters"] == 3


def test_queries_do_not_grow_with_the_number_of_encounters():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    discharge_plan()
    few = [make_stay(make_patient(), date(2026, 11, 10)) for _ in range(3)]
    # more than 50, made one after the other: the ids are read as a range
    many = [make_stay(make_patient(), date(2026, 11, 10)) for _ in range(60)]
    with frozen(date(2026, 11, 10)):
        with CaptureQueriesContext(connection) as small:
            generate(*few)
        with CaptureQueriesContext(connection) as large:
            result = generate(*many)
    assert result.created == 60
    assert len(large.captured_queries) <= len(small.captured_queries) <= 25


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    days=st.lists(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), min_size=1, max_size=4
    ),
    offset=st.integers(0, 40),
    window=st.integers(1, 10),
    today=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 3, 31)),
)
def test_generation_is_idempotent(days, offset, window, today):
    with transaction.atomic():
        plan = make_plan("prop", encounter_kinds=["inpatient", "outpatient"])
        make_touchpoint(plan, "call", offset_days=offset, window_days=window)
        make_touchpoint(plan, "sms", offset_days=offset + 1, window_days=window, channel="sms")
        patient = make_patient()
        encounters = [make_stay(patient, day) for day in days]
        now = local(today, 9)
        generate(*encounters, now=now)
        before = snapshot()
        again = generate(*encounters, now=now)
        assert not again.changed
        assert snapshot() == before
        # never two tasks (or a task and a passed record) for one encounter and touchpoint
        keys = planned_keys()
        assert len(keys) == len(set(keys)) == 2 * len(encounters)
        transaction.set_rollback(True)


# --- Stop conditions ------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(days=st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), min_size=1, max_size=4))
def test_after_death_no_task_is_open_and_none_is_made(days):
    with transaction.atomic():
        plan = discharge_plan("deceased-prop")
        make_touchpoint(plan, "sms", offset_days=4, channel="sms")
        patient = make_patient()
        stays = [make_stay(patient, day) for day in days]
        generate(*stays, now=local(date(2026, 1, 1), 9))
        patient.deceased_on = date(2026, 12, 31)
        patient.save()
        tasks_cancel_for_patient(patient_id=patient.pk, reason="deceased")
        assert not FollowUpTask.objects.filter(status__in=[*FollowUpTask.OPEN, Status.MERGED])
        later = make_stay(patient, date(2027, 1, 5))
        result = generate(*stays, later, now=local(date(2027, 1, 5), 9))
        assert result.created == 0
        assert not FollowUpTask.objects.filter(encounter=later).exists()
        assert not FollowUpTask.objects.filter(status__in=FollowUpTask.OPEN).exists()
        transaction.set_rollback(True)


def test_cancel_for_patient_can_be_limited_to_channels():
    plan = discharge_plan()
    make_touchpoint(plan, "sms", offset_days=15, channel="sms")
    patient = make_patient()
    with frozen(date(2026, 11, 10)):
        generate(make_stay(patient, date(2026, 11, 10)))
    assert tasks_cancel_for_patient(patient_id=patient.pk, reason="opted_out", channels=["phone"])
    assert set(FollowUpTask.objects.values_list("channel", "status", "closed_reason")) == {
        ("phone", "cancelled", "opted_out"),
        ("sms", "pending", ""),
    }
    assert AuditEntry.objects.filter(patient_id=patient.pk, field="followup_tasks").exists()


def test_a_refused_channel_gets_no_task():
    plan = discharge_plan()
    make_touchpoint(plan, "sms", offset_days=15, channel="sms")
    patient = make_patient(do_not_contact=["phone"])
    with frozen(date(2026, 11, 10)):
        generate(make_stay(patient, date(2026, 11, 10)))
    assert list(FollowUpTask.objects.values_list("channel", flat=True)) == ["sms"]


def test_no_usable_number_waits_as_no_phone():
    discharge_plan()
    without = make_patient("invalid", "suspended")
    with frozen(date(2026, 11, 10)):
        result = generate(make_stay(without, date(2026, 11, 10)))
    task = FollowUpTask.objects.get()
    assert (task.status, task.channel, task.phone) == (Status.NO_PHONE, "phone", None)
    assert (result.created, result.no_phone) == (1, 1)


def test_the_plans_fallback_channel_replaces_a_missing_phone():
    discharge_plan(fallback_channel="web")
    patient = PatientFactory()  # no number at all
    with frozen(date(2026, 11, 10)):
        result = generate(make_stay(patient, date(2026, 11, 10)))
    task = FollowUpTask.objects.get()
    assert (task.status, task.channel) == (Status.PENDING, "web")
    assert result.no_phone == 0
    assert "改用网上问卷" in " ".join(task.reason["notes"])


def test_an_sms_fallback_needs_a_mobile_number_too():
    discharge_plan(fallback_channel="sms")
    patient = make_patient("invalid")
    with frozen(date(2026, 11, 10)):
        generate(make_stay(patient, date(2026, 11, 10)))
    assert FollowUpTask.objects.get().status == Status.NO_PHONE


def test_a_number_added_later_opens_the_task():
    discharge_plan()
    patient = PatientFactory()
    stay = make_stay(patient, date(2026, 11, 10))
    with frozen(date(2026, 11, 10)):
        generate(stay)
        assert FollowUpTask.objects.get().status == Status.NO_PHONE
        phone = PhoneFactory(patient=patient)
        result = generate(stay)
    task = FollowUpTask.objects.get()
    assert (task.status, task.phone) == (Status.PENDING, phone)
    assert result.updated == 1


def test_back_filled_history_counts_as_window_passed():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 9, 1))
    with frozen(date(2026, 11, 20)):
        result = generate(stay)
    # No call is queued: the touchpoint is kept as a passed record, not a task.
    assert not FollowUpTask.objects.exists()
    passed = PassedTouchpoint.objects.get()
    assert (passed.encounter_id, passed.due_from, passed.due_until) == (
        stay.pk,
        date(2026, 9, 4),
        date(2026, 9, 9),
    )
    assert (result.created, result.window_passed) == (1, 1)
    with frozen(date(2026, 11, 21)):
        again = generate(stay)
    assert (again.created, again.unchanged) == (0, 1)
    assert PassedTouchpoint.objects.count() == 1


def test_a_passed_record_is_history_an_encounter_edit_leaves_alone():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 9, 1))
    with frozen(date(2026, 11, 20)):
        generate(stay)
        Encounter.objects.filter(pk=stay.pk).update(discharged_on=date(2026, 11, 19))
        generate(stay)
    # As a closed task would: the history stays, no second call for the touchpoint.
    assert PassedTouchpoint.objects.get().due_until == date(2026, 9, 9)
    assert not FollowUpTask.objects.exists()


def test_a_pending_task_stays_pending_after_its_window():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 11, 10))
    with frozen(date(2026, 11, 10)):
        generate(stay)
    with frozen(date(2026, 12, 20)):
        result = generate(stay)
    assert FollowUpTask.objects.get().status == Status.PENDING
    assert result.unchanged == 1


# --- Readmission ---------------------------------------------------------------------


def readmission_setup():
    plan = discharge_plan()
    make_touchpoint(plan, "month", offset_days=30, window_days=5)
    patient = make_patient()
    first = make_stay(patient, date(2026, 3, 2), admitted_on=date(2026, 2, 24))
    return patient, first


def test_a_readmission_cancels_the_previous_stays_pending_discharge_calls():
    patient, first = readmission_setup()
    with frozen(date(2026, 3, 2)):
        generate(first)
    # back on 4 March, before the first call is due (5 March)
    second = make_stay(patient, date(2026, 3, 12), admitted_on=date(2026, 3, 4))
    with frozen(date(2026, 3, 12)):
        result = generate(second)
    old = FollowUpTask.objects.filter(encounter=first)
    assert set(old.values_list("status", "closed_reason")) == {("cancelled", "readmitted")}
    assert (result.created, result.cancelled) == (2, 2)
    assert FollowUpTask.objects.filter(encounter=second, status=Status.PENDING).count() == 2
    with frozen(date(2026, 3, 12)):
        assert not generate(first, second).changed


def test_a_readmission_after_the_due_day_keeps_the_first_call():
    patient, first = readmission_setup()
    second = make_stay(patient, date(2026, 3, 25), admitted_on=date(2026, 3, 20))
    with frozen(date(2026, 3, 2)):
        generate(first, second)
    statuses = dict(
        FollowUpTask.objects.filter(encounter=first).values_list("touchpoint__code", "status")
    )
    assert statuses == {"first-call": "pending", "month": "cancelled"}


def test_readmission_cancelling_can_be_switched_off(settings):
    settings.HUIFANG_CANCEL_ON_READMISSION = False
    patient, first = readmission_setup()
    second = make_stay(patient, date(2026, 3, 12), admitted_on=date(2026, 3, 4))
    with frozen(date(2026, 3, 2)):
        generate(first, second)
    assert not FollowUpTask.objects.filter(status=Status.CANCELLED).exists()


# --- Merging and the weekly cap -----------------------------------------------------


def first_visit_plan(code="first-visit", offset_days=7, **fields):
    plan = make_plan(code, encounter_kinds=["outpatient"], **fields)
    make_touchpoint(plan, "call", anchor="visit", offset_days=offset_days, window_days=3)
    return plan


def test_calls_due_close_together_merge_into_the_earliest():
    discharge_plan()
    first_visit_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 10))  # call due Fri 13 Nov
    visit = make_visit(patient, "outpatient", date(2026, 11, 9))  # call due Mon 16 Nov
    with frozen(date(2026, 11, 10)):
        result = generate(stay, visit)
    kept = FollowUpTask.objects.get(status=Status.PENDING)
    merged = FollowUpTask.objects.get(status=Status.MERGED)
    assert (kept.encounter, kept.due_from) == (stay, date(2026, 11, 13))
    assert (merged.encounter, merged.merged_into) == (visit, kept)
    assert [(m["plan"], m["touchpoint"]) for m in kept.reason["merged"]] == [
        ("first-visit", "call")
    ]
    assert result.merged == 1
    with frozen(date(2026, 11, 10)):
        assert not generate(stay, visit).changed


@pytest.mark.parametrize(("merge_days", "merged"), [(3, 1), (2, 0)])
def test_calls_starting_within_the_merge_days_merge(settings, merge_days, merged):
    settings.HUIFANG_MERGE_DAYS = merge_days
    plan = make_plan("short", encounter_kinds=["inpatient"])
    make_touchpoint(plan, "call", window_days=1)  # Friday 13 Nov only
    first_visit_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 10))
    visit = make_visit(patient, "outpatient", date(2026, 11, 9))  # from Monday 16 Nov
    with frozen(date(2026, 11, 10)):
        result = generate(stay, visit)
    assert result.merged == merged
    assert FollowUpTask.objects.filter(status=Status.PENDING).count() == 2 - merged


def test_cancelling_a_merged_call_revives_the_other_encounters_call():
    discharge_plan()
    first_visit_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 10))
    visit = make_visit(patient, "outpatient", date(2026, 11, 9))
    with frozen(date(2026, 11, 10)):
        generate(stay, visit)
        assert tasks_cancel_for_encounter(encounter_id=stay.pk, reason="transferred") == 1
    revived = FollowUpTask.objects.get(encounter=visit)
    assert (revived.status, revived.merged_into) == (Status.PENDING, None)


def test_the_weekly_cap_pushes_the_third_contact_a_week_on(settings):
    settings.HUIFANG_WEEKLY_CONTACT_CAP = 2
    plan = make_plan("messages", encounter_kinds=["outpatient"])
    for offset in (1, 2, 3):  # Tue, Wed, Thu
        make_touchpoint(
            plan, f"sms-{offset}", anchor="visit", offset_days=offset, window_days=1, channel="sms"
        )
    visit = make_visit(make_patient(), "outpatient", date(2026, 11, 2))
    with frozen(date(2026, 11, 2)):
        generate(visit)
    slots_by_code = dict(FollowUpTask.objects.values_list("touchpoint__code", "first_slot"))
    assert slots_by_code == {
        "sms-1": local(date(2026, 11, 3), 10),
        "sms-2": local(date(2026, 11, 4), 10),
        "sms-3": local(date(2026, 11, 10), 10),
    }
    pushed = FollowUpTask.objects.get(touchpoint__code="sms-3")
    assert pushed.due_until == date(2026, 11, 10)
    assert "每 7 天最多联系 2 次" in " ".join(pushed.reason["notes"])
    with frozen(date(2026, 11, 2)):
        assert not generate(visit).changed


# --- Repeats ----------------------------------------------------------------------


def health_check_plan(repeat_max=6):
    plan = make_plan("check", encounter_kinds=["health_check"], tags=["lipids", "glucose"])
    make_touchpoint(
        plan,
        "abnormal",
        anchor="visit",
        offset_days=1,
        window_days=5,
        repeat_every_days=30,
        repeat_max=repeat_max,
    )
    return plan


def health_check(patient, day, *findings):
    encounter = make_visit(patient, "health_check", day)
    for kind in findings:
        encounter.abnormal_findings.create(kind=kind, description=kind)
    return encounter


def sequences(encounter):
    """(sequence, due from, status) of the encounter's tasks and passed records, in order."""
    passed = PassedTouchpoint.objects.filter(encounter=encounter).values_list(
        "sequence", "due_from"
    )
    return sorted(
        [
            *FollowUpTask.objects.filter(encounter=encounter).values_list(
                "sequence", "due_from", "status"
            ),
            *((sequence, due_from, Status.WINDOW_PASSED) for sequence, due_from in passed),
        ]
    )


def test_repeats_follow_monthly_until_a_re_check_exists():
    health_check_plan()
    patient = make_patient()
    check = health_check(patient, date(2026, 3, 2), "lipids")
    with frozen(date(2026, 3, 2)):
        generate(check)
    assert sequences(check) == [(0, date(2026, 3, 3), "pending")]
    with frozen(date(2026, 3, 3)):  # the first call is due: the next one is planned
        generation.tasks_generate_nightly()
    assert sequences(check)[1] == (1, date(2026, 4, 2), "pending")
    with frozen(date(2026, 4, 2)):
        generation.tasks_generate_nightly()
    # + 61 = Saturday 2 May, Labour Day → Wednesday 6 May
    assert sequences(check)[2] == (2, date(2026, 5, 6), "pending")
    recheck = health_check(patient, date(2026, 4, 20))
    with frozen(date(2026, 5, 6)):
        result = generate(recheck)  # the re-check ends the earlier check's calls
        generation.tasks_generate_nightly()
    assert result.cancelled == 1
    assert sequences(check) == [
        (0, date(2026, 3, 3), "pending"),
        (1, date(2026, 4, 2), "pending"),
        (2, date(2026, 5, 6), "cancelled"),
    ]
    assert FollowUpTask.objects.get(encounter=check, sequence=2).closed_reason == "rechecked"
    assert not FollowUpTask.objects.filter(encounter=recheck).exists()  # nothing abnormal


def test_repeats_stop_at_their_maximum():
    health_check_plan(repeat_max=1)
    check = health_check(make_patient(), date(2026, 3, 2), "glucose")
    with frozen(date(2026, 6, 1)):
        generate(check)
    assert [row[0] for row in sequences(check)] == [0, 1]


def test_without_a_maximum_the_monthly_calls_go_on_until_a_re_check():
    from datetime import timedelta

    from huifang.core import calendar

    health_check_plan(repeat_max=0)
    patient = make_patient()
    check = health_check(patient, date(2026, 3, 2), "lipids")
    with frozen(date(2026, 3, 2)):
        generate(check)
    day = date(2026, 3, 3)
    for _ in range(15):  # beyond the 12 (and the seeded 6) that used to end the calls
        with frozen(day):
            generation.tasks_generate_nightly()
        day = sequences(check)[-1][1]
    rows = sequences(check)
    # Only the next call is planned ahead: one per month so far, the last not yet due.
    assert [row[0] for row in rows] == list(range(16))
    assert [row[2] for row in rows] == ["pending"] * 16
    assert all(calendar.is_working_day(due_from) for _, due_from, _ in rows)
    # + 1 + 13 × 30 = Sunday 28 March 2027 → Monday 29 March (2027 by weekends);
    # + 1 + 15 × 30 = Thursday 27 May 2027.
    assert (rows[13][1], rows[15][1]) == (date(2027, 3, 29), date(2027, 5, 27))

    recheck = health_check(patient, day)  # the re-check, on the day the last call falls due
    with frozen(day + timedelta(days=40)):
        generate(recheck)
        generation.tasks_generate_nightly()
    after = sequences(check)
    assert len(after) == 16
    assert after[-1][2] == "cancelled"
    assert FollowUpTask.objects.get(encounter=check, sequence=15).closed_reason == "rechecked"


# --- Encounters that change, plans that change ------------------------------------------


def test_a_corrected_discharge_date_moves_the_untouched_task():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 11, 10))
    with frozen(date(2026, 11, 9)):
        generate(stay)
        Encounter.objects.filter(pk=stay.pk).update(discharged_on=date(2026, 11, 11))
        result = generate(stay)
    assert result.updated == 1
    assert FollowUpTask.objects.get().due_from == date(2026, 11, 16)


def test_replanning_moves_open_tasks_and_leaves_worked_ones():
    plan = discharge_plan()
    stays = [make_stay(make_patient(), date(2026, 11, 10)) for _ in range(2)]
    with frozen(date(2026, 11, 10)):
        generate(*stays)
    worked = FollowUpTask.objects.get(encounter=stays[1])
    FollowUpTask.objects.filter(pk=worked.pk).update(attempts=1)
    Touchpoint.objects.filter(plan=plan).update(offset_days=5)
    make_touchpoint(plan, "survey", offset_days=15, window_days=10, channel="web")
    Plan.objects.filter(pk=plan.pk).update(version=2)
    with frozen(date(2026, 11, 10)):
        changed = tasks_replan_for_plan(plan=plan, actor=None)
    moved = FollowUpTask.objects.get(encounter=stays[0], touchpoint__code="first-call")
    assert (moved.due_from, moved.plan_version) == (date(2026, 11, 16), 2)
    assert FollowUpTask.objects.get(pk=worked.pk).due_from == date(2026, 11, 13)
    assert FollowUpTask.objects.filter(touchpoint__code="survey").count() == 2
    assert changed == 3
    assert AuditEntry.objects.filter(target_type="followups.plan", field="followup_tasks").exists()


def test_kept_tasks_of_an_older_version_are_left_alone():
    plan = discharge_plan()
    stay = make_stay(make_patient(), date(2026, 11, 10))
    with frozen(date(2026, 11, 10)):
        generate(stay)
        Touchpoint.objects.filter(plan=plan).update(offset_days=5)
        Plan.objects.filter(pk=plan.pk).update(version=2)  # the editor chose "keep"
        result = generate(stay)
    assert FollowUpTask.objects.get().due_from == date(2026, 11, 13)
    assert result.unchanged == 1


def test_replanning_a_deactivated_plan_cancels_its_open_tasks():
    plan = discharge_plan()
    with frozen(date(2026, 11, 10)):
        generate(make_stay(make_patient(), date(2026, 11, 10)))
    Plan.objects.filter(pk=plan.pk).update(is_active=False)
    assert tasks_replan_for_plan(plan=plan, actor=None) == 1
    assert FollowUpTask.objects.get().closed_reason == "plan_deactivated"


# --- Changes of the holiday table ---------------------------------------------------------


def test_editing_the_holiday_table_moves_open_untried_tasks(django_capture_on_commit_callbacks):
    from huifang.core.services import calendar_day_remove, calendar_day_set

    discharge_plan()
    # + 3 = Friday 1 January 2027, a working day while 2027 is not announced.
    stay = make_stay(make_patient(), date(2026, 12, 29))
    tried_stay = make_stay(make_patient(), date(2026, 12, 29))
    new_year = date(2027, 1, 1)

    def dates():
        task = FollowUpTask.objects.get(encounter=stay)
        assert task.next_attempt_at == task.first_slot
        return task.due_from, task.due_until, task.first_slot

    def edit(change, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            change(actor=None, day=new_year, **fields)

    with frozen(date(2026, 12, 29)):
        generate(stay, tried_stay)
        assert dates() == (new_year, date(2027, 1, 6), local(new_year, 10))
        FollowUpTask.objects.filter(encounter=tried_stay).update(attempts=1)

        edit(calendar_day_set, kind="holiday", name="元旦")
        assert dates() == (date(2027, 1, 4), date(2027, 1, 7), local(date(2027, 1, 4), 10))
        tried = FollowUpTask.objects.get(encounter=tried_stay)
        assert (tried.due_from, tried.first_slot) == (new_year, local(new_year, 10))

        edit(calendar_day_set, kind="workday", name="上班")
        assert dates() == (new_year, date(2027, 1, 6), local(new_year, 10))

        edit(calendar_day_set, kind="holiday", name="元旦")
        edit(calendar_day_remove)
        assert dates() == (new_year, date(2027, 1, 6), local(new_year, 10))

    runs = JobRun.objects.filter(name="followups.replan_for_calendar").order_by("pk")
    assert [run.summary["updated"] for run in runs] == [1, 1, 1, 1]
    assert {run.status for run in runs} == {"succeeded"}
    audits = AuditEntry.objects.filter(target_repr__startswith="节假日表变更")
    assert audits.count() == 4
    assert audits.first().changes["changed_on"] == "2027-01-01"


def test_a_new_name_for_a_table_day_replans_nothing(django_capture_on_commit_callbacks):
    from huifang.core.services import calendar_day_set

    discharge_plan()
    with frozen(date(2026, 12, 29)):
        generate(make_stay(make_patient(), date(2026, 12, 29)))
        with django_capture_on_commit_callbacks(execute=True):
            calendar_day_set(actor=None, day=date(2027, 1, 1), kind="holiday", name="元旦")
        with django_capture_on_commit_callbacks(execute=True):
            calendar_day_set(actor=None, day=date(2027, 1, 1), kind="holiday", name="元旦节")
    assert JobRun.objects.filter(name="followups.replan_for_calendar").count() == 1
    assert FollowUpTask.objects.get().due_from == date(2027, 1, 4)


# --- Signals and the task queue -----------------------------------------------------------


def test_a_new_encounter_is_planned_once_committed(django_capture_on_commit_callbacks):
    from huifang.patients.services import EncounterData, encounter_create

    discharge_plan()
    patient = make_patient()
    data = EncounterData(
        kind="inpatient",
        number="ZY-SIGNAL-1",
        department=DepartmentFactory(),
        admitted_on=date(2026, 11, 1),
        discharged_on=date(2026, 11, 10),
    )
    with frozen(date(2026, 11, 10)), django_capture_on_commit_callbacks(execute=True):
        encounter = encounter_create(actor=None, patient=patient, data=data)
    assert FollowUpTask.objects.filter(encounter=encounter).count() == 1


def test_the_nightly_job_plans_missed_encounters_and_records_its_run():
    from huifang.followups.tasks import generate_tasks_nightly

    discharge_plan()
    recent = make_stay(make_patient(), date(2026, 11, 10))
    make_stay(make_patient(), date(2026, 5, 1))  # beyond 120 days
    with frozen(date(2026, 11, 12), hour=2):
        summary = generate_tasks_nightly.call_local()
    assert summary["created"] == 1
    assert FollowUpTask.objects.get().encounter == recent
    run = JobRun.objects.get(name="followups.generate_nightly")
    assert (run.status, run.summary["created"]) == ("succeeded", 1)


def test_the_nightly_job_does_not_plan_again_an_encounter_whose_touchpoints_all_passed():
    discharge_plan()
    late = make_stay(make_patient(), date(2026, 8, 3))  # arrived after its window
    with frozen(date(2026, 11, 12)):
        generate(late)
    assert PassedTouchpoint.objects.filter(encounter=late).exists()
    assert generation.encounters_for_nightly(today=date(2026, 11, 13)) == set()


def test_phone_status_changes_are_seen_through_is_usable():
    # The scheduling copy of the rule must agree with the model's.
    from huifang.followups.scheduling import PHONE_USABLE

    assert {s for s in PhoneNumber.Status.values if PhoneNumber(status=s).is_usable} == set(
        PHONE_USABLE
    )


def test_overlapping_windows_further_apart_than_the_merge_days_stay_two_calls():
    """A day-7 clinic call inside a discharge call's window is not made on the discharge call's day."""
    discharge_plan()
    first_visit_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 30))  # call due Thu 3 Dec, until Tue 8 Dec
    visit = make_visit(patient, "outpatient", date(2026, 11, 30))  # call due Mon 7 Dec
    with frozen(date(2026, 12, 1)):
        result = generate(stay, visit)
    assert result.merged == 0
    assert sorted(
        FollowUpTask.objects.filter(status=Status.PENDING).values_list("due_from", flat=True)
    ) == [date(2026, 12, 3), date(2026, 12, 7)]


def test_recording_a_date_of_death_on_the_patient_cancels_every_open_task():
    discharge_plan()
    first_visit_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 10))
    visit = make_visit(patient, "outpatient", date(2026, 11, 9))
    with frozen(date(2026, 11, 10)):
        generate(stay, visit)
        assert FollowUpTask.objects.filter(status=Status.MERGED).exists()
        patient_update(actor=None, patient=patient, deceased_on=date(2026, 11, 11))
    assert set(FollowUpTask.objects.values_list("status", "closed_reason")) == {
        (Status.CANCELLED, "deceased")
    }
    # Planning again (the nightly pass, a re-import) brings none of them back.
    with frozen(date(2026, 11, 12)):
        generate(stay, visit)
    assert not FollowUpTask.objects.filter(status__in=[*FollowUpTask.OPEN, Status.MERGED])
