"""The dashboard's charts in a real browser at 1366×768: words on every axis, in the user's language."""

import os

import pytest
from django.conf import settings

from huifang.reports.tests.labelled import (
    AGENT_NAME,
    codes_in,
    labelled,  # noqa: F401 (fixture)
    raw_codes,
)
from huifang.reports.tests.test_dashboard import answers  # noqa: F401 (fixture)
from huifang.reports.tests.test_satisfaction_by_staff import staffed  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("HUIFANG_SCREENSHOTS", "")

OPTIONS = """(id) => {
  const option = echarts.getInstanceByDom(document.getElementById(id)).getOption();
  const names = (axes) => (axes || []).flatMap((a) => a.data || []).map((d) => d.value ?? d);
  return {
    x: names(option.xAxis), y: names(option.yAxis),
    legend: (option.legend || []).flatMap((l) => l.data || []).map((d) => d.name ?? d),
    series: option.series.flatMap((s) => (s.data || []).map((d) => d && d.name).filter(Boolean)),
    contained: (option.grid || []).every((g) => g.containLabel === true),
  };
}"""


def _charts(page, live_server):
    page.goto(f"{live_server.url}/reports/dashboard/?period=2026-11")
    for chart in ("chart-trend", "chart-reasons", "chart-funnel", "chart-heatmap"):
        page.locator(f'[data-testid="{chart}"][data-ready="1"] canvas').first.wait_for()
    return {
        chart: page.evaluate(OPTIONS, chart)
        for chart in ("chart-trend", "chart-reasons", "chart-funnel", "chart-heatmap")
    }


def test_the_dashboard_charts_speak_chinese(page, live_server, sign_in, labelled):  # noqa: F811
    sign_in(page, live_server, "manager")
    charts = _charts(page, live_server)

    reasons = charts["chart-reasons"]["y"]
    assert "无人接听" in reasons and "停机" in reasons and "已过随访窗口" in reasons
    assert "心血管内科病区" in charts["chart-heatmap"]["y"]
    assert "健康宣教" in charts["chart-heatmap"]["x"]
    assert charts["chart-trend"]["legend"] == ["回访率", "回访成功率"]
    assert charts["chart-funnel"]["series"][0] == "登记"
    words = "\n".join(
        str(w) for c in charts.values() for k in ("x", "y", "legend", "series") for w in c[k]
    )
    assert codes_in(words, raw_codes()) == set()
    # Long labels are measured into the grid, not cut at its left edge.
    assert all(c["contained"] for name, c in charts.items() if name != "chart-funnel")
    agents = page.get_by_test_id("dashboard-agents").inner_text()
    assert AGENT_NAME in agents
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "dashboard-zh.png"), full_page=True)


def test_in_english_the_axes_are_english(page, live_server, sign_in, labelled):  # noqa: F811
    sign_in(page, live_server, "manager")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    charts = _charts(page, live_server)

    reasons = charts["chart-reasons"]["y"]
    assert (
        "No answer" in reasons and "Communication barrier (hearing, language, dialect)" in reasons
    )
    assert "Health education" in charts["chart-heatmap"]["x"]
    assert charts["chart-trend"]["legend"] == ["Follow-up rate", "Success rate"]
    words = "\n".join(
        str(w) for c in charts.values() for k in ("x", "y", "legend", "series") for w in c[k]
    )
    assert codes_in(words, raw_codes(english=True)) == set()
    assert all(c["contained"] for name, c in charts.items() if name != "chart-funnel")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "dashboard-en.png"), full_page=True)


def test_the_satisfaction_menu_opens_the_page(page, live_server, sign_in, staffed):  # noqa: F811
    sign_in(page, live_server, "manager")
    page.locator('[data-nav="surveys"]').click()
    page.get_by_test_id("satisfaction-filters").wait_for()
    page.get_by_label("月份或季度").fill("2026-11")
    page.get_by_test_id("satisfaction-show").click()
    page.wait_for_url("**period=2026-11**")
    assert page.get_by_test_id("total-five").inner_text() == "33.3%"
    doctors = page.get_by_test_id("satisfaction-doctor")
    assert "样本不足" in doctors.inner_text() and "王医生" in doctors.inner_text()
    assert "心血管内科病区" in page.get_by_test_id("satisfaction-department").inner_text()
    assert "coming" not in page.url
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "satisfaction.png"), full_page=True)
