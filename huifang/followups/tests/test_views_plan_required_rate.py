"""A plan's required follow-up rate (the documents require 100 % per category) on the plan pages."""

from decimal import Decimal

import pytest

from huifang.core.models import AuditEntry
from huifang.followups.tests.test_services_plans import make_plan
from huifang.followups.tests.test_views_plans import _plan_form


@pytest.fixture
def plan(db):
    return make_plan(code="test-plan", name="测试出院随访")


def test_it_saves_the_plans_required_rate_and_shows_it(client, login, plan):
    login("manager")
    response = client.post(
        f"/followups/plans/{plan.code}/edit/", _plan_form(plan, required_rate="100")
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.required_rate == Decimal("100")
    page = client.get(f"/followups/plans/{plan.code}/").content.decode()
    assert 'data-testid="plan-required-rate">100%<' in page
    entry = AuditEntry.objects.filter(target_id=str(plan.pk)).latest("id")
    assert entry.changes["required_rate"] == [None, "100"]


def test_without_a_rate_the_page_says_the_hospital_wide_rate_applies(client, login, plan):
    login("manager")
    page = client.get(f"/followups/plans/{plan.code}/").content.decode()
    assert 'data-testid="plan-required-rate">全院统一要求<' in page


@pytest.mark.parametrize("value", ["120", "-1"])
def test_it_refuses_a_rate_outside_0_to_100(client, login, plan, value):
    login("manager")
    response = client.post(
        f"/followups/plans/{plan.code}/edit/", _plan_form(plan, required_rate=value)
    )
    assert response.status_code == 200
    assert "required_rate" in response.context["form"].errors
    plan.refresh_from_db()
    assert plan.required_rate is None
