"""What an agent does in a real browser: Debian's Chromium driven by Playwright."""

import pytest

from huifang.core.models import AuditEntry

pytestmark = pytest.mark.browser


def test_it_lets_an_agent_find_a_patient_by_initials_and_reveal_a_phone(
    page, live_server, sign_in, personas, patient_medicine, patient_surgery
):
    sign_in(page, live_server, "agent")
    assert page.get_by_role("heading", name="工作台").is_visible()

    page.get_by_role("link", name="患者").first.click()
    page.get_by_label("搜索").fill("zsf")
    row_link = page.get_by_test_id("patient-link").filter(has_text="张三丰")
    row_link.wait_for()
    # The other department's patient is not in the agent's scope.
    assert page.get_by_test_id("patient-link").count() == 1
    assert "138****5678" in page.get_by_test_id("patient-table").inner_text()
    assert "13812345678" not in page.content()

    row_link.click()
    page.get_by_test_id("patient-name").wait_for()
    assert page.get_by_test_id("patient-name").inner_text() == "张三丰"
    assert not AuditEntry.objects.filter(action="reveal").exists()

    page.get_by_test_id("reveal-phone").first.click()
    revealed = page.get_by_test_id("revealed-number")
    revealed.wait_for()
    assert revealed.inner_text().replace(" ", "") == "13812345678"
    assert revealed.get_attribute("href") == "tel:13812345678"

    reveal = AuditEntry.objects.get(action="reveal")
    assert reveal.actor == personas["agent"]
    assert reveal.patient_id == patient_medicine.pk
    assert reveal.field == "number"


def test_it_locks_out_after_repeated_wrong_passwords(page, live_server, personas):
    for _ in range(5):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill("agent")
        page.get_by_label("密码").fill("wrong password")
        page.get_by_role("button", name="登录").click()
        assert page.get_by_role("alert").is_visible()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("agent")
    from conftest import PASSWORD

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert page.get_by_test_id("locked-out").is_visible()
