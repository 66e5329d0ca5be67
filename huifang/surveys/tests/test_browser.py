"""A patient answers a conditional questionnaire on a phone; links that are spent or stale."""

import datetime

import pytest
import time_machine

from huifang.surveys import selectors, services
from huifang.surveys.models import Response

pytestmark = pytest.mark.browser


@pytest.fixture
def sms_link(questionnaire, personas, patient_medicine):
    dispatch, url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="sms",
    )
    return dispatch, url


def test_it_lets_a_patient_answer_a_conditional_questionnaire_on_a_phone(
    phone_page, live_server, sms_link, personas
):
    page = phone_page
    _dispatch, url = sms_link
    page.goto(f"{live_server.url}{url}")
    assert page.get_by_test_id("greeting").inner_text() == "尊敬的张先生，您好！"
    why = page.get_by_role("group", name="哪里让您不满意？")
    assert why.is_hidden()

    page.get_by_label("满意", exact=True).first.check()
    page.get_by_label("经常").check()
    assert why.is_hidden()
    # Dissatisfied overall: the follow-up question appears (rule 1 of the OR).
    page.get_by_label("不太满意").check()
    assert why.is_visible()
    why.get_by_role("textbox").fill("夜里呼叫铃响了很久没人来")
    # Answers survive a reload while the page is open.
    page.reload()
    assert page.get_by_label("不太满意").is_checked()
    assert why.get_by_role("textbox").input_value() == "夜里呼叫铃响了很久没人来"
    # The form fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("group", name="您有多大可能向亲友推荐我们？").get_by_label("8").check()
    page.get_by_role("button", name="提交").click()
    page.get_by_test_id("closed-title").wait_for()
    assert page.get_by_test_id("closed-title").inner_text() == "谢谢您！"

    response = Response.objects.get()
    answers = {a.item.code: a.value for a in response.answers.all()}
    assert answers == {"overall": 2, "nurses": 3, "why": "夜里呼叫铃响了很久没人来", "recommend": 8}
    scores = selectors.questionnaire_scores(user=personas["quality"], code="ward-check")
    overall = next(i for i in scores.items if i.code == "overall")
    assert overall.score == 25.0 and overall.satisfaction_rate == 0.0
    # Kept answers are forgotten once submitted.
    assert page.evaluate("window.localStorage.length") == 0

    # A second visit of the same link: already submitted, no form.
    page.goto(f"{live_server.url}{url}")
    assert page.get_by_test_id("closed-title").inner_text() == "问卷已经提交"
    assert page.get_by_role("button", name="提交").count() == 0


def test_it_hides_the_follow_up_again_when_the_answer_changes(phone_page, live_server, sms_link):
    page = phone_page
    page.goto(f"{live_server.url}{sms_link[1]}")
    why = page.get_by_role("group", name="哪里让您不满意？")
    page.get_by_label("从未").check()  # rule 2 of the OR
    assert why.is_visible()
    page.get_by_label("总是").check()
    assert why.is_hidden()


def test_it_refuses_an_expired_link_with_a_clear_page(phone_page, live_server, sms_link):
    dispatch, url = sms_link
    with time_machine.travel(dispatch.expires_at + datetime.timedelta(days=1), tick=True):
        phone_page.goto(f"{live_server.url}{url}")
        assert phone_page.get_by_test_id("closed-title").inner_text() == "链接已过期"
    assert phone_page.get_by_role("button", name="提交").count() == 0


def test_it_takes_a_questionnaire_from_the_builder_to_the_phone_to_the_scores(
    browser, page, phone_page, live_server, sign_in, personas, patient_medicine
):
    # A manager builds a conditional questionnaire and publishes it.
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/surveys/new/")
    page.get_by_label("代码").fill("discharge-check")
    page.get_by_label("标题").fill("出院小调查")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("questionnaire-title").wait_for()

    def add(code, text, kind, dimension="", rule=None):
        page.get_by_role("link", name="添加题目").click()
        page.get_by_label("代码").fill(code)
        page.get_by_label("题目", exact=True).fill(text)
        page.get_by_label("题型").select_option(kind)
        page.get_by_label("必答").check()
        if dimension:
            page.get_by_label("维度").select_option(dimension)
        if rule:
            page.get_by_label("题目 1").select_option(rule[0])
            page.get_by_label("比较方式 1").select_option(rule[1])
            page.get_by_label("值 1").fill(rule[2])
        page.get_by_role("button", name="保存").click()
        page.locator(f'tr[data-item="{code}"]').wait_for()

    add("overall", "您对这次住院满意吗？", "satisfaction5", "overall")
    add("why", "哪里让您不满意？", "text", rule=("overall", "lte", "2"))
    add("recommend", "您会向亲友推荐我们吗？", "rating10", "overall")
    assert (
        page.locator('tr[data-item="why"] [data-testid="condition"]').inner_text() == "overall ≤ 2"
    )
    page.get_by_test_id("publish").click()
    page.get_by_test_id("status").filter(has_text="启用").wait_for()

    # An agent asks it on the phone: satisfied, so "why" is not asked.
    agent_context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    agent = agent_context.new_page()
    sign_in(agent, live_server, "agent")
    agent.goto(f"{live_server.url}/surveys/record/discharge-check/{patient_medicine.uuid}/")
    agent.get_by_label("非常满意").check()
    assert agent.get_by_role("group", name="哪里让您不满意？").is_hidden()
    agent.get_by_role("group", name="您会向亲友推荐我们吗？").get_by_label("10").check()
    agent.get_by_role("button", name="保存答卷").click()
    agent.get_by_test_id("answer-table").wait_for()
    agent_context.close()

    # The patient answers from a link on a phone: dissatisfied, so "why" is asked.
    from huifang.surveys.selectors import questionnaire_active

    _dispatch, url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire_active("discharge-check"),
        patient=patient_medicine,
        channel="sms",
    )
    phone_page.goto(f"{live_server.url}{url}")
    phone_page.get_by_label("不满意", exact=True).check()
    phone_page.get_by_role("group", name="哪里让您不满意？").get_by_role("textbox").fill("太吵")
    phone_page.get_by_role("group", name="您会向亲友推荐我们吗？").get_by_label("6").check()
    phone_page.get_by_role("button", name="提交").click()
    phone_page.get_by_test_id("closed-title").wait_for()

    # The scores agree with hand computation (docs/surveys.md):
    # overall 5 and 1 → (100 + 0) / 2 = 50.0, satisfaction rate 1 of 2 = 50.0 %;
    # recommend 10 and 6 → 1 promoter, 1 detractor → NPS 0.0;
    # dimension "overall": 100, 0, 100, 60 → 65.0; 1 link sent, 1 completed → 100.0 %.
    page.goto(f"{live_server.url}/surveys/scores/discharge-check/")
    overall = page.locator('tr[data-item="overall"]')
    assert overall.locator("td").nth(2).inner_text() == "50.0"
    assert overall.get_by_test_id("satisfaction-rate").inner_text() == "50.0%"
    assert page.locator('tr[data-item="recommend"]').get_by_test_id("nps").inner_text() == "0.0"
    dimension = page.locator('tr[data-dimension="overall"]').get_by_test_id("dimension-score")
    assert dimension.inner_text() == "65.0"
    assert page.get_by_test_id("response-rate").inner_text() == "100.0%"
