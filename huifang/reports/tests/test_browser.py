"""What a manager sees in a real browser: the Reports entry opens the summary; the charts draw."""

import pytest

pytestmark = pytest.mark.browser


def test_a_manager_opens_the_reports_and_the_charts_draw(page, live_server, sign_in, month):
    sign_in(page, live_server, "manager")

    page.locator('[data-nav="reports"]').click()
    page.get_by_test_id("figure-due").wait_for()
    page.get_by_label("月份或季度").fill("2026-11")
    page.get_by_test_id("report-show").click()
    assert page.get_by_test_id("figure-due").inner_text() == "4"
    assert page.get_by_test_id("ci-success_rate").inner_text() == "4.6%–69.9%"

    page.get_by_role("link", name="图表").click()
    for chart in ("chart-trend", "chart-reasons", "chart-funnel", "chart-heatmap"):
        page.locator(f'[data-testid="{chart}"][data-ready="1"] canvas').first.wait_for()


def test_the_dashboard_filters_redraw_the_charts_and_stay_in_the_address(
    page, live_server, sign_in, month
):
    import json

    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/reports/dashboard/?period=2026-11")
    page.locator('[data-testid="chart-reasons"][data-ready="1"] canvas').first.wait_for()
    before = json.loads(page.locator("#dashboard-data").text_content())
    assert before["failure_reasons"] == {"deceased": 1, "no_answer": 1, "no_phone": 1}

    page.get_by_label("科室").select_option("MED")
    page.wait_for_url("**department=MED**")
    page.wait_for_function(
        "() => JSON.parse(document.getElementById('dashboard-data').textContent)"
        ".failure_reasons.no_phone === undefined"
    )
    after = json.loads(page.locator("#dashboard-data").text_content())
    assert after["failure_reasons"] == {"no_answer": 1}
    assert after["success_rate"][-1] == 0.5
    page.locator('[data-testid="chart-reasons"][data-ready="1"] canvas').first.wait_for()

    # The address is the view: opening it again shows the same filter chosen.
    page.reload()
    assert page.get_by_label("科室").input_value() == "MED"

    # Another period redraws the charts, and the links to the other reports follow it.
    page.get_by_label("月份或季度").fill("2026-10")
    page.get_by_label("月份或季度").press("Enter")
    page.wait_for_url("**period=2026-10**")
    summary = page.get_by_test_id("report-nav").get_by_role("link", name="摘要")
    assert summary.get_attribute("href").endswith("?period=2026-10")
