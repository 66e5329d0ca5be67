"""The scheduling rules: due windows, first slots, plan matching, the weekly cap.

Dates are checked against the arrangement the installed ``chinese_calendar``
carries (chinesecalendar 1.11 knows 2004–2026). 2026: Spring Festival off
15–23 February with make-up Saturdays 14 and 28 February; Mid-autumn off
25–27 September; National Day off 1–7 October with make-up Sunday 20
September and Saturday 10 October. 2027 is not announced: weekends only,
with a warning.
"""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core import calendar
from huifang.followups import scheduling, slots
from huifang.followups.scheduling import (
    EncounterFacts,
    PatientFacts,
    PhoneFacts,
    PlanRules,
    Scheduler,
    StopFacts,
    TouchpointRule,
    cap_day,
    due_window,
    first_slot,
    plan_matches,
    select_plans,
)

pytestmark = pytest.mark.django_db  # the calendar reads the holiday table

SHANGHAI = ZoneInfo("Asia/Shanghai")
property_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def facts(**fields) -> EncounterFacts:
    defaults = {
        "id": 1,
        "patient_id": 1,
        "kind": "inpatient",
        "department_id": 10,
        "department_name": "心血管内科病区",
        "admitted_on": date(2026, 9, 20),
        "discharged_on": date(2026, 9, 28),
        "birth_date": date(1960, 5, 1),
        "sex": "M",
    }
    return EncounterFacts(**{**defaults, **fields})


def touchpoint(**fields) -> TouchpointRule:
    defaults = {
        "id": 1,
        "code": "call",
        "name": "电话随访",
        "anchor": "discharge",
        "offset_days": 3,
        "window_days": 4,
        "channel": "phone",
    }
    return TouchpointRule(**{**defaults, **fields})


def plan(**fields) -> PlanRules:
    defaults = {"id": 1, "code": "p", "name": "计划", "touchpoints": (touchpoint(),)}
    return PlanRules(**{**defaults, **fields})


PATIENT = PatientFacts(id=1, phones=(PhoneFacts(id=7, status="valid", is_primary=True),))


# --- The exact date rule, around the 2026 holidays ----------------------------------


@pytest.mark.parametrize(
    ("anchor", "offset", "window", "expected"),
    [
        # + 3 = Saturday 14 Feb, a make-up working day: due that very day; the
        # window then jumps the whole break.
        (date(2026, 2, 11), 3, 4, (date(2026, 2, 14), date(2026, 2, 26))),
        # + 3 = Sunday 15 Feb, first day of the break → Tuesday 24 Feb.
        (date(2026, 2, 12), 3, 4, (date(2026, 2, 24), date(2026, 2, 27))),
        # A five-day window ends on the make-up Saturday 28 Feb.
        (date(2026, 2, 21), 3, 5, (date(2026, 2, 24), date(2026, 2, 28))),
        # Window 1: the due-from day only.
        (date(2026, 2, 13), 0, 1, (date(2026, 2, 13), date(2026, 2, 13))),
        # + 3 = 1 Oct (National Day) → Thursday 8 Oct; 4 working days: 8, 9,
        # Saturday 10 (make-up), Monday 12.
        (date(2026, 9, 28), 3, 4, (date(2026, 10, 8), date(2026, 10, 12))),
        # + 7 = Sunday 20 Sep, a make-up working day.
        (date(2026, 9, 13), 7, 3, (date(2026, 9, 20), date(2026, 9, 22))),
        # + 1 = 25 Sep, Mid-autumn → Monday 28 Sep; the window runs into National Day.
        (date(2026, 9, 24), 1, 4, (date(2026, 9, 28), date(2026, 10, 8))),
    ],
)
def test_it_applies_the_exact_date_rule_across_2026_holidays(anchor, offset, window, expected):
    assert due_window(anchor, offset, window) == expected


def test_it_falls_back_to_weekends_for_2027_and_warns(caplog):
    caplog.set_level(logging.WARNING, logger="huifang.core.calendar")
    # + 4 = Friday 1 January 2027: New Year's Day once announced, but unknown
    # to the package, so an ordinary Friday; window 2 skips the weekend.
    assert due_window(date(2026, 12, 28), 4, 2) == (date(2027, 1, 1), date(2027, 1, 4))
    assert any("2027" in record.getMessage() for record in caplog.records)
    warning = scheduling.calendar_warning_zh([date(2027, 1, 1)])
    assert "2027 年节假日安排尚未公布" in warning
    assert scheduling.calendar_warning_zh([date(2026, 10, 8)]) == ""


def test_a_year_before_the_package_is_said_to_have_no_data_not_to_be_unannounced():
    # Saturday 2 January 1999: chinese_calendar starts in 2004.
    assert (
        scheduling.day_reason_zh(date(1999, 1, 2))
        == "星期六，休息；没有 1999 年的节假日数据，按周末推算"
    )
    warning = scheduling.calendar_warning_zh([date(1999, 1, 4), date(2027, 1, 1)])
    assert "没有 1999 年的节假日数据" in warning
    assert "2027 年节假日安排尚未公布" in warning
    assert "1999 年节假日安排尚未公布" not in warning


anchors = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@property_settings
@given(anchor=anchors, offset=st.integers(0, 60), window=st.integers(1, 10))
def test_due_windows_hold_exactly_window_working_days(anchor, offset, window):
    due_from, due_until = due_window(anchor, offset, window)
    target = anchor + timedelta(days=offset)
    assert due_from >= target
    assert calendar.is_working_day(due_from)
    assert calendar.is_working_day(due_until)
    # the first working day on or after the target: nothing workable skipped
    assert calendar.working_days_between(target, due_from - timedelta(days=1)) == 0
    assert calendar.working_days_between(due_from, due_until) == window


window_sets = st.sampled_from(
    [
        slots.DEFAULT_WINDOWS,
        ((time(19, 0), time(21, 0)),),
        ((time(8, 30), time(9, 30)), (time(14, 0), time(16, 0))),
    ]
)


@property_settings
@given(
    anchor=anchors,
    offset=st.integers(0, 60),
    windows=window_sets,
    preferred=st.none() | st.times(min_value=time(7, 0), max_value=time(21, 0)),
)
def test_first_slots_lie_inside_a_window_on_a_working_day(anchor, offset, windows, preferred):
    due_from, _ = due_window(anchor, offset, 3)
    slot = first_slot(due_from, windows, preferred)
    local = slot.astimezone(SHANGHAI)
    assert local.date() == due_from
    assert calendar.is_working_day(local.date())
    # The patient's own time wins; their window is where we call them.
    allowed = scheduling.patient_windows(windows, preferred, None)
    assert slots.window_of(slot, allowed) is not None
    if preferred is None:
        assert local.time() == windows[0][0]
    else:
        assert local.time() == preferred


def test_it_starts_at_the_first_window_or_the_patients_time():
    assert first_slot(date(2026, 10, 8), slots.DEFAULT_WINDOWS, None) == at(date(2026, 10, 8), 10)
    assert first_slot(date(2026, 10, 8), slots.DEFAULT_WINDOWS, time(19, 30)) == at(
        date(2026, 10, 8), 19, 30
    )
    assert scheduling.patient_windows(slots.DEFAULT_WINDOWS, time(19, 0), time(21, 0)) == (
        (time(19, 0), time(21, 0)),
    )


# --- Matching ----------------------------------------------------------------------


def test_it_matches_on_encounter_kind():
    assert plan_matches(plan(encounter_kinds=frozenset({"inpatient"})), facts(), date.today())[
        :2
    ] == (True, "matched")
    matched, code, reason = plan_matches(
        plan(encounter_kinds=frozenset({"outpatient"})), facts(), date.today()
    )
    assert (matched, code) == (False, "encounter_kind")
    assert "住院" in reason and "门诊" in reason


def test_it_matches_departments_given_as_descendant_sets():
    rules = plan(department_ids=frozenset({10, 11}), department_names=("内科",))
    assert plan_matches(rules, facts(department_id=11), date.today())[0]
    matched, code, reason = plan_matches(rules, facts(department_id=20), date.today())
    assert (matched, code) == (False, "department")
    assert "内科" in reason


def test_icd_prefixes_or_diagnosis_keywords_either_matches():
    rules = plan(icd_prefixes=("I10", "E11"), diagnosis_keywords=("高血压",))
    today = date.today()
    assert plan_matches(rules, facts(icd_codes=("E11.900",)), today)[0]
    assert plan_matches(rules, facts(diagnosis_names=("原发性高血压",)), today)[0]
    matched, code, _ = plan_matches(
        rules, facts(icd_codes=("J18.9",), diagnosis_names=("肺炎",)), today
    )
    assert (matched, code) == (False, "diagnosis")


def test_it_takes_the_age_at_the_anchor_date():
    rules = plan(age_min=65, age_max=80)
    # born 1 Oct 1961: 64 on discharge 28 Sep 2026, 65 three days later
    born = date(1961, 10, 1)
    matched, code, reason = plan_matches(rules, facts(birth_date=born), date(2030, 1, 1))
    assert (matched, code) == (False, "age") and "64 岁" in reason
    assert plan_matches(
        rules, facts(birth_date=born, discharged_on=date(2026, 10, 1)), date.today()
    )[0]
    assert plan_matches(rules, facts(birth_date=None), date.today())[1] == "age_unknown"


def test_it_matches_sex_and_tags_including_the_visit_type():
    assert plan_matches(plan(sex="F"), facts(sex="M"), date.today())[1] == "sex"
    rules = plan(tags=frozenset({"初诊"}))
    visit = facts(kind="outpatient", tags=scheduling.encounter_tags([], "初诊"))
    assert plan_matches(rules, visit, date.today())[0]
    again = facts(kind="outpatient", tags=scheduling.encounter_tags([], "复诊"))
    assert plan_matches(rules, again, date.today())[1] == "tags"
    check = facts(kind="health_check", tags=scheduling.encounter_tags(["lipids"], None))
    assert plan_matches(plan(tags=frozenset({"lipids", "glucose"})), check, date.today())[0]


kinds = st.sampled_from(["inpatient", "outpatient", "health_check"])
small = st.none() | st.integers(0, 100)


@property_settings
@given(
    plan_kinds=st.frozensets(kinds, max_size=2),
    departments=st.frozensets(st.integers(1, 4), max_size=2),
    prefixes=st.lists(st.sampled_from(["I10", "E11", "J"]), max_size=2),
    keywords=st.lists(st.sampled_from(["高血压", "糖尿病"]), max_size=1),
    age_min=small,
    age_max=small,
    sex=st.sampled_from(["", "M", "F"]),
    tags=st.frozensets(st.sampled_from(["lipids", "初诊"]), max_size=2),
    kind=kinds,
    department=st.integers(1, 4),
    codes=st.lists(st.sampled_from(["I10.x", "E11.9", "J18.9", "K80"]), max_size=2),
    names=st.lists(st.sampled_from(["原发性高血压", "肺炎"]), max_size=2),
    born=st.none() | st.dates(date(1920, 1, 1), date(2025, 1, 1)),
    patient_sex=st.sampled_from(["M", "F", "U"]),
    encounter_tags=st.frozensets(st.sampled_from(["lipids", "初诊", "复诊"]), max_size=2),
)
def test_the_fast_match_agrees_with_the_explained_one(
    plan_kinds, departments, prefixes, keywords, age_min, age_max, sex, tags, kind, department,
    codes, names, born, patient_sex, encounter_tags,
):  # fmt: skip
    rules = plan(
        encounter_kinds=plan_kinds,
        department_ids=departments,
        icd_prefixes=tuple(prefixes),
        diagnosis_keywords=tuple(keywords),
        age_min=age_min,
        age_max=age_max,
        sex=sex,
        tags=tags,
    )
    encounter = facts(
        kind=kind,
        department_id=department,
        icd_codes=tuple(codes),
        diagnosis_names=tuple(names),
        birth_date=born,
        sex=patient_sex,
        tags=encounter_tags,
    )
    matched, code, reason = plan_matches(rules, encounter, date(2026, 6, 1))
    assert scheduling.match_code(rules, encounter, date(2026, 6, 1)) == code
    assert matched == (code == "matched") and reason


def test_a_higher_priority_plan_replaces_a_competing_one_for_the_same_kinds():
    specialist = plan(
        id=1, code="specialist", priority=10, encounter_kinds=frozenset({"outpatient"})
    )
    general = plan(id=2, code="general", priority=5, encounter_kinds=frozenset({"outpatient"}))
    everyone = plan(id=3, code="greetings", priority=0)
    verdicts = {
        v.plan.code: v
        for v in select_plans(
            [specialist, general, everyone], facts(kind="outpatient"), date.today()
        )
    }
    assert verdicts["specialist"].matched
    assert (verdicts["general"].matched, verdicts["general"].code) == (False, "superseded")
    assert "specialist" in verdicts["general"].reason
    assert verdicts["greetings"].matched  # other kinds of plan add up


def test_the_chronic_or_surgical_condition():
    assert scheduling.is_chronic_or_surgical(facts(icd_codes=("I10",)))
    assert scheduling.is_chronic_or_surgical(facts(icd_codes=("E11.9",)))
    assert scheduling.is_chronic_or_surgical(facts(icd_codes=("I63.9",)))
    assert scheduling.is_chronic_or_surgical(facts(has_procedure=True))
    assert not scheduling.is_chronic_or_surgical(facts(icd_codes=("J18.9", "I16.0")))


# --- Planning one encounter ---------------------------------------------------------


def test_it_plans_the_national_day_discharge_with_its_reasoning():
    scheduler = Scheduler(today=date(2026, 9, 28))
    result = scheduler.plan_encounter(facts(), PATIENT, [plan()])
    (task,) = result.tasks
    assert (task.due_from, task.due_until) == (date(2026, 10, 8), date(2026, 10, 12))
    assert task.first_slot == at(date(2026, 10, 8), 10)
    assert (task.status, task.phone_id) == ("pending", 7)
    assert task.text == (
        "出院 2026-09-28 + 3 天 = 2026-10-01（国庆节，休息）→ 顺延至 2026-10-08（第一个工作日）"
        "；窗口 4 个工作日至 2026-10-12（含调休上班日 10-10）；首个时段 10:00"
    )


def test_it_leaves_out_what_the_patient_or_the_condition_rules_out():
    tps = (touchpoint(), touchpoint(id=2, code="sms", channel="sms"))
    refuses_calls = PatientFacts(id=1, do_not_contact=frozenset({"phone"}), phones=PATIENT.phones)
    result = Scheduler(today=date(2026, 9, 28)).plan_encounter(
        facts(), refuses_calls, [plan(touchpoints=tps)]
    )
    assert [t.channel for t in result.tasks] == ["sms"]
    deceased = PatientFacts(id=1, deceased_on=date(2026, 9, 29), phones=PATIENT.phones)
    assert not Scheduler(today=date(2026, 9, 28)).plan_encounter(facts(), deceased, [plan()]).tasks
    targeted = plan(touchpoints=(touchpoint(condition="chronic_or_surgical"),))
    assert not Scheduler(today=date(2026, 9, 28)).plan_encounter(facts(), PATIENT, [targeted]).tasks


def test_a_stay_not_yet_discharged_waits_for_its_discharge():
    admitted = facts(discharged_on=None)
    result = Scheduler(today=date(2026, 9, 28)).plan_encounter(admitted, PATIENT, [plan()])
    assert not result.tasks
    assert "尚未出院" in result.skipped[0][2]


def test_a_readmission_before_the_due_day_cancels_the_discharge_call():
    stops = StopFacts(readmitted_on=date(2026, 10, 5))
    (task,) = (
        Scheduler(today=date(2026, 9, 28))
        .plan_encounter(facts(), PATIENT, [plan()], stops=stops)
        .tasks
    )
    assert (task.status, task.closed_reason) == ("cancelled", "readmitted")
    late = StopFacts(readmitted_on=date(2026, 10, 9))
    (task,) = (
        Scheduler(today=date(2026, 9, 28))
        .plan_encounter(facts(), PATIENT, [plan()], stops=late)
        .tasks
    )
    assert task.status == "pending"
    off = Scheduler(today=date(2026, 9, 28), cancel_on_readmission=False)
    assert off.plan_encounter(facts(), PATIENT, [plan()], stops=stops).tasks[0].status == "pending"


# --- The weekly cap -----------------------------------------------------------------


def test_the_weekly_cap_pushes_past_the_full_span():
    tue, wed, thu = date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)
    # two contacts on Tue and Wed: the next may not fall in any 7 days holding both
    assert cap_day(thu, [tue, wed], 2) == date(2026, 11, 10)
    assert cap_day(thu, [tue], 2) == thu
    assert cap_day(thu, [tue, wed], 0) == thu  # no cap
    # never onto a day off: the break pushes past National Day
    assert cap_day(date(2026, 9, 30), [date(2026, 9, 29), date(2026, 9, 30)], 2) == date(
        2026, 10, 8
    )
