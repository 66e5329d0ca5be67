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


def test_a_manager_builds_a_campaign_from_the_tree_with_dates_and_a_real_preview(
    page, live_server, sign_in, personas, patient_medicine, patient_surgery, tmp_path
):
    import os

    shots = os.environ.get("HUIFANG_SCREENSHOTS") or str(tmp_path)
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/messaging/campaigns/new")
    page.get_by_label("活动名称").fill("复查提醒")
    page.get_by_label("模板").select_option(label="复查提醒")
    page.get_by_label("科室").select_option(label="　心血管内科病区")
    page.get_by_label("出院或就诊日期自").fill("2026-11-20")
    page.get_by_label("至", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="预览").click()
    error = page.get_by_test_id("field-error")
    assert error.inner_text() == "结束日期早于开始日期，请检查。"
    page.screenshot(path=f"{shots}/campaign-form-error.png", full_page=True)

    page.get_by_label("出院或就诊日期自").fill("2026-11-01")
    page.get_by_label("至", exact=True).fill("2026-11-30")
    page.get_by_role("button", name="预览").click()
    preview = page.get_by_test_id("campaign-preview")
    assert "1 位患者将收到" in preview.inner_text()
    sample = page.get_by_test_id("preview-sample")
    assert sample.count() == 1
    assert "张先生 · 138****5678" in sample.inner_text()
    assert "您于11月10日在心血管内科病区就诊" in sample.inner_text()
    page.screenshot(path=f"{shots}/campaign-form-preview.png", full_page=True)
