"""A department's monthly assessment points from its late and reopened cases. By hand.

November 2026, sent to 内科 (心血管内科病区 counts under 内科):
  c1 deadline 20 Nov, answered 22 Nov: late;
  c2 deadline 20 Nov, answered 19 Nov, reopened once: on time, reopened;
  c3 deadline 25 Nov, still with the department: late (past its deadline now).
Sent to 外科: c4 answered on time. A December case of 内科 is not in November.
Default rules: 1 point per late case, 1 per reopened case, at most 10 a month.
"""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from huifang.feedback.models import Case
from huifang.reports import assessment

NOV = "?period=2026-11"


def at(day, month=11, hour=17):
    return timezone.make_aware(datetime.datetime(2026, month, day, hour))


@pytest.fixture
def cases(month, departments, patient_medicine):
    def case(
        department,
        deadline,
        answered=None,
        status=Case.Status.ANSWERED,
        reopened=0,
        recorded=None,
    ):
        c = Case.objects.create(
            kind=Case.Kind.COMPLAINT,
            source="agent",
            status=status,
            patient=patient_medicine,
            department=department,
            category="attitude",
            description="…",
            deadline_at=deadline,
            answered_at=answered,
            reopen_count=reopened,
        )
        Case.objects.filter(pk=c.pk).update(created_at=recorded or at(15))
        return c

    ward, surgery = departments["medicine_ward"], departments["surgery"]
    case(ward, at(20), answered=at(22))
    case(departments["medicine"], at(20), answered=at(19), reopened=1)
    case(ward, at(25), status=Case.Status.WITH_DEPARTMENT)
    case(surgery, at(20), answered=at(18))
    case(ward, at(10, month=12), answered=at(12, month=12), recorded=at(2, month=12))


def _points(client, persona="manager"):
    response = client.get(f"/reports/{NOV}")
    assert response.status_code == 200
    return response, {r["key"]: r for r in response.context["data"]["department_points"]["rows"]}


class TestDepartmentPoints:
    def test_late_and_reopened_cases_with_the_default_rules(self, client, login, cases):
        login("manager")
        _response, rows = _points(client)
        medicine = rows["MED"]
        assert (medicine["cases"], medicine["late"], medicine["reopened"]) == (3, 2, 1)
        assert medicine["points"] == Decimal(3)
        assert rows["SUR"]["points"] == 0
        assert list(rows) == ["MED", "SUR"]

    def test_the_rules_are_settings_and_the_cap_holds_per_month(
        self, client, login, cases, settings
    ):
        settings.HUIFANG_DEPARTMENT_POINTS_PER_LATE_CASE = "2"
        settings.HUIFANG_DEPARTMENT_POINTS_PER_REOPENED_CASE = "0.5"
        settings.HUIFANG_DEPARTMENT_POINTS_CAP = "4"
        login("manager")
        _response, rows = _points(client)
        # 2 × 2 + 0.5 = 4.5, capped at 4.
        assert rows["MED"]["points"] == Decimal(4)

    def test_the_cap_applies_to_each_month_of_a_quarter(self, client, login, cases, settings):
        settings.HUIFANG_DEPARTMENT_POINTS_CAP = "2"
        login("manager")
        response = client.get("/reports/?period=2026-Q4")
        rows = {r["key"]: r for r in response.context["data"]["department_points"]["rows"]}
        # November: 3 capped at 2; December: one late case, 1 point.
        assert rows["MED"]["late"] == 3
        assert rows["MED"]["points"] == Decimal(3)

    def test_no_cap(self):
        rules = assessment.PointRules(per_late=Decimal(1), per_reopened=Decimal(1), cap=None)
        assert rules.points(late=30, reopened=5) == Decimal(35)

    def test_the_summary_page_shows_the_points_and_the_rules(self, client, login, cases):
        login("manager")
        response, _rows = _points(client)
        html = response.content.decode()
        assert "科室考核扣分" in html
        assert "每件超期扣 1 分，每件重新打开扣 1 分" in html
        assert "每月最多扣 10 分" in html
        assert "<th>超期</th><th>重新打开件数</th><th>扣分</th>" in html
        assert (
            '<tr data-testid="department-points-row"><td>内科</td><td>3</td><td>2</td><td>1</td><td class="text-danger fw-semibold">3</td></tr>'
            in html
        )

    def test_a_head_sees_their_department_only(self, client, login, cases):
        login("head_surgery")
        _response, rows = _points(client)
        assert list(rows) == ["SUR"]

    def test_an_agent_sees_no_department_points(self, client, login, cases):
        login("agent")
        response = client.get(f"/reports/{NOV}")
        assert "department_points" not in response.context["data"]
        assert 'data-testid="department-points"' not in response.content.decode()

    def test_the_summary_excel_has_the_points_sheet(self, client, login, cases):
        login("manager")
        wb = load_workbook(BytesIO(client.get(f"/reports/summary.xlsx{NOV}").content))
        rows = list(wb["科室考核扣分"].iter_rows(min_row=2, values_only=True))
        assert rows[0] == ("科室", "投诉建议数", "超期件数", "重新打开件数", "扣分")
        assert rows[1] == ("内科", 3, 2, 1, 3)
