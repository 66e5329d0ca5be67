from io import BytesIO

import pytest
from openpyxl import load_workbook

from huifang.core.models import AuditEntry

NOV = "?period=2026-11"


class TestSummaryPage:
    @pytest.mark.parametrize(
        ("persona", "due"),
        [
            ("manager", 4),
            ("quality", 4),
            ("admin", 4),
            ("head_medicine", 2),
            ("head_surgery", 2),
            ("agent", 2),
        ],
    )
    def test_it_shows_each_role_its_scope(self, client, login, month, persona, due):
        login(persona)
        response = client.get(f"/reports/{NOV}")
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-testid="figure-due">{due}<' in html

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_it_refuses_others(self, client, login, month, persona):
        login(persona)
        assert client.get(f"/reports/{NOV}").status_code == 403
        assert client.get(f"/reports/department/{NOV}").status_code == 403
        assert client.get(f"/reports/summary.xlsx{NOV}").status_code == 403

    def test_it_sends_anonymous_visitors_to_login(self, client, db):
        assert client.get("/reports/").status_code == 302

    def test_rates_carry_wilson_intervals(self, client, login, month):
        login("manager")
        html = client.get(f"/reports/{NOV}").content.decode()
        assert 'data-testid="rate-success_rate">25.00%<' in html
        assert "回访统计汇总" in html and "回访成功率（成功 ÷ 应回访）" in html
        # Wilson 95 % for 1/4: 4.6 %–69.9 %
        assert 'data-testid="ci-success_rate">4.6%–69.9%<' in html

    def test_a_quarter(self, client, login, month):
        login("manager")
        html = client.get("/reports/?period=2026-Q4").content.decode()
        assert 'data-testid="figure-due">5<' in html  # November's four and t6 in December

    def test_a_bad_period_is_explained(self, client, login, month):
        login("manager")
        response = client.get("/reports/?period=2026-13")
        assert response.status_code == 400

    def test_a_head_may_not_open_another_department(self, client, login, month):
        login("head_surgery")
        assert client.get(f"/reports/department/{NOV}&department=MED").status_code == 403
        assert client.get(f"/reports/department/{NOV}&department=SUR").status_code == 200

    def test_the_query_count_does_not_grow_with_the_data(
        self, client, login, month, django_assert_max_num_queries
    ):
        login("manager")
        client.get(f"/reports/{NOV}")
        # A constant: the figures, plus one query per kind of name shown (reasons,
        # departments, plans, agents) and the daily register's day.
        with django_assert_max_num_queries(45):
            assert client.get(f"/reports/{NOV}").status_code == 200
        with django_assert_max_num_queries(45):
            assert client.get(f"/reports/department/{NOV}&department=MED").status_code == 200


class TestDepartmentPage:
    def test_it_breaks_the_department_down_by_doctor(self, client, login, month):
        login("head_medicine")
        html = client.get(f"/reports/department/{NOV}&department=MED").content.decode()
        assert 'data-testid="breakdown-doctor"' in html
        assert "王医生" in html
        assert 'data-testid="figure-due">2<' in html


class TestExcel:
    def test_it_downloads_a_formatted_workbook_and_audits_it(self, client, login, month):
        user = login("head_surgery")
        response = client.get(f"/reports/summary.xlsx{NOV}")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('.xlsx"')
        book = load_workbook(BytesIO(response.content))
        ws = book["汇总"]
        assert ws[3][0].value == "分组" and ws[3][5].value == "回访成功率"
        assert ws.freeze_panes == "A4"
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
        assert rows[-1][0] == "合计"
        assert rows[-1][1] == 2  # surgery only
        assert ws.cell(row=4, column=6).number_format == "0.00%"
        assert {r[0]: r[1] for r in book["失败原因"].iter_rows(min_row=4, values_only=True)} == {
            "患者已故": 1,
            "无电话": 1,
        }
        entry = AuditEntry.objects.get(action="export")
        assert entry.actor == user
        assert entry.changes["period"] == "2026-11"


class TestDailyRegisterDownload:
    def test_it_downloads_the_days_register_and_audits_it(self, client, login, month):
        user = login("manager")
        response = client.get("/reports/daily.xlsx?date=2026-11-14")
        assert response.status_code == 200
        ws = load_workbook(BytesIO(response.content))["回访日报表"]
        assert ws[3][1].value == "姓名" and ws.freeze_panes == "A4"
        assert [ws[4][1].value, ws[4][2].value, ws[4][5].value] == ["张三丰", "138****5678", "满意"]
        footer = {row[0]: row[1] for row in ws.iter_rows(min_row=6, values_only=True) if row[0]}
        assert footer["合计回访次数"] == 1 and footer["填表人"] == "manager"
        entry = AuditEntry.objects.get(action="export")
        assert entry.actor == user and entry.changes == {"date": "2026-11-14", "calls": 1}

    def test_a_head_gets_only_their_departments_calls(self, client, login, month):
        login("head_surgery")
        ws = load_workbook(
            BytesIO(client.get("/reports/daily.xlsx?date=2026-11-14").content)
        ).active
        footer = {row[0]: row[1] for row in ws.iter_rows(min_row=4, values_only=True) if row[0]}
        assert footer["合计回访次数"] == 0

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_others_are_refused(self, client, login, month, persona):
        login(persona)
        assert client.get("/reports/daily.xlsx?date=2026-11-14").status_code == 403
        assert not AuditEntry.objects.filter(action="export").exists()

    def test_a_bad_date_is_explained(self, client, login, month):
        login("manager")
        assert client.get("/reports/daily.xlsx?date=14.11.2026").status_code == 400


class TestAgentsTable:
    def test_the_summary_shows_deductions(self, client, login, month):
        login("manager")
        html = client.get(f"/reports/{NOV}").content.decode()
        assert 'data-testid="agents"' in html
        # The required completion rate, not the questionnaires' "required" (必答).
        assert "<th>要求完成率</th>" in html and "必答" not in html


class TestControlSignals:
    def test_a_department_month_outside_its_limits_is_flagged(
        self, client, login, personas, patient_medicine, patient_surgery
    ):
        import datetime

        from huifang.reports.tests.test_metrics import _cohort
        from huifang.testing.factories import make_touchpoint

        # 内科: September 9/10, October 9/10, November 1/10. Centre 19/30 = 0.633,
        # limits for n = 10: 0.633 ± 3·√(0.633·0.367/10) = 0.176 … 1; November is below.
        encounter = patient_medicine.encounters.first()
        for month, reached in ((9, 9), (10, 9), (11, 1)):
            _cohort(
                encounter,
                make_touchpoint(code=f"m{month}"),
                reached,
                10 - reached,
                due_from=datetime.date(2026, month, 13),
            )
        # 外科 steady: 5/10 each month — no signal.
        for month in (9, 10, 11):
            _cohort(
                patient_surgery.encounters.first(),
                make_touchpoint(code=f"s{month}"),
                5,
                5,
                due_from=datetime.date(2026, month, 13),
            )
        login("manager")
        html = client.get(f"/reports/{NOV}").content.decode()
        assert html.count('data-testid="signal"') == 1
        assert "心血管内科病区" in html.split('data-testid="signals"')[1].split("</table>")[0]
        login("head_surgery")
        html = client.get(f"/reports/{NOV}").content.decode()
        assert 'data-testid="signal"' not in html


class TestCompare:
    def test_two_departments_of_one_month(self, client, login, month):
        login("manager")
        html = client.get(
            "/reports/compare/?a_period=2026-11&a_department=MED&b_period=2026-11&b_department=SUR"
        ).content.decode()
        # 1/2 vs 0/2: expected counts below 5 → Fisher: p = 1
        assert 'data-testid="rate-a">50.00%<' in html
        assert 'data-testid="rate-b">0.00%<' in html
        assert "Fisher 精确检验" in html
        assert 'data-testid="p-value">1<' in html

    def test_large_cohorts_use_chi_square(self, client, login, personas, patient_medicine):
        import datetime

        from huifang.reports.tests.test_metrics import _cohort
        from huifang.testing.factories import make_touchpoint

        encounter = patient_medicine.encounters.first()
        _cohort(encounter, make_touchpoint(code="oct"), 30, 70, due_from=datetime.date(2026, 10, 5))
        _cohort(encounter, make_touchpoint(code="nov"), 20, 80)
        login("manager")
        html = client.get("/reports/compare/?a_period=2026-10&b_period=2026-11").content.decode()
        # 30/100 vs 20/100: χ² = 8/3 = 2.667, p = 0.102
        assert "卡方检验 χ² = 2.667" in html
        assert 'data-testid="p-value">0.102<' in html

    def test_a_head_may_not_compare_with_another_department(self, client, login, month):
        login("head_surgery")
        url = (
            "/reports/compare/?a_period=2026-11&a_department=SUR&b_period=2026-11&b_department=MED"
        )
        assert client.get(url).status_code == 403

    def test_nobody_is_refused(self, client, login, month):
        login("nobody")
        assert client.get("/reports/compare/").status_code == 403
