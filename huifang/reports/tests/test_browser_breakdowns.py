"""What a department head and a manager do with the breakdown pages in a real browser."""

import pytest

from huifang.followups.models import ContactAttempt

pytestmark = pytest.mark.browser


def test_a_manager_walks_from_the_summary_to_the_breakdowns_and_answer_tables(
    page, live_server, sign_in, month
):
    ContactAttempt.objects.filter(task=month["t1"], outcome__code="reached_patient").update(
        answers={"satisfaction": "satisfied", "recovery": "good"}
    )
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/reports/?period=2026-11")
    page.get_by_test_id("department-points").wait_for()

    page.get_by_test_id("nav-breakdowns").click()
    page.get_by_test_id("by-sex").wait_for()
    male = page.get_by_test_id("by-sex").locator('[data-key="M"] td')
    assert male.nth(0).inner_text() == "男"
    assert male.nth(1).inner_text() == "4"
    assert (
        page.get_by_test_id("by-department_group")
        .locator('[data-key="medical"] td')
        .nth(0)
        .inner_text()
        == "内科系统"
    )
    assert "医德医风" in page.get_by_test_id("dimensions").inner_text()

    # Another return window: the address keeps it, the heading and the download follow it.
    page.get_by_label("复诊统计天数").fill("45")
    page.get_by_test_id("report-show").click()
    page.wait_for_url("**days=45**")
    assert page.get_by_role("heading", name="出院后 45 天内复诊").is_visible()
    assert "days=45" in page.get_by_test_id("report-xlsx").get_attribute("href")

    page.get_by_test_id("nav-answers").click()
    table = page.locator('[data-question="call:recovery"]')
    table.wait_for()
    assert table.get_by_test_id("answer-total").locator("td").nth(2).inner_text() == "1 (100.0%)"


def test_a_bad_return_window_is_explained_in_the_page(page, live_server, sign_in, month):
    sign_in(page, live_server, "head_medicine")
    page.goto(f"{live_server.url}/reports/breakdowns/?period=2026-11&days=500")
    assert "1 到 365" in page.content()
