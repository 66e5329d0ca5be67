"""An agent works a morning of the queue in Chromium at 1366×768, as a new user would.

Three patients of 内科 are due on Friday 13 November 2026 at 10:30 (inside
the morning window): a discharge questionnaire nobody answers, a patient
who asks to be called back in the evening (after a night-time slip), and a
reached call with the questionnaire answered. Screenshots of each step go
to ``HUIFANG_SCREENSHOT_DIR`` when it is set (docs/screenshots), else to the
test's temporary directory.
"""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.patients.services import phone_add
from huifang.surveys.models import Response
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task, make_touchpoint

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 13, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture
def morning_queue(patient_medicine, departments):
    survey = make_touchpoint(
        code="discharge-call",
        questionnaire_code="inpatient-discharge",
        script="{patient_title}您好！我是{hospital}随访中心的{agent}，想了解您出院后的恢复情况。",
    )
    plain = make_touchpoint(code="check-call", script="{patient_title}您好！")

    def patient(name, number, mobile, sex):
        person = PatientFactory(name=name, record_number=number, sex=sex)
        phone_add(actor=None, patient=person, raw_number=mobile, is_primary=True)
        EncounterFactory(
            patient=person, department=departments["medicine_ward"], number=f"ZY{number}"
        )
        return person

    unanswered = make_task(patient_medicine, touchpoint=survey)
    evening = make_task(patient("王秀兰", "200003", "13711112222", "F"), touchpoint=plain)
    reached = make_task(patient("刘建国", "200004", "13622223333", "M"), touchpoint=survey)
    for task, priority in ((unanswered, 5), (evening, 3), (reached, 1)):
        FollowUpTask.objects.filter(pk=task.pk).update(priority=priority)
    return unanswered, evening, reached


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("HUIFANG_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _answer_every_shown_question(page) -> None:
    """Pick the first option of every shown single-choice question, as an agent clicking down the form."""
    page.evaluate(
        """() => {
          document.querySelectorAll('[data-q-form] fieldset[data-q-input="radio"]').forEach((fs) => {
            if (fs.hidden) { return; }
            const first = fs.querySelector('input[type=radio]');
            if (first && !fs.querySelector('input:checked')) { first.click(); }
          });
        }"""
    )


def test_an_agent_works_unanswered_callback_and_reached_calls_in_one_morning(
    page, live_server, sign_in, personas, morning_queue, tmp_path
):
    unanswered, evening, reached = morning_queue
    shots = _shots(tmp_path)
    url = live_server.url
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        assert page.get_by_test_id("count-due_now").inner_text() == "3"

        # 1. A questionnaire call nobody answers: saved as 无人接听 without answers.
        page.get_by_test_id("next-task").click()
        page.wait_for_url(f"{url}/followups/tasks/{unanswered.uuid}/")
        page.get_by_test_id("questionnaire-form").wait_for()
        page.screenshot(path=shots / "journey-1-questionnaire.png")
        page.locator("label[for=outcome-no_answer]").click()
        page.get_by_test_id("record").click()
        page.wait_for_url(f"{url}/followups/tasks/{evening.uuid}/")
        assert "已保存 张三丰 的回访结果：无人接听" in page.get_by_test_id("saved").inner_text()
        own = evening.patient.phones.get()
        assert page.locator(f"#phone-{own.pk}").is_checked()

        # 2. "Not convenient": a night-time slip is warned about and refused, 19:30 is kept.
        page.locator("label[for=outcome-not_convenient]").click()
        callback = page.locator("#callback-at")
        callback.fill("2026-11-14T03:00")
        warning = page.get_by_test_id("callback-warning")
        assert "夜间时间" in warning.inner_text()
        page.get_by_test_id("record").click()
        error = page.get_by_test_id("record-error")
        assert "03:00 不在回访中心的回访时间（08:00–21:00）内" in error.inner_text()
        assert not ContactAttempt.objects.filter(task=evening).exists()
        page.locator("label[for=outcome-not_convenient]").click()
        page.locator("#callback-at").fill("2026-11-13T19:30")
        assert page.get_by_test_id("record-error").count() == 0
        assert "仅在患者本人要求时" in page.get_by_test_id("callback-warning").inner_text()
        page.screenshot(path=shots / "journey-2-callback.png")
        page.get_by_test_id("record").click()
        page.wait_for_url(f"{url}/followups/tasks/{reached.uuid}/")
        assert "不方便，约定回访" in page.get_by_test_id("saved").inner_text()

        # 3. Reached: the questionnaire is answered and the call saved.
        page.get_by_test_id("questionnaire-form").wait_for()
        page.locator("label[for=outcome-reached_patient]").click()
        page.get_by_test_id("record").click()  # nothing answered: the browser asks first
        assert page.url == f"{url}/followups/tasks/{reached.uuid}/"
        _answer_every_shown_question(page)
        page.get_by_test_id("record").click()
        page.wait_for_url(f"{url}/")
        assert "现在没有其他到期任务" in page.content()
        page.screenshot(path=shots / "journey-3-worklist.png")

    first = FollowUpTask.objects.get(pk=unanswered.pk)
    assert (first.status, first.attempts) == ("pending", 1)
    assert ContactAttempt.objects.get(task=unanswered).answers == {}
    booked = FollowUpTask.objects.get(pk=evening.pk)
    assert booked.next_attempt_at == datetime(2026, 11, 13, 19, 30, tzinfo=SHANGHAI)
    assert booked.callback_by == personas["agent"]
    assert FollowUpTask.objects.get(pk=reached.pk).status == "done"
    response = Response.objects.get()
    assert (response.task_id, response.channel) == (reached.pk, "phone")
