"""The administration in a real browser: the two-pane selectors speak Chinese."""

import os

import pytest

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("HUIFANG_SCREENSHOTS", "")


def test_it_shows_the_roles_selector_in_chinese(page, live_server, sign_in, personas):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/accounts/user/{personas['agent'].pk}/change/")
    chosen = page.locator("#id_groups_to")
    chosen.wait_for()
    assert chosen.locator("option").all_inner_texts() == ["回访员"]
    available = page.locator("#id_groups_from option").all_inner_texts()
    assert "客服经理" in available
    assert "service_manager" not in available
    selector = page.locator(".field-groups .selector").inner_text()
    assert "可用 角色" in selector
    assert "选中要添加的角色" in selector
    assert "Choose" not in selector
    assert "Remove" not in selector
    page.locator(".field-groups").scroll_into_view_if_needed()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "admin-user-roles.png"))


def test_it_shows_the_sign_in_lock_out_in_chinese(page, live_server, sign_in, personas):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="登录失败计数").click()
    assert "登录失败计数" in page.locator("#content h1").inner_text()
    text = page.locator("body").inner_text()
    assert "Access attempt" not in text
    assert "Attempt Time" not in text
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "admin-lockout.png"))
