"""The holiday range form and the favicon, in a real browser."""

import os

import chinese_calendar
import pytest

from huifang.core.models import CalendarDay

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("HUIFANG_SCREENSHOTS", "")
UNANNOUNCED = max(chinese_calendar.holidays).year + 1


def test_an_administrator_enters_a_whole_break_from_the_holiday_table(
    page, live_server, sign_in, personas
):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/core/calendarday/")
    page.get_by_test_id("calendar-range-link").click()
    form = page.get_by_test_id("calendar-range-form")
    form.get_by_label("名称").fill("国庆节")
    form.get_by_label("开始日期").fill(f"{UNANNOUNCED}-10-07")
    form.get_by_label("结束日期").fill(f"{UNANNOUNCED}-10-01")
    form.get_by_label("类型").select_option("holiday")
    form.get_by_role("button", name="保存").click()
    error = page.get_by_test_id("calendar-range-error")
    assert "早于开始日期" in error.inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "calendar-range-error.png"))

    form.get_by_label("开始日期").fill(f"{UNANNOUNCED}-10-01")
    form.get_by_label("结束日期").fill(f"{UNANNOUNCED}-10-07")
    form.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/admin/core/calendarday/")
    assert "已录入 7 天" in page.locator(".messagelist").inner_text()
    assert CalendarDay.objects.filter(name="国庆节").count() == 7
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "calendar-range-done.png"))


def test_the_browser_finds_a_favicon(page, live_server):
    response = page.request.get(f"{live_server.url}/favicon.ico")
    assert response.status == 200
    assert response.body()[:4] == b"\x00\x00\x01\x00"
