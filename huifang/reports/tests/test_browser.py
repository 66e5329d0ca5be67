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
