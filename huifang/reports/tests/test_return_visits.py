"""The return-visit rate: discharged in the period, seen again within N days. Worked by hand.

张三丰 (MED-W1) discharged 10 Nov, out-patient visit 5 Dec (25 days later);
李秀英 (SUR-W1) discharged 10 Nov, health check 20 Nov (never a return),
out-patient visit 20 Dec (40 days); 王五 (MED-W1) discharged 28 Nov, a
visit on the day of discharge (not later) and nothing after.
"""

import datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from huifang.patients.models import Encounter
from huifang.reports.return_visits import return_days, return_visit_figures
from huifang.testing.factories import EncounterFactory, PatientFactory

NOV = "?period=2026-11"
TODAY = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)


def visit(patient, day, kind=Encounter.Kind.OUTPATIENT, department=None):
    return EncounterFactory(
        patient=patient,
        kind=kind,
        department=department or patient.encounters.first().department,
        admitted_on=None,
        discharged_on=None,
        visit_on=day,
    )


@pytest.fixture
def returns(departments, patient_medicine, patient_surgery):
    d = datetime.date
    visit(patient_medicine, d(2026, 12, 5))
    visit(patient_surgery, d(2026, 11, 20), kind=Encounter.Kind.HEALTH_CHECK)
    visit(patient_surgery, d(2026, 12, 20))
    wang = PatientFactory(name="王五")
    EncounterFactory(
        patient=wang,
        department=departments["medicine_ward"],
        admitted_on=d(2026, 11, 20),
        discharged_on=d(2026, 11, 28),
    )
    visit(wang, d(2026, 11, 28))


def figures(days):
    discharges = Encounter.objects.filter(
        discharged_on__gte=datetime.date(2026, 11, 1),
        discharged_on__lte=datetime.date(2026, 11, 30),
    )
    total, rows = return_visit_figures(discharges, days=days, today=datetime.date(2026, 12, 10))
    return total, {r["key"]: r for r in rows}


class TestReturnVisitFigures:
    def test_within_thirty_days(self, returns):
        total, rows = figures(30)
        assert (total["discharges"], total["returned"]) == (3, 1)
        assert total["return_rate"] == pytest.approx(1 / 3)
        assert (rows["MED-W1"]["discharges"], rows["MED-W1"]["returned"]) == (2, 1)
        assert rows["SUR-W1"]["returned"] == 0
        # 王五's 30 days end on 28 December: still open on 10 December.
        assert rows["MED-W1"]["window_open"] == 1
        # 李秀英's ended on 10 December itself.
        assert rows["SUR-W1"]["window_open"] == 0

    def test_the_window_decides(self, returns):
        assert figures(45)[0]["returned"] == 2
        assert figures(25)[0]["returned"] == 1
        assert figures(24)[0]["returned"] == 0

    def test_a_health_check_and_a_same_day_visit_are_no_return(self, returns):
        total, _rows = figures(365)
        assert total["returned"] == 2  # 王五 never counts

    def test_no_discharges(self, db):
        total, rows = return_visit_figures(
            Encounter.objects.none(), days=30, today=datetime.date(2026, 12, 10)
        )
        assert total["discharges"] == 0 and total["return_rate"] is None and rows == []

    @pytest.mark.parametrize("raw", ["0", "366", "abc", "-3"])
    def test_a_bad_window_is_refused(self, raw):
        from huifang.core.errors import ApplicationError

        with pytest.raises(ApplicationError) as error:
            return_days(raw)
        assert error.value.code == "invalid_return_days"

    def test_the_default_window_is_a_setting(self, settings):
        assert return_days(None) == 30
        settings.HUIFANG_RETURN_VISIT_DAYS = 14
        assert return_days("") == 14


class TestReturnVisitsOnThePage:
    def test_the_manager_sees_every_department(self, client, login, returns):
        with time_machine.travel(TODAY):
            login("manager")
            response = client.get(f"/reports/breakdowns/{NOV}&days=30")
        visits = response.context["data"]["return_visits"]
        assert visits["days"] == 30
        assert visits["total"]["returned"] == 1 and visits["total"]["discharges"] == 3
        html = response.content.decode()
        assert "出院后 30 天内复诊" in html
        assert (
            'data-testid="return-visit-total"><td>合计</td><td>3</td><td>1</td><td>33.3%</td>'
            in html
        )

    def test_a_head_sees_their_departments(self, client, login, returns):
        with time_machine.travel(TODAY):
            login("head_surgery")
            response = client.get(f"/reports/breakdowns/{NOV}&days=45")
        visits = response.context["data"]["return_visits"]
        assert [r["key"] for r in visits["departments"]] == ["SUR-W1"]
        assert visits["total"]["returned"] == 1

    def test_the_excel_sheet_names_the_window(self, client, login, returns):
        with time_machine.travel(TODAY):
            login("manager")
            response = client.get(f"/reports/breakdowns.xlsx{NOV}&days=45")
        ws = load_workbook(BytesIO(response.content))["45天复诊率"]
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert rows[0] == ("科室", "出院人数", "45天内复诊", "复诊率", "尚未满期")
        assert rows[-1][:4] == ("合计", 3, 2, pytest.approx(2 / 3))
