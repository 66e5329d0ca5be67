"""An agent's morning on the workbench, in Debian's Chromium at 1366×768.

The clock is Friday 13 November 2026, 10:30 in Shanghai, inside the morning
call window (the live server runs in this process, so it sees the same clock).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.patients.services import phone_add
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task, make_touchpoint

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 13, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture
def two_tasks(patient_medicine, departments):
    second = PatientFactory(name="王秀兰", record_number="200003", sex="F")
    phone_add(actor=None, patient=second, raw_number="13711112222", is_primary=True)
    encounter = EncounterFactory(
        patient=second, department=departments["medicine_ward"], number="ZY200003"
    )
    touchpoint = make_touchpoint(script="{patient_title}您好！我是{hospital}随访中心的{agent}。")
    first = make_task(patient_medicine, touchpoint=touchpoint)
    FollowUpTask.objects.filter(pk=first.pk).update(priority=5)  # 张三丰 first
    return first, make_task(second, touchpoint=touchpoint, encounter=encounter)


def test_an_agent_works_the_queue_and_another_departments_head_cannot_look(
    browser, page, live_server, sign_in, personas, two_tasks
):
    first, second = two_tasks
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        assert page.get_by_test_id("count-due_now").inner_text() == "2"

        # "N" takes the next task: the higher priority one.
        page.keyboard.press("n")
        page.wait_for_url(f"{live_server.url}/followups/tasks/{first.uuid}/")
        assert "张三丰" in page.get_by_test_id("patient-heading").inner_text()
        assert "张先生您好" in page.get_by_test_id("script").inner_text()
        assert "13812345678" not in page.content()

        # Shortcut 4 is 无人接听; Ctrl+Enter saves and the next task swaps in.
        page.keyboard.press("4")
        assert page.locator("#outcome-no_answer").is_checked()
        page.keyboard.press("Control+Enter")
        page.wait_for_url(f"{live_server.url}/followups/tasks/{second.uuid}/")
        assert "王秀兰" in page.get_by_test_id("patient-heading").inner_text()
        assert "王女士您好" in page.get_by_test_id("script").inner_text()

        retried = FollowUpTask.objects.get(pk=first.pk)
        assert retried.status == "pending"
        assert retried.attempts == 1
        # No answer in the morning: back at the start of the afternoon window.
        assert retried.next_attempt_at == datetime(2026, 11, 13, 15, 0, tzinfo=SHANGHAI)

        # Reached, with answers and a complaint.
        page.get_by_label("恢复情况如何？").select_option("good")
        page.get_by_label("对诊疗服务是否满意？").select_option("dissatisfied")
        page.get_by_label("意见反馈").select_option("complaint")
        page.get_by_label("类别").select_option("cost")
        page.get_by_label("患者反映的内容").fill("出院结算多收了一天床位费")
        page.locator("label[for=outcome-reached_patient]").click()
        page.get_by_test_id("record").click()
        # Nothing else is due before 15:00: back to the worklist.
        page.wait_for_url(f"{live_server.url}/")
        assert "现在没有其他到期任务" in page.content()

        done = FollowUpTask.objects.get(pk=second.pk)
        assert done.status == "done"
        attempt = ContactAttempt.objects.get(task=done)
        assert attempt.answers == {
            "recovery": "good",
            "satisfaction": "dissatisfied",
        }
        case = Case.objects.get()
        assert (case.kind, case.category, case.patient_id) == ("complaint", "cost", done.patient_id)
        assert case.description == "出院结算多收了一天床位费"

        # The register lists both calls.
        page.get_by_role("link", name="今日回访登记").click()
        assert page.get_by_test_id("register-row").count() == 2

        # 外科's head signs in elsewhere and cannot open 内科's task.
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        other = context.new_page()
        sign_in(other, live_server, "head_surgery")
        response = other.goto(f"{live_server.url}/followups/tasks/{second.uuid}/")
        assert response.status == 404
        assert "王秀兰" not in other.content()
        context.close()


@pytest.fixture
def questionnaire_task(patient_medicine):
    touchpoint = make_touchpoint(code="survey-call", questionnaire_code="inpatient-discharge")
    return make_task(patient_medicine, touchpoint=touchpoint)


def test_a_questionnaire_call_can_be_saved_as_no_answer_but_not_reached_without_answers(
    page, live_server, sign_in, personas, questionnaire_task
):
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server.url}/followups/tasks/{questionnaire_task.uuid}/")
        page.get_by_test_id("questionnaire-form").wait_for()

        # Reached, nothing answered: the browser stops at the first required question.
        page.locator("label[for=outcome-reached_patient]").click()
        assert page.locator("[data-q-form] [required]").count() > 0
        page.get_by_test_id("record").click()
        assert page.url.endswith(f"/followups/tasks/{questionnaire_task.uuid}/")
        assert not ContactAttempt.objects.exists()

        # No answer: the questions are not required any more, and it saves.
        page.locator("label[for=outcome-no_answer]").click()
        assert page.locator("[data-q-form] [required]").count() == 0
        page.get_by_test_id("record").click()
        page.wait_for_url(f"{live_server.url}/")
        attempt = ContactAttempt.objects.get()
        assert (attempt.outcome.code, attempt.answers) == ("no_answer", {})


def test_save_and_next_selects_the_next_number_and_says_saved_at_once(
    page, live_server, sign_in, personas, two_tasks
):
    first, second = two_tasks
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server.url}/followups/tasks/{first.uuid}/")
        family = first.patient.phones.get(owner="family")
        page.locator(f"#phone-{family.pk}").check()
        page.keyboard.press("4")
        page.keyboard.press("Control+Enter")
        page.wait_for_url(f"{live_server.url}/followups/tasks/{second.uuid}/")

        assert "已保存" in page.get_by_test_id("saved").inner_text()
        assert "张三丰" in page.get_by_test_id("saved").inner_text()
        own = second.patient.phones.get()
        assert page.locator(f"#phone-{own.pk}").is_checked()
        assert ContactAttempt.objects.get(task=first).phone_id == family.pk
