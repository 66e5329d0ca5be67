"""Back-filled touchpoints whose window had passed count from their own record, as before.

Until ``PassedTouchpoint`` they were ``window_passed`` tasks never tried;
every figure must stay what it was. On top of the month of ``conftest.py``
(November 2026), the records made here:

| record | department | due          | patient                  | counts as |
| ------ | ---------- | ------------ | ------------------------ | --------- |
| p1     | MED        | 3–6 Nov      | 张三丰                   | due, window passed |
| p2     | MED        | 5–8 Nov      | 张三丰 (plan back-plan)  | due, window passed |
| p3     | SUR        | 4–7 Nov      | 王五, died 6 Nov         | due, excluded: deceased |
| p4     | SUR        | 1–3 Nov      | 王五                     | due (died after the window) |
| p5     | MED        | 2–5 Dec      | 张三丰                   | December |
| p6     | SUR        | 3–6 Dec      | 王五                     | December, excluded: deceased |
"""

import datetime
import importlib
from io import BytesIO

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from openpyxl import load_workbook

from huifang.followups import slots
from huifang.followups.models import FollowUpTask, PassedTouchpoint
from huifang.reports import metrics, pdf, rollups, selectors
from huifang.reports.models import RollupDirty
from huifang.reports.periods import parse_period
from huifang.reports.tests.test_dashboard import data_of
from huifang.reports.tests.test_rollups import EVERYONE, NOV1, NOV30, build, live, rolled
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task, make_touchpoint

NOV = parse_period("2026-11")
DEC1 = datetime.date(2026, 12, 1)
d = datetime.date


@pytest.fixture
def deceased(departments):
    patient = PatientFactory(name="王五", deceased_on=d(2026, 11, 6))
    EncounterFactory(patient=patient, department=departments["surgery_ward"], number="ZY300003")
    return patient


def records(patient_medicine, deceased):
    """(encounter, touchpoint, due_from, due_until) of p1–p6."""
    back1, back2 = make_touchpoint(code="back1"), make_touchpoint(code="back2")
    other = make_touchpoint(plan_code="back-plan", code="back3")
    medicine, dead = patient_medicine.encounters.first(), deceased.encounters.first()
    return [
        (medicine, back1, d(2026, 11, 3), d(2026, 11, 6)),
        (medicine, other, d(2026, 11, 5), d(2026, 11, 8)),
        (dead, back1, d(2026, 11, 4), d(2026, 11, 7)),
        (dead, back2, d(2026, 11, 1), d(2026, 11, 3)),
        (medicine, back2, d(2026, 12, 2), d(2026, 12, 5)),
        (dead, other, d(2026, 12, 3), d(2026, 12, 6)),
    ]


def make_passed(encounter, touchpoint, due_from, due_until, recorded_at=None):
    return PassedTouchpoint.objects.create(
        encounter=encounter,
        touchpoint=touchpoint,
        sequence=0,
        plan=touchpoint.plan,
        channel=touchpoint.channel,
        due_from=due_from,
        due_until=due_until,
        first_slot=slots.at(due_from, datetime.time(10)),
        recorded_at=recorded_at or timezone.now(),
    )


@pytest.fixture
def passed(month, patient_medicine, deceased):
    return [make_passed(*r) for r in records(patient_medicine, deceased)]


@pytest.fixture
def legacy(month, patient_medicine, deceased):
    """The same six as they were before: window_passed tasks nobody tried."""
    tasks = []
    for encounter, touchpoint, due_from, due_until in records(patient_medicine, deceased):
        task = make_task(
            encounter.patient,
            encounter=encounter,
            touchpoint=touchpoint,
            due_from=due_from,
            due_until=due_until,
        )
        FollowUpTask.objects.filter(pk=task.pk).update(status=FollowUpTask.Status.WINDOW_PASSED)
        tasks.append(task)
    return tasks


def move_to_passed_records():
    """What migration 0012 does to the window_passed tasks of an installation."""
    migration = importlib.import_module("huifang.followups.migrations.0012_passed_touchpoints")
    migration.move_passed_tasks(django_apps, None)


def everything_shown(user):
    """The figures of the summary page, the dashboard, a comparison and the PDF's trend."""
    scope = selectors.report_scope(user=user)
    page = selectors.summary_page(user=user, period=NOV, breakdowns=list(metrics.BREAKDOWNS))
    return {
        "page": page,
        "dashboard": selectors.dashboard_numbers(scope=scope, period=NOV),
        "compare": selectors.compare_cohorts(
            user=None, a=(NOV, "MED"), b=(NOV, "SUR"), measure="follow_up_rate"
        ),
        "by_department": metrics.monthly_by_department(
            selectors.report_tasks(scope=scope, date_from=NOV1, date_to=d(2026, 12, 31)),
            selectors.report_passed(scope=scope, date_from=NOV1, date_to=d(2026, 12, 31)),
        ),
        "pdf_months": pdf.summary_document(user=user, period=NOV).months,
    }


class TestTheFiguresOfBefore:
    @pytest.mark.parametrize("who", ["manager", "head_surgery", "head_medicine", "agent"])
    def test_it_shows_what_the_window_passed_tasks_showed(self, legacy, personas, who):
        before = everything_shown(personas[who])
        move_to_passed_records()
        assert PassedTouchpoint.objects.count() == 6
        assert not FollowUpTask.objects.filter(status="window_passed").exists()
        assert everything_shown(personas[who]) == before

    def test_rollups_of_the_moved_records_equal_the_tasks_they_were(self, legacy, personas):
        build()
        before = rolled(EVERYONE)
        move_to_passed_records()
        rollups.rollups_refresh()  # the fingerprints notice the tasks gone, the records come
        assert rolled(EVERYONE) == before


class TestSummary:
    def test_it_counts_them_due_and_not_reached(self, passed, personas):
        s = selectors.summary(
            user=personas["manager"],
            date_from=NOV1,
            date_to=NOV30,
            breakdowns=["department", "plan", "agent", "month"],
        )
        # The month's four tasks and p1–p4.
        assert (s["due"], s["attempted"], s["reached"], s["on_time"]) == (8, 3, 1, 2)
        assert s["excluded_deceased"] == 2  # t4, and p3 (p4's window ended before the death)
        assert s["excluded_no_phone"] == 1
        assert s["success_rate"] == 1 / 8
        assert s["failure_reasons"] == {
            "window_passed": 4,
            "deceased": 1,
            "no_answer": 1,
            "no_phone": 1,
        }
        by_department = {r["key"]: (r["due"], r["reached"]) for r in s["breakdowns"]["department"]}
        assert by_department == {"MED-W1": (4, 1), "SUR-W1": (4, 0)}
        by_plan = {r["key"]: r["due"] for r in s["breakdowns"]["plan"]}
        assert by_plan == {"back-plan": 1, "test-plan": 7}
        by_agent = {r["key"]: r["due"] for r in s["breakdowns"]["agent"]}
        assert by_agent == {None: 5, "agent": 2, "manager": 1}  # t3 and p1–p4: nobody's
        assert [a["agent"] for a in s["agents"]] == ["agent", "manager"]
        assert [(r["key"], r["due"]) for r in s["breakdowns"]["month"]] == [("2026-11-01", 8)]

    def test_the_second_month_has_its_own(self, passed, personas):
        s = selectors.summary(user=personas["manager"], date_from=DEC1, date_to=d(2026, 12, 31))
        assert (s["due"], s["reached"], s["excluded_deceased"]) == (3, 1, 1)  # t6, p5, p6

    def test_a_head_sees_only_their_department(self, passed, personas):
        s = selectors.summary(user=personas["head_surgery"], date_from=NOV1, date_to=NOV30)
        assert (s["due"], s["excluded_deceased"]) == (4, 2)  # t3, t4, p3, p4
        assert s["failure_reasons"] == {"window_passed": 2, "deceased": 1, "no_phone": 1}

    def test_an_agent_sees_none_of_them(self, passed, personas):
        s = selectors.summary(user=personas["agent"], date_from=NOV1, date_to=NOV30)
        assert s["due"] == 2  # t1 and t2, their own calls
        assert "window_passed" not in s["failure_reasons"]

    def test_a_filter_narrows_them_as_it_narrows_tasks(self, passed, personas):
        scope = selectors.report_scope(user=personas["manager"])
        for filters, due in (
            (selectors.ReportFilters(plan="back-plan"), 1),
            (selectors.ReportFilters(kind="outpatient"), 0),
            (selectors.ReportFilters(agent="agent"), 2),
        ):
            source = selectors.figure_source(
                scope=scope, date_from=NOV1, date_to=NOV30, filters=filters
            )
            assert source.task_figures().due == due, filters

    def test_a_comparison_counts_them(self, passed):
        result = selectors.compare_cohorts(user=None, a=(NOV, "MED"), b=(NOV, "SUR"))
        assert (result["a"]["part"], result["a"]["due"]) == (1, 4)
        assert (result["b"]["part"], result["b"]["due"]) == (0, 4)


class TestPages:
    def test_the_dashboard(self, client, login, passed):
        login("manager")
        data = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert data["failure_reasons"]["window_passed"] == 4
        months = dict(zip(data["months"], data["success_rate"], strict=True))
        assert months["2026-11"] == 1 / 8

    def test_the_head_of_surgery_sees_theirs_and_not_medicine(self, client, login, passed):
        login("head_surgery")
        data = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert data["failure_reasons"]["window_passed"] == 2
        assert client.get("/reports/dashboard/?period=2026-11&department=MED").status_code == 403

    def test_the_summary_page(self, client, login, passed):
        login("manager")
        response = client.get("/reports/?period=2026-11")
        assert response.status_code == 200
        rates = {r.name: r for r in response.context["data"]["rates"]}
        assert (rates["success_rate"].part, rates["success_rate"].whole) == (1, 8)

    def test_the_excel_summary(self, client, login, passed):
        login("head_surgery")
        book = load_workbook(BytesIO(client.get("/reports/summary.xlsx?period=2026-11").content))
        rows = [[c.value for c in r] for r in book["汇总"].iter_rows(min_row=4)]
        assert rows[-1][0] == "合计" and rows[-1][1] == 4
        assert [r[0] for r in rows[:-1]] == ["普外科病区"]
        reasons = {r[0]: r[1] for r in book["失败原因"].iter_rows(min_row=4, values_only=True)}
        assert reasons["已过随访窗口"] == 2

    def test_the_summary_costs_no_query_per_record(
        self, passed, personas, patient_medicine, django_assert_max_num_queries
    ):
        user = personas["manager"]
        selectors.summary_page(user=user, period=NOV, breakdowns=list(metrics.BREAKDOWNS))
        with django_assert_max_num_queries(40) as few:
            selectors.summary_page(user=user, period=NOV, breakdowns=list(metrics.BREAKDOWNS))
        encounter = patient_medicine.encounters.first()
        for i in range(20):
            make_passed(encounter, make_touchpoint(code=f"many{i}"), d(2026, 11, 2), d(2026, 11, 4))
        with django_assert_max_num_queries(40) as many:
            selectors.summary_page(user=user, period=NOV, breakdowns=list(metrics.BREAKDOWNS))
        assert len(many.captured_queries) == len(few.captured_queries)


class TestRollups:
    @pytest.mark.parametrize("who", ["manager", "head_medicine", "head_surgery"])
    def test_rolled_equals_live(self, passed, personas, who):
        build()
        scope = selectors.report_scope(user=personas[who])
        assert rolled(scope) == live_with_passed(scope)

    def test_the_scan_notices_records_added(self, passed, patient_medicine):
        later = settle()
        make_passed(
            patient_medicine.encounters.first(),
            make_touchpoint(code="late"),
            NOV1,
            NOV1,
            recorded_at=later + datetime.timedelta(minutes=5),
        )
        assert scan_after(later)["months_marked"] == 1
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)
        assert rolled(EVERYONE)["figures"]["due"] == 9

    def test_the_scan_notices_a_record_added_with_an_old_stamp(self, passed, patient_medicine):
        later = settle()
        old = timezone.now() - datetime.timedelta(days=30)
        make_passed(
            patient_medicine.encounters.first(), make_touchpoint(code="old"), NOV1, NOV1, old
        )
        assert scan_after(later)["months_marked"] == 1  # the count changed
        assert rolled(EVERYONE)["figures"]["due"] == 9

    def test_the_scan_notices_a_record_deleted(self, passed):
        later = settle()
        PassedTouchpoint.objects.filter(pk=passed[0].pk).delete()
        assert scan_after(later)["months_marked"] == 1
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)
        assert rolled(EVERYONE)["failure_reasons"]["window_passed"] == 3

    def test_the_scan_notices_a_record_moved(self, passed):
        later = settle()
        # Re-planned into December in place, recorded_at untouched: both months change.
        PassedTouchpoint.objects.filter(pk=passed[0].pk).update(
            due_from=d(2026, 12, 9), due_until=d(2026, 12, 12)
        )
        assert scan_after(later)["months_marked"] == 2
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)
        # And moved inside its month: the day breakdown changes, so does the fingerprint.
        PassedTouchpoint.objects.filter(pk=passed[1].pk).update(
            due_from=d(2026, 11, 20), due_until=d(2026, 11, 23)
        )
        assert scan_after(later + datetime.timedelta(minutes=10))["months_marked"] == 1
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)

    def test_a_record_left_alone_marks_nothing(self, passed):
        later = settle()
        assert scan_after(later)["months_marked"] == 0

    def test_a_record_replaced_by_a_task(self, passed, patient_medicine):
        build()
        rollups.rollups_refresh()
        p1 = passed[0]
        PassedTouchpoint.objects.filter(pk=p1.pk).delete()
        make_task(
            patient_medicine,
            touchpoint=p1.touchpoint,
            due_from=p1.due_from,
            due_until=d(2026, 11, 30),
        )
        rollups.rollups_refresh()
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)
        assert rolled(EVERYONE)["failure_reasons"]["pending"] == 1

    def test_a_death_recorded_marks_the_months_of_the_records(self, passed, departments):
        from huifang.patients.services import patient_update

        patient = PatientFactory(name="赵六")  # no task: only the record can mark November
        encounter = EncounterFactory(patient=patient, department=departments["medicine_ward"])
        make_passed(encounter, make_touchpoint(code="zhao"), d(2026, 11, 12), d(2026, 11, 20))
        build()
        assert rolled(EVERYONE)["figures"]["excluded_deceased"] == 2
        patient_update(actor=None, patient=patient, deceased_on=d(2026, 11, 10))
        assert RollupDirty.objects.filter(month=NOV1, reason="deceased").exists()
        rollups.rollups_refresh()
        assert rolled(EVERYONE) == live_with_passed(EVERYONE)
        assert rolled(EVERYONE)["figures"]["excluded_deceased"] == 3

    def test_a_rebuild_of_all_the_data_reaches_the_records_months(self, patient_medicine):
        make_passed(
            patient_medicine.encounters.first(), make_touchpoint(), d(2026, 9, 2), d(2026, 9, 5)
        )
        assert rollups.rollups_rebuild() == {"months": 1, "skipped_busy": 0}


def settle() -> datetime.datetime:
    """Build, and run the periodic job an hour later: the fixtures' writes are behind its
    watermark then, so a later scan sees only what a test changes."""
    build()
    later = timezone.now() + datetime.timedelta(hours=1)
    rollups.rollups_refresh(now=later)
    return later


def scan_after(later: datetime.datetime) -> dict:
    return rollups.rollups_refresh(now=later + datetime.timedelta(minutes=10))


def live_with_passed(scope) -> dict:
    """``test_rollups.live`` with the passed records of the scope."""
    tasks = selectors.report_tasks(scope=scope, date_from=NOV1, date_to=NOV30)
    passed = selectors.report_passed(scope=scope, date_from=NOV1, date_to=NOV30)
    result = live(scope)
    result["figures"] = metrics.task_figures(tasks, passed).as_dict()
    result["by"] = {
        name: [f.as_dict() for f in metrics.task_figures_by(tasks, name, passed)]
        for name in result["by"]
    }
    result["failure_reasons"] = metrics.failure_reasons(tasks, passed)
    return result
