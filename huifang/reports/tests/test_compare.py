"""Cohorts by plan and by tag, against the health-check study of domain.md.

Targeted calls: 217 of 400 came back for the re-check; plain calls: 51 of 400.
By hand: the 2×2 table [[217, 183], [51, 349]], every expected count ≥ 5, so
Pearson's chi-square: χ² = 800·(217·349 − 183·51)² / (400·400·268·532)
= 800·66400² / 22,812,160,000 = 154.618, p ≈ 1.7 × 10⁻³⁵.
Wilson 95 % for 217/400: 49.35 %–59.07 %; for 51/400: 9.83 %–16.38 %.
"""

import datetime
import json

import pytest
from django.core.management import call_command

from huifang.patients.models import AbnormalFinding, Encounter
from huifang.reports.tests.test_metrics import _cohort
from huifang.testing.factories import make_touchpoint


@pytest.fixture
def study(personas, patient_medicine, patient_surgery):
    """Two plans on health checks: targeted (lipids findings, 内科) and plain (外科)."""
    targeted_check = Encounter.objects.create(
        patient=patient_medicine,
        kind=Encounter.Kind.HEALTH_CHECK,
        number="TJ1",
        department=patient_medicine.encounters.first().department,
        visit_on=datetime.date(2026, 11, 2),
    )
    AbnormalFinding.objects.create(
        encounter=targeted_check, kind="lipids", description="总胆固醇 6.8"
    )
    plain_check = Encounter.objects.create(
        patient=patient_surgery,
        kind=Encounter.Kind.HEALTH_CHECK,
        number="TJ2",
        department=patient_surgery.encounters.first().department,
        visit_on=datetime.date(2026, 11, 2),
        source_record={"visit_type": "复诊"},
    )
    _cohort(targeted_check, make_touchpoint(plan_code="targeted", code="t"), 217, 183)
    _cohort(plain_check, make_touchpoint(plan_code="plain", code="p"), 51, 349)


def _page(client, query):
    response = client.get(f"/reports/compare/?a_period=2026-11&b_period=2026-11&{query}")
    assert response.status_code == 200
    return response.content.decode()


class TestCompareByPlan:
    def test_the_two_plans_of_the_study(self, client, login, study):
        login("manager")
        html = _page(client, "a_plan=targeted&b_plan=plain")
        assert 'data-testid="rate-a">54.25%<' in html
        assert 'data-testid="rate-b">12.75%<' in html
        assert "217/400" in html and "51/400" in html
        assert "卡方检验 χ² = 154.618" in html
        assert 'data-testid="p-value">1.7e-35<' in html

    def test_a_tag_is_a_cohort(self, client, login, study):
        login("manager")
        html = _page(client, "a_tag=lipids&b_tag=%E5%A4%8D%E8%AF%8A")  # b: 复诊
        assert 'data-testid="rate-a">54.25%<' in html
        assert 'data-testid="rate-b">12.75%<' in html

    def test_a_tag_nobody_has_leaves_nothing_to_compare(self, client, login, study):
        login("manager")
        html = _page(client, "a_tag=glucose&b_plan=plain")
        assert "0/0" in html
        assert 'data-testid="p-value"' not in html

    def test_a_plan_and_a_department_narrow_together(self, client, login, study):
        login("manager")
        html = _page(client, "a_plan=targeted&a_department=SUR&b_plan=plain")
        assert "0/0" in html

    def test_a_head_compares_plans_only_inside_their_department(self, client, login, study):
        login("head_surgery")
        # Without a department the head's cohorts are their own: the targeted plan ran in 内科.
        html = _page(client, "a_plan=targeted&b_plan=plain")
        assert "0/0" in html and "51/400" in html
        assert (
            client.get(
                "/reports/compare/?a_period=2026-11&a_plan=targeted&a_department=MED&b_period=2026-11"
            ).status_code
            == 403
        )

    def test_an_unknown_plan_is_explained(self, client, login, study):
        login("manager")
        response = client.get("/reports/compare/?a_period=2026-11&a_plan=nope&b_period=2026-11")
        assert response.status_code == 400
        assert "nope" in response.content.decode()


class TestCompareCommand:
    def test_the_study_as_json(self, study, capsys):
        call_command(
            "report",
            "compare",
            "--a-period",
            "2026-11",
            "--a-plan",
            "targeted",
            "--b-period",
            "2026-11",
            "--b-tag",
            "复诊",
            "--json",
        )
        data = json.loads(capsys.readouterr().out)
        assert data["a"] == {
            "period": "2026-11",
            "department": None,
            "plan": "targeted",
            "tag": None,
            "part": 217,
            "due": 400,
        }
        assert (data["b"]["part"], data["b"]["due"], data["b"]["tag"]) == (51, 400, "复诊")
        comparison = data["comparison"]
        assert comparison["test"] == "chi_square"
        assert round(comparison["statistic"], 2) == 154.62
        assert comparison["p_value"] < 1e-34
        assert [round(x, 4) for x in comparison["ci_a"]] == [0.4935, 0.5907]
        assert [round(x, 4) for x in comparison["ci_b"]] == [0.0983, 0.1638]

    def test_as_a_head_the_cohorts_are_theirs(self, study, capsys):
        call_command(
            "report",
            "compare",
            "--a-period",
            "2026-11",
            "--a-plan",
            "targeted",
            "--b-period",
            "2026-11",
            "--b-plan",
            "plain",
            "--user",
            "head_surgery",
            "--json",
        )
        data = json.loads(capsys.readouterr().out)
        assert (data["a"]["due"], data["b"]["due"]) == (0, 400)
        assert data["comparison"] is None
