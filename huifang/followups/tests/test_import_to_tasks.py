"""A HIS file goes in, the seeded default plan's tasks come out, with the exact dates."""

import datetime
from zoneinfo import ZoneInfo

import time_machine

from huifang.followups.models import FollowUpTask
from huifang.patients.tests.test_import_pipeline import row, run_import, write_csv

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_it_plans_imported_discharges_by_the_date_rule(
    tmp_path, departments, django_capture_on_commit_callbacks
):
    rows = [
        # discharged 2026-09-28: day 3 = 10-01 (National Day) → first working day 10-08;
        # 4 working days: 10-08, 10-09, 10-10 (make-up Saturday), 10-12.
        row(
            **{
                "住院号": "ZY1",
                "入院日期": "2026-09-20",
                "出院日期": "2026-09-28",
                "出院诊断": "J18.9 肺炎",
            }
        ),
        # discharged 2026-09-24 (Thursday): day 3 = 09-27 (Sunday, not a make-up day)
        # → 09-28; 4 working days: 09-28, 09-29, 09-30, 10-08.
        row(
            **{
                "病案号": "A0002",
                "患者姓名": "李四",
                "住院号": "ZY2",
                "联系电话": "13911112222",
                "身份证号": "",
                "联系人及电话": "",
                "入院日期": "2026-09-20",
                "出院日期": "2026-09-24",
                "出院诊断": "J18.9 肺炎",
            }
        ),
    ]
    path = write_csv(tmp_path / "never-seen.csv", rows)
    with time_machine.travel(datetime.datetime(2026, 9, 29, 8, tzinfo=SHANGHAI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            run_import(path, today=datetime.date(2026, 9, 29))
        first_calls = {
            t.encounter.number: t
            for t in FollowUpTask.objects.filter(
                plan__code="inpatient-discharge", touchpoint__code="first-call"
            ).select_related("encounter")
        }
    assert set(first_calls) == {"ZY1", "ZY2"}
    one, two = first_calls["ZY1"], first_calls["ZY2"]
    assert (one.due_from, one.due_until) == (
        datetime.date(2026, 10, 8),
        datetime.date(2026, 10, 12),
    )
    assert one.first_slot == datetime.datetime(2026, 10, 8, 10, tzinfo=SHANGHAI)
    assert (two.due_from, two.due_until) == (datetime.date(2026, 9, 28), datetime.date(2026, 10, 8))
    assert one.status == two.status == "pending"
    assert one.channel == "phone"


DEATH_HEADER = [
    "病案号",
    "患者姓名",
    "联系电话",
    "就诊类型",
    "就诊号",
    "科室",
    "入院日期",
    "出院日期",
]


def test_a_date_of_death_in_a_later_export_cancels_every_call_of_the_patient(
    tmp_path, departments, django_capture_on_commit_callbacks
):
    """A discharge call and a clinic visit's call (merged into it) both stop; neither comes back."""
    # The stay's first call is due Thu 3 Dec; the first visit's (day 7) Fri 4 Dec: merged.
    stay = ["Q0001", "孙建华", "13811112222", "住院", "QZY0001", "内科", "2026-11-23", "2026-11-30"]
    visit = [
        "Q0001",
        "孙建华",
        "13811112222",
        "门诊",
        "QMZ0001",
        "内科",
        "",
        "",
        "2026-11-27",
        "初诊",
    ]
    header = [*DEATH_HEADER, "就诊日期", "初复诊"]
    first = write_csv(
        tmp_path / "visits.csv",
        [[*stay, "", ""], visit],
        header=header,
    )
    # The same stay exported again, now with the date of death the ward recorded.
    later = write_csv(
        tmp_path / "death.csv", [[*stay, "2026-12-02"]], header=[*DEATH_HEADER, "死亡日期"]
    )
    now = datetime.datetime(2026, 12, 1, 8, tzinfo=SHANGHAI)
    with time_machine.travel(now, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            run_import(first, today=now.date())
        tasks = FollowUpTask.objects.filter(patient__record_number="Q0001")
        assert {t.encounter.number for t in tasks.filter(status="pending")} >= {"QZY0001"}
        assert tasks.get(encounter__number="QMZ0001").status == "merged"
    two_days_on = now + datetime.timedelta(days=2)
    with (
        time_machine.travel(two_days_on, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_import(later, today=two_days_on.date())
    statuses = {
        (t.encounter.number, t.touchpoint.code): (t.status, t.closed_reason)
        for t in FollowUpTask.objects.filter(patient__record_number="Q0001").select_related(
            "encounter", "touchpoint"
        )
    }
    assert any(number == "QMZ0001" for number, _ in statuses)
    assert set(statuses.values()) == {("cancelled", "deceased")}, statuses
