"""What a department head does in a real browser: finds the complaint, answers it, sees the timeline."""

import pytest

from huifang.feedback import services
from huifang.feedback.models import Case

pytestmark = pytest.mark.browser


def test_a_department_head_answers_a_complaint_in_the_browser(
    page, live_server, sign_in, personas, departments, complaint
):
    services.case_triage(
        actor=personas["manager"],
        case=complaint,
        departments=[departments["medicine"]],
        forward=True,
    )
    sign_in(page, live_server, "head_medicine")

    # The navigation shows the unread notification and opens the head's inbox.
    assert page.get_by_test_id("nav-badge-feedback").inner_text() == "1"
    page.locator('[data-nav="feedback"]').click()
    page.get_by_test_id("inbox-to-answer").wait_for()
    page.get_by_role("link", name="夜班护士说话很冲").click()

    page.get_by_test_id("step-answer").wait_for()
    assert "138****5678" in page.get_by_test_id("case-patient").inner_text()
    page.get_by_label("给患者的答复").fill("护士长已电话向患者致歉")
    page.get_by_label("原因分析").fill("夜班人手紧张，沟通不耐心")
    page.get_by_label("整改措施").fill("科内通报，本月组织服务礼仪培训")
    page.get_by_test_id("step-answer").get_by_role("button", name="答复").click()

    page.get_by_test_id("case-answer").wait_for()
    assert page.get_by_test_id("case-status").inner_text() == "科室已答复"
    timeline = page.get_by_test_id("case-timeline").inner_text()
    assert "科室答复" in timeline
    assert "head_medicine" in timeline
    assert "护士长已电话向患者致歉" in timeline
    # Nothing more for the head to do until the office has reviewed the answer.
    assert page.get_by_test_id("no-actions").is_visible()
    assert Case.objects.get(pk=complaint.pk).status == Case.Status.ANSWERED
