"""Reports open on the last whole month, and a task not due yet counts against no rate.

In the middle of November 2026 (the 15th) the ``month`` fixture's tasks
are due (from the 13th); a task first due on the 25th is not owed yet: it is
neither due nor a failure, in the live figures and in what the rollups give.
"""

import datetime

import pytest
import time_machine

from huifang.reports import rollups, selectors
from huifang.reports.periods import last_complete_month, parse_period
from huifang.reports.tests.test_rollups import EVERYONE, live
from huifang.testing.factories import make_task, make_touchpoint

MID_NOVEMBER = datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)
DECEMBER = datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.UTC)


@pytest.fixture
def later_in_the_month(month, patient_medicine):
    return make_task(
        patient_medicine,
        touchpoint=make_touchpoint(code="later"),
        due_from=datetime.date(2026, 11, 25),
        due_until=datetime.date(2026, 11, 28),
    )


class TestTheDefaultPeriod:
    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (MID_NOVEMBER, "2026-10"),
            (DECEMBER, "2026-11"),
            (datetime.datetime(2027, 1, 3, 12, tzinfo=datetime.UTC), "2026-12"),
        ],
    )
    def test_it_is_the_last_whole_month(self, now, expected):
        with time_machine.travel(now):
            assert parse_period(None).label == expected
            assert parse_period("").label == expected

    def test_the_summary_page_opens_on_it(self, client, login, month):
        login("manager")
        with time_machine.travel(DECEMBER):
            html = client.get("/reports/").content.decode()
        assert 'value="2026-11"' in html
        assert 'data-testid="figure-due">4<' in html

    def test_the_dashboard_opens_on_it(self, client, login, month):
        login("manager")
        with time_machine.travel(DECEMBER):
            response = client.get("/reports/dashboard/")
        assert response.context["period"].label == "2026-11"

    def test_last_complete_month(self):
        assert last_complete_month(datetime.date(2026, 3, 31)) == datetime.date(2026, 2, 1)


class TestNotDueYet:
    def test_a_task_due_later_is_not_due_nor_a_failure(self, client, login, later_in_the_month):
        login("manager")
        with time_machine.travel(MID_NOVEMBER):
            response = client.get("/reports/?period=2026-11")
        data = response.context["data"]
        assert data["due"] == 4
        assert "pending" not in data["failure_reasons"]
        rates = {line.name: line for line in data["rates"]}
        assert (rates["follow_up_rate"].part, rates["follow_up_rate"].whole) == (3, 4)

    def test_it_counts_once_its_first_due_day_has_come(self, later_in_the_month):
        with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)):
            figures = live(EVERYONE)["figures"]
        assert figures["due"] == 5
        assert figures["not_reached"] == 4

    def test_the_month_under_way_is_read_live_and_equals_it(self, later_in_the_month):
        with time_machine.travel(MID_NOVEMBER):
            rollups.rollups_rebuild(
                date_from=datetime.date(2026, 10, 1), date_to=datetime.date(2026, 12, 31)
            )
            source = selectors.figure_source(
                scope=EVERYONE,
                date_from=datetime.date(2026, 11, 1),
                date_to=datetime.date(2026, 11, 30),
            )
            assert not source.from_rollups
            assert source.task_figures().due == 4
            assert source.failure_reasons() == live(EVERYONE)["failure_reasons"]

    def test_once_the_month_has_ended_the_rollups_equal_live(self, later_in_the_month):
        from huifang.reports.tests.test_rollups import rolled

        with time_machine.travel(MID_NOVEMBER):
            rollups.rollups_rebuild(
                date_from=datetime.date(2026, 10, 1), date_to=datetime.date(2026, 12, 31)
            )
        with time_machine.travel(DECEMBER):
            rollups.rollups_rebuild(
                date_from=datetime.date(2026, 11, 1), date_to=datetime.date(2026, 11, 30)
            )
            assert rolled(EVERYONE) == live(EVERYONE)
            assert live(EVERYONE)["figures"]["due"] == 5


def _register_link(html: str) -> str:
    return html.split('data-testid="daily-xlsx"')[0].rsplit("?date=", 1)[1].split('"')[0]


class TestTheDailyRegisterLink:
    @pytest.mark.parametrize(
        ("persona", "period", "now", "day"),
        [
            ("manager", "2026-11", DECEMBER, "2026-11-20"),  # the month's last call
            ("head_surgery", "2026-11", DECEMBER, "2026-11-15"),  # the last in their scope
            ("manager", "2026-11", MID_NOVEMBER, "2026-11-15"),  # today, within the period
            ("manager", "2026-10", DECEMBER, "2026-10-31"),  # no call: the last day
            ("manager", "2026-12", DECEMBER, "2026-12-07"),  # never a day to come
        ],
    )
    def test_it_opens_a_day_with_calls(self, client, login, month, persona, period, now, day):
        login(persona)
        with time_machine.travel(now):
            html = client.get(f"/reports/?period={period}").content.decode()
        assert _register_link(html) == day
        assert f"daily.pdf?date={day}" in html
