"""The working calendar: public holidays, 调休, the holiday table, unannounced years.

Dates are checked against the arrangement the installed ``chinese_calendar``
carries (chinesecalendar 1.11: 2004–2026). 2026: Spring Festival off
15–23 February, make-up Saturdays 14 and 28 February; Mid-autumn off 25–27
September; National Day off 1–7 October, make-up Sunday 20 September and
Saturday 10 October.
"""

import json
import logging
import os
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core import calendar
from huifang.core.errors import ApplicationError, NotFound
from huifang.core.models import AuditEntry, CalendarDay
from huifang.core.services import calendar_day_remove, calendar_day_set

# The first year the package does not know: 2027 with chinesecalendar 1.11.
UNANNOUNCED = max(chinese_calendar.holidays).year + 1

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    # The per-process cache outlives a test's rolled-back transaction.
    calendar.clear_caches()
    yield
    calendar.clear_caches()


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def test_it_knows_the_2026_spring_festival_break_and_its_make_up_saturdays():
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        info = calendar.day_info(day)
        assert (info.working, info.reason, info.name) == (False, "public_holiday", "春节"), day
    for day in (date(2026, 2, 14), date(2026, 2, 28)):
        info = calendar.day_info(day)
        assert day.weekday() == 5
        assert (info.working, info.reason, info.name) == (True, "makeup_workday", "春节")
    assert calendar.day_info(date(2026, 2, 13)).reason == "weekday"
    assert calendar.day_info(date(2026, 2, 24)).reason == "weekday"
    assert calendar.explain(date(2026, 2, 14)) == "2026-02-14（星期六）是春节调休上班日"


def test_it_knows_national_day_2026_and_its_make_up_days():
    for day in days(date(2026, 10, 1), date(2026, 10, 7)):
        info = calendar.day_info(day)
        assert (info.working, info.reason, info.name) == (False, "public_holiday", "国庆节"), day
    for day in (date(2026, 9, 20), date(2026, 10, 10)):
        info = calendar.day_info(day)
        assert (info.working, info.reason, info.name) == (True, "makeup_workday", "国庆节")
    assert calendar.day_info(date(2026, 9, 25)).name == "中秋节"
    assert calendar.is_working_day(date(2026, 10, 8))
    assert not calendar.is_working_day(date(2026, 10, 11))
    assert calendar.explain(date(2026, 10, 1)) == "2026-10-01（星期四）是国庆节法定节假日，不上班"
    assert calendar.explain(date(2026, 9, 20)) == "2026-09-20（星期日）是国庆节调休上班日"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "元旦"),
        (date(2026, 4, 6), "清明节"),
        (date(2026, 5, 5), "劳动节"),
        (date(2026, 6, 19), "端午节"),
        (date(2015, 9, 3), "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
    ],
)
def test_it_names_public_holidays_in_chinese(day, name):
    assert calendar.day_info(day).name == name


def test_it_treats_an_ordinary_weekend_as_days_off():
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)

    assert calendar.day_info(saturday) == calendar.DayInfo(saturday, False, "weekend", "", True)
    assert calendar.day_info(sunday).reason == "weekend"
    assert calendar.day_info(monday) == calendar.DayInfo(monday, True, "weekday", "", True)
    assert calendar.explain(saturday) == "2026-03-07（星期六）是周末，不上班"
    assert calendar.explain(monday) == "2026-03-09（星期一）是普通工作日"


def test_it_falls_back_to_weekends_for_an_unannounced_year_and_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger="huifang.core.calendar")
    monday = monday_on_or_after(date(UNANNOUNCED, 3, 1))

    infos = [calendar.day_info(d) for d in days(monday, monday + timedelta(days=13))]
    calendar.next_working_day(date(UNANNOUNCED, 10, 1))
    calendar.add_working_days(date(UNANNOUNCED, 2, 1), 20)

    assert [i.working for i in infos] == [True] * 5 + [False] * 2 + [True] * 5 + [False] * 2
    assert infos[0].reason == "weekday_unannounced_year"
    assert infos[5].reason == "weekend_unannounced_year"
    assert not any(i.announced for i in infos)
    # New Year's Day is not known either: only weekends are days off.
    assert calendar.is_working_day(date(UNANNOUNCED, 1, 1)) == (
        date(UNANNOUNCED, 1, 1).weekday() < 5
    )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"working calendar: no official holiday data for {UNANNOUNCED}; "
        "using weekends and the holiday table"
    ]

    calendar.day_info(date(UNANNOUNCED + 1, 3, 1))
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
    assert f"：国务院尚未公布 {UNANNOUNCED} 年节假日安排，按周末规则视为工作日" in (
        calendar.explain(monday)
    )


def test_it_lists_the_years_without_official_data():
    assert calendar.unannounced_years([2026, UNANNOUNCED + 1, 2025, UNANNOUNCED, 2026]) == [
        UNANNOUNCED,
        UNANNOUNCED + 1,
    ]
    assert calendar.unannounced_years([2024, 2026]) == []


def test_the_table_makes_a_weekday_a_day_off_at_once(personas):
    monday = date(2026, 3, 9)
    assert calendar.is_working_day(monday)  # cached before the edit

    calendar_day_set(actor=personas["admin"], day=monday, kind="holiday", name="院庆")

    info = calendar.day_info(monday)
    assert (info.working, info.reason, info.name, info.announced) == (
        False,
        "table_holiday",
        "院庆",
        True,
    )
    assert (
        calendar.explain(monday) == "2026-03-09（星期一）在节假日表中登记为休息日（院庆），不上班"
    )
    assert calendar.next_working_day(monday) == date(2026, 3, 10)


def test_the_table_makes_a_weekend_a_working_day_at_once(personas):
    saturday = date(2026, 3, 7)
    assert not calendar.is_working_day(saturday)

    calendar_day_set(actor=personas["admin"], day=saturday, kind="workday", name="春季调休")

    assert calendar.day_info(saturday).reason == "table_workday"
    assert calendar.next_working_day(date(2026, 3, 6), inclusive=False) == saturday

    calendar_day_remove(actor=personas["admin"], day=saturday)

    assert calendar.day_info(saturday).reason == "weekend"


def test_the_table_wins_over_the_package_both_ways(personas):
    calendar_day_set(actor=personas["admin"], day=date(2026, 10, 1), kind="workday", name="值班")
    calendar_day_set(actor=personas["admin"], day=date(2026, 10, 10), kind="holiday", name="补休")

    assert calendar.day_info(date(2026, 10, 1)).reason == "table_workday"
    assert calendar.day_info(date(2026, 10, 10)).reason == "table_holiday"
    assert calendar.day_info(date(2026, 10, 2)).reason == "public_holiday"


def test_administrators_can_enter_the_official_days_of_an_unannounced_year(personas, caplog):
    caplog.set_level(logging.WARNING, logger="huifang.core.calendar")
    new_year = date(UNANNOUNCED, 1, 1)
    make_up = monday_on_or_after(date(UNANNOUNCED, 2, 1)) - timedelta(days=1)  # a Sunday
    calendar_day_set(actor=personas["admin"], day=new_year, kind="holiday", name="元旦")
    calendar_day_set(actor=personas["admin"], day=make_up, kind="workday", name="春节调休")

    assert calendar.day_info(new_year) == calendar.DayInfo(
        new_year, False, "table_holiday", "元旦", False
    )
    assert calendar.day_info(make_up).working
    assert "no official holiday data" in caplog.text


def test_it_sees_edits_of_other_processes_after_the_reload_interval(monkeypatch):
    monday = date(2026, 3, 9)
    assert calendar.is_working_day(monday)
    # Another process writes the table: this one's invalidation is not bumped.
    CalendarDay.objects.create(date=monday, kind="holiday", name="院庆")

    assert calendar.is_working_day(monday)

    monkeypatch.setattr(calendar, "RELOAD_SECONDS", 0.0)
    assert not calendar.is_working_day(monday)


def test_it_asks_the_database_once_not_per_day(django_assert_num_queries):
    calendar.is_working_day(date(2026, 1, 1))

    with django_assert_num_queries(0):
        for day in days(date(2025, 1, 1), date(2026, 12, 31)):
            calendar.day_info(day)
        calendar.add_working_days(date(2026, 1, 1), 200)


def test_it_counts_working_days_across_the_spring_festival():
    friday = date(2026, 2, 13)

    assert calendar.add_working_days(friday, 1) == friday
    assert calendar.add_working_days(friday, 2) == date(2026, 2, 14)  # make-up Saturday
    assert calendar.add_working_days(friday, 3) == date(2026, 2, 24)
    assert calendar.add_working_days(date(2026, 2, 15), 1) == date(2026, 2, 24)
    assert calendar.next_working_day(date(2026, 2, 14), inclusive=False) == date(2026, 2, 24)
    assert calendar.working_days_between(friday, date(2026, 2, 28)) == 7
    assert calendar.working_days_between(date(2026, 2, 15), date(2026, 2, 23)) == 0
    assert calendar.working_days_between(date(2026, 2, 28), friday) == 0
    # The scheduling rule: discharged 10 February, day 3, window 4 working days.
    due_from = calendar.next_working_day(date(2026, 2, 10) + timedelta(days=3))
    assert (due_from, calendar.add_working_days(due_from, 4)) == (
        date(2026, 2, 13),
        date(2026, 2, 25),
    )


def test_it_refuses_zero_working_days():
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 3, 9), 0)


def test_it_stops_when_more_than_thirty_days_in_a_row_are_off(personas):
    for day in days(date(2026, 7, 1), date(2026, 7, 30)):
        calendar_day_set(actor=personas["admin"], day=day, kind="holiday", name="错误登记")
    # Thirty days off in a row is still a calendar (Friday 31 July works)...
    assert calendar.add_working_days(date(2026, 6, 30), 2) == date(2026, 7, 31)

    calendar_day_set(
        actor=personas["admin"], day=date(2026, 7, 31), kind="holiday", name="错误登记"
    )

    # ...thirty-three (up to Monday 3 August) is a mistake in the table.
    with pytest.raises(ApplicationError) as caught:
        calendar.add_working_days(date(2026, 6, 30), 2)
    assert caught.value.code == "calendar_no_working_day"


dates = st.dates(min_value=date(2024, 12, 1), max_value=date(UNANNOUNCED + 1, 12, 31))
property_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(day=dates, inclusive=st.booleans())
def test_next_working_day_is_the_first_working_day(day, inclusive):
    result = calendar.next_working_day(day, inclusive=inclusive)
    start = day if inclusive else day + timedelta(days=1)

    assert result >= start
    assert calendar.is_working_day(result)
    assert not any(calendar.is_working_day(d) for d in days(start, result - timedelta(days=1)))


@property_settings
@given(day=dates, n=st.integers(min_value=1, max_value=60))
def test_add_working_days_spans_exactly_n_working_days(day, n):
    result = calendar.add_working_days(day, n)
    start = calendar.next_working_day(day)

    assert calendar.is_working_day(result)
    assert sum(calendar.is_working_day(d) for d in days(start, result)) == n
    assert calendar.working_days_between(start, result) == n


def test_services_write_audit_entries(personas):
    admin = personas["admin"]
    day = date(2026, 3, 9)

    entry = calendar_day_set(actor=admin, day=day, kind="holiday", name="院庆", note="院办通知")
    calendar_day_set(actor=admin, day=day, kind="holiday", name="院庆", note="院办通知")
    calendar_day_set(actor=admin, day=day, kind="holiday", name="院庆日")
    calendar_day_remove(actor=admin, day=day)

    rows = list(
        AuditEntry.objects.filter(target_type="core.calendarday", target_id=str(entry.pk))
        .order_by("id")
        .values_list("action", "actor_name", "changes")
    )
    assert rows == [
        (
            "create",
            "admin",
            {"date": "2026-03-09", "kind": "holiday", "name": "院庆", "note": "院办通知"},
        ),
        ("update", "admin", {"name": ["院庆", "院庆日"], "note": ["院办通知", ""]}),
        (
            "delete",
            "admin",
            {"date": "2026-03-09", "kind": "holiday", "name": "院庆日", "note": ""},
        ),
    ]
    assert entry.created_by == admin
    assert not CalendarDay.objects.exists()


def test_removing_a_day_that_is_not_in_the_table_says_so(personas):
    with pytest.raises(NotFound) as caught:
        calendar_day_remove(actor=personas["admin"], day=date(2026, 3, 9))

    assert caught.value.code == "calendar_day_not_found"


def test_administrators_edit_the_table_in_django_admin(client, login):
    admin = login("admin")

    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2026-03-09", "kind": "holiday", "name": "院庆", "note": ""},
    )
    assert response.status_code == 302
    entry = CalendarDay.objects.get(date=date(2026, 3, 9))
    assert entry.created_by == admin
    assert calendar.day_info(date(2026, 3, 9)).reason == "table_holiday"

    response = client.post(
        f"/admin/core/calendarday/{entry.pk}/change/",
        {"kind": "workday", "name": "院庆", "note": "改为上班"},
    )
    assert response.status_code == 302
    assert calendar.day_info(date(2026, 3, 9)).reason == "table_workday"

    response = client.post(f"/admin/core/calendarday/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert calendar.day_info(date(2026, 3, 9)).reason == "weekday"
    actions = AuditEntry.objects.filter(target_type="core.calendarday").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "delete", "update"]


def test_the_admin_list_filters_by_year_and_bulk_deletes_through_the_service(client, login):
    admin = login("admin")
    calendar_day_set(actor=admin, day=date(2026, 3, 9), kind="holiday", name="院庆")
    calendar_day_set(actor=admin, day=date(UNANNOUNCED, 1, 1), kind="holiday", name="元旦")

    response = client.get("/admin/core/calendarday/", {"year": "2026"})
    assert response.status_code == 200
    assert "院庆" in response.text
    assert "元旦" not in response.text

    response = client.post(
        "/admin/core/calendarday/",
        {
            "action": "delete_selected",
            "_selected_action": list(CalendarDay.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEntry.objects.filter(target_type="core.calendarday", action="delete").count() == 2


def test_only_administrators_may_edit_the_table(personas):
    assert personas["admin"].has_perms(
        ["core.add_calendarday", "core.change_calendarday", "core.delete_calendarday"]
    )
    assert personas["manager"].has_perm("core.view_calendarday")
    assert not personas["manager"].has_perm("core.change_calendarday")
    assert not personas["agent"].has_perm("core.view_calendarday")


def test_the_command_says_why_a_day_is_a_working_day():
    out = StringIO()

    call_command("calendar", "2026-10-10", stdout=out)

    assert out.getvalue().splitlines() == [
        "2026-10-10 working day: make-up working day (国庆节调休)",
        "2026-10-10（星期六）是国庆节调休上班日",
    ]


def test_the_command_prints_json():
    out = StringIO()

    call_command("calendar", "2026-10-01", "--json", stdout=out)

    assert json.loads(out.getvalue()) == {
        "date": "2026-10-01",
        "working": False,
        "reason": "public_holiday",
        "name": "国庆节",
        "announced": True,
        "explanation": "2026-10-01（星期四）是国庆节法定节假日，不上班",
    }


def test_the_command_says_a_year_before_the_package_has_no_data_not_that_it_is_unannounced():
    out = StringIO()

    call_command("calendar", "1999-01-01", stdout=out)

    assert out.getvalue().splitlines() == [
        "1999-01-01 working day: weekday; no holiday data for years before 2004",
        "1999-01-01（星期五）：节假日数据只收录 2004 年起的安排，没有 1999 年的，"
        "按周末规则和节假日表视为工作日",
    ]
    assert "尚未公布" not in calendar.explain(date(1999, 1, 2))  # a Saturday
    assert calendar.explain(date(1999, 1, 2)).endswith("视为休息日")


@pytest.mark.parametrize("value", ["tomorrow", "20261001", "2026-2-3"])
def test_the_command_refuses_what_is_not_a_date(value):
    with pytest.raises(CommandError) as caught:
        call_command("calendar", value)

    assert str(caught.value) == f"not a date: {value}; use YYYY-MM-DD"


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "2027-02-29"])
def test_the_command_says_a_well_written_day_does_not_exist(value):
    with pytest.raises(CommandError) as caught:
        call_command("calendar", value)

    assert str(caught.value) == f"no such day: {value}"


def test_the_command_prints_json_for_an_unannounced_year_and_warns_on_stderr(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUIFANG_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        HUIFANG_ENV="test",
        HUIFANG_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "huifang", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("migrate", "--verbosity", "0").returncode == 0
    day = date(UNANNOUNCED, 3, 6)
    result = run("calendar", day.isoformat(), "--json")

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["date"] == day.isoformat()
    assert payload["working"] is (day.weekday() < 5)
    assert payload["announced"] is False
    assert payload["reason"].endswith("_unannounced_year")
    assert f"no official holiday data for {UNANNOUNCED}" in result.stderr
