"""What a service manager does in a real browser: Debian's Chromium driven by Playwright."""

import pytest

from huifang.messaging.models import MessageTemplate

pytestmark = pytest.mark.browser


def test_it_counts_sms_parts_while_typing_and_adds_the_opt_out_instruction(
    page, live_server, sign_in, personas
):
    sign_in(page, live_server, "manager")
    page.get_by_role("link", name="短信群发").first.click()
    page.get_by_role("link", name="消息模板").click()
    page.get_by_role("link", name="新建模板").click()

    page.get_by_label("模板编码").fill("winter")
    page.get_by_label("模板名称").fill("冬至问候")
    page.get_by_label("类别").select_option("greeting")
    counter = page.get_by_test_id("sms-length")
    # 【示范人民医院】 is 8 characters: 62 more fit in one SMS, 63 need two.
    page.get_by_label("正文").fill("冬" * 62)
    assert counter.inner_text().startswith("70 ")
    assert "1 条短信" in counter.inner_text()
    page.get_by_label("正文").fill("冬" * 63)
    assert "2 条短信" in counter.inner_text()

    page.get_by_label("正文").fill("冬至快乐，{patient}")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("模板已保存").wait_for()
    assert MessageTemplate.objects.get(code="winter").body == "冬至快乐，{patient}回复TD退订"
