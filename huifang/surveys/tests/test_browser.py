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
