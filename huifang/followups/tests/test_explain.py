"""Explain: which plans matched and why, which tasks exist, and the calendar reasoning.

``schedule_explain`` and ``huifang schedule-explain``. Dates against
chinese_calendar: National Day 2026 off 1–7 October, Saturday 10 October a
make-up working day; 2027 not announced.
"""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.followups.models import FollowUpTask
from huifang.followups.selectors import schedule_explain, task_list_for_encounter
from huifang.followups.tests.test_generation import (
    _only_our_plans,  # noqa: F401  (autouse: the seeded plans are switched off)
    discharge_plan,
    frozen,
    generate,
    make_patient,
    make_plan,
    make_stay,
    make_touchpoint,
)

pytestmark = pytest.mark.django_db


def explain_cmd(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("schedule-explain", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def national_day_stay():
    """Discharged Monday 28 Sep 2026: the day-3 call lands in the National Day break."""
    plan = discharge_plan("inpatient-test", name="出院随访（测试）")
    make_touchpoint(plan, "month", offset_days=30, window_days=5, condition="chronic_or_surgical")
    make_plan("outpatient-test", encounter_kinds=["outpatient"])
    stay = make_stay(make_patient(), date(2026, 9, 28), number="ZY900001", source_system="his")
    with frozen(date(2026, 9, 28)):
        generate(stay)
    return stay


def test_it_explains_plans_and_tasks_in_the_agreed_shape(national_day_stay):
    with frozen(date(2026, 9, 28)):
        data = schedule_explain(encounter=national_day_stay)
    assert set(data) == {"encounter", "plans", "tasks"}
    assert data["encounter"] == "ZY900001"
    plans = {row["code"]: row for row in data["plans"]}
    assert set(plans) == {"inpatient-test", "outpatient-test"}
    assert all(set(row) == {"code", "matched", "reason"} for row in data["plans"])
    assert plans["inpatient-test"]["matched"] is True
    assert "month" in plans["inpatient-test"]["reason"]  # the targeted call, left out and why
    assert plans["outpatient-test"]["matched"] is False
    assert "住院" in plans["outpatient-test"]["reason"]
    (task,) = data["tasks"]
    assert task == {
        "plan": "inpatient-test",
        "touchpoint": "first-call",
        "channel": "phone",
        "status": "pending",
        "due_from": "2026-10-08",
        "due_until": "2026-10-12",
        "first_slot": "2026-10-08T10:00:00+08:00",
        "reason": (
            "出院 2026-09-28 + 3 天 = 2026-10-01（国庆节，休息）→ 顺延至 2026-10-08（第一个工作日）"
            "；窗口 4 个工作日至 2026-10-12（含调休上班日 10-10）；首个时段 10:00"
        ),
    }
    assert task_list_for_encounter(national_day_stay) == data["tasks"]


def test_it_lists_window_passed_tasks_with_their_dates():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 9, 1))
    with frozen(date(2026, 11, 20)):
        generate(stay)
        (task,) = schedule_explain(encounter=stay)["tasks"]
    assert (task["status"], task["due_from"], task["due_until"]) == (
        "window_passed",
        "2026-09-04",
        "2026-09-09",
    )
    assert "窗口已于 2026-09-09 结束" in task["reason"]


def test_it_warns_about_dates_in_an_unannounced_year():
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 12, 29), number="ZY-2027")
    with frozen(date(2026, 12, 29)):
        generate(stay)
        (task,) = schedule_explain(encounter=stay)["tasks"]
        out, err = explain_cmd("ZY-2027", "--json")
    assert task["due_from"] == "2027-01-01"
    assert "2027 年节假日安排尚未公布" in task["reason"]
    assert json.loads(out)["tasks"][0]["due_from"] == "2027-01-01"
    assert "2027" in err


def test_it_says_which_plan_a_competing_one_gave_way_to():
    make_plan("specialist", encounter_kinds=["inpatient"], priority=10)
    make_plan("general", encounter_kinds=["inpatient"], priority=5)
    stay = make_stay(make_patient(), date(2026, 11, 10))
    rows = {row["code"]: row for row in schedule_explain(encounter=stay)["plans"]}
    assert rows["specialist"]["matched"] is True
    assert rows["general"]["matched"] is False
    assert "specialist" in rows["general"]["reason"]


def test_it_shows_merged_and_cancelled_tasks_with_why():
    discharge_plan()
    patient = make_patient()
    stay = make_stay(patient, date(2026, 11, 10))
    with frozen(date(2026, 11, 10)):
        generate(stay)
    FollowUpTask.objects.update(status="cancelled", closed_reason="readmitted")
    (task,) = schedule_explain(encounter=stay)["tasks"]
    assert task["status"] == "cancelled"
    assert "再次入院" in task["reason"]


# --- The command --------------------------------------------------------------------


def test_the_command_prints_plans_and_tasks(national_day_stay):
    with frozen(date(2026, 9, 28)):
        out, err = explain_cmd("ZY900001")
    assert "✓ inpatient-test" in out
    assert "✗ outpatient-test" in out
    assert "inpatient-test/first-call" in out
    assert "2026-10-08 → 2026-10-12" in out
    assert "首个时段 2026-10-08 10:00" in out
    assert "国庆节" in out
    assert err == ""


def test_the_command_prints_the_explanation_as_json(national_day_stay):
    with frozen(date(2026, 9, 28)):
        out, _ = explain_cmd("ZY900001", "--json")
        assert json.loads(out) == schedule_explain(encounter=national_day_stay)


def test_an_unknown_encounter_is_one_line_error():
    with pytest.raises(CommandError) as info:
        explain_cmd("NOPE-1")
    assert "NOPE-1" in str(info.value) and "\n" not in str(info.value)


def test_the_source_picks_among_encounters_with_the_same_number():
    discharge_plan()
    patient = make_patient()
    make_stay(patient, date(2026, 11, 10), number="ZY1", source_system="his")
    make_stay(patient, date(2026, 11, 12), number="ZY1", source_system="lis")
    make_stay(patient, date(2026, 11, 12), number="ZY2", source_system="lis")
    make_stay(patient, date(2026, 11, 12), number="ZY3", source_system="a")
    make_stay(patient, date(2026, 11, 12), number="ZY3", source_system="b")
    assert "来源 his" in explain_cmd("ZY1")[0]
    assert "来源 lis" in explain_cmd("ZY1", "--source", "lis")[0]
    assert "来源 lis" in explain_cmd("ZY2")[0]  # only under one source
    with pytest.raises(CommandError, match="--source"):
        explain_cmd("ZY3")
    with pytest.raises(CommandError, match="his"):
        explain_cmd("ZY2", "--source", "his")


def test_repeats_and_readmissions_explain_themselves_once():
    from huifang.followups.tests.test_generation import health_check, health_check_plan

    health_check_plan()
    patient = make_patient()
    check = health_check(patient, date(2026, 3, 2), "lipids")
    with frozen(date(2026, 4, 2)):
        generate(check)  # back-filled: the first two calls, and the third now due
    reasons = [task["reason"] for task in schedule_explain(encounter=check)["tasks"]]
    assert reasons[2].startswith(
        "体检 2026-03-02 + 61 天（每 30 天重复，第 3 次）= 2026-05-02（劳动节，休息）"
        "→ 顺延至 2026-05-06（第一个工作日）；窗口 5 个工作日至 2026-05-11（含调休上班日 05-09）"
    )

    discharge_plan()
    first = make_stay(patient, date(2026, 11, 10), admitted_on=date(2026, 11, 2))
    make_stay(patient, date(2026, 11, 20), admitted_on=date(2026, 11, 12))
    with frozen(date(2026, 11, 20)):
        generate(first)
    (task,) = schedule_explain(encounter=first)["tasks"]
    assert task["status"] == "cancelled"
    assert task["reason"].count("再次入院") == 1


# --- Back-filled touchpoints (passed records) -------------------------------------


def _back_filled_stay():
    """Discharged 1 September, imported on 20 November: the day-3 window ended 9 September."""
    discharge_plan()
    stay = make_stay(make_patient(), date(2026, 9, 1), number="ZY-BACKFILL", source_system="his")
    with frozen(date(2026, 11, 20)):
        generate(stay)
    return stay


def test_a_back_filled_touchpoint_says_when_it_was_recorded_and_why_no_call():
    stay = _back_filled_stay()
    with frozen(date(2026, 12, 7)):
        (task,) = schedule_explain(encounter=stay)["tasks"]
    assert task["status"] == "window_passed"
    assert task["recorded_on"] == "2026-11-20"
    # The calendar reasoning, then why no call was made, said once.
    assert task["reason"].startswith("出院 2026-09-01 + 3 天")
    assert "2026-11-20 录入本次就诊时，窗口已于 2026-09-09 结束，因此没有安排回访" in task["reason"]
    assert task["reason"].count("补录的历史记录") == 1


def test_a_pending_task_carries_no_recorded_day(national_day_stay):
    with frozen(date(2026, 9, 28)):
        (task,) = schedule_explain(encounter=national_day_stay)["tasks"]
    assert "recorded_on" not in task


def test_the_command_marks_the_back_filled_touchpoint():
    _back_filled_stay()
    with frozen(date(2026, 12, 7)):
        out, _err = explain_cmd("ZY-BACKFILL")
    assert "discharge/first-call" in out
    assert "窗口已过（补录于 2026-11-20，未回访）" in out
    assert "2026-09-04 → 2026-09-09" in out


def test_the_schedule_page_shows_the_back_filled_touchpoint(client, login, personas):
    stay = _back_filled_stay()
    from huifang.accounts.models import Department

    stay.department = Department.objects.get(code="MED-W1")
    stay.save()
    login("agent")
    with frozen(date(2026, 12, 7)):
        html = client.get(f"/followups/encounters/{stay.uuid}/schedule/").content.decode()
    assert 'data-testid="back-filled"' in html
    assert "2026-11-20" in html and "2026-09-09" in html
    assert "没有安排回访" in html


def test_it_prints_the_unannounced_year_warning_once():
    make_touchpoint(discharge_plan(), "month", offset_days=30, window_days=5)
    stay = make_stay(make_patient(), date(2026, 12, 29), number="ZY-2027B")
    with frozen(date(2026, 12, 29)):
        generate(stay)
        out, _err = explain_cmd("ZY-2027B")
    assert len(schedule_explain(encounter=stay)["tasks"]) >= 2
    assert out.count("2027 年节假日安排尚未公布") == 1
