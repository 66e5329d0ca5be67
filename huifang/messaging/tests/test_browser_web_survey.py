"""A web-survey touchpoint end to end: sent, opened on a phone, answered, seen by staff."""

import json
import os
import re

import pytest

from huifang.followups.models import FollowUpTask
from huifang.messaging.models import EmailAddress
from huifang.messaging.services.sending import messages_send_due
from huifang.messaging.services.web_surveys import web_survey_tasks_send
from huifang.surveys.models import Response
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.browser


def test_a_patient_answers_the_day_15_survey_on_a_phone_and_staff_see_it(
    settings, outbox, tmp_path, phone_page, page, live_server, sign_in, personas, patient_medicine
):
    shots = os.environ.get("HUIFANG_SCREENSHOTS") or str(tmp_path)  # to look at them
    settings.HUIFANG_SMS_QUIET_START = settings.HUIFANG_SMS_QUIET_END = "00:00"  # any hour
    settings.HUIFANG_BASE_URL = live_server.url
    EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
    touchpoint = make_touchpoint(
        code="satisfaction", channel="web", questionnaire_code="inpatient-satisfaction"
    )
    task = make_task(patient_medicine, touchpoint=touchpoint, phone=None)

    web_survey_tasks_send()
    messages_send_due(channel="sms")
    messages_send_due(channel="email")
    sms = json.loads((outbox / f"task_{task.pk}.json").read_text(encoding="utf-8"))
    assert sms["to"] == "+8613812345678"
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_-]{22}", sms["body"]).group(0)

    phone = phone_page
    phone.goto(link)
    assert phone.get_by_test_id("greeting").inner_text() == "尊敬的张先生，您好！"
    assert phone.get_by_role("heading", name="住院患者满意度调查").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"{shots}/websurvey-phone-form.png", full_page=False)
    # Every question shown gets its best answer ("总是", "非常满意", "是", 10).
    for fieldset in phone.locator("fieldset[data-q-item]").all():
        if not fieldset.is_visible() or not fieldset.locator("input[type=radio]").count():
            continue
        for best in ("总是", "非常满意", "是", "10"):
            choice = fieldset.get_by_label(best, exact=True)
            if choice.count():
                choice.check()
                break
    phone.get_by_role("button", name="提交").click()
    phone.get_by_test_id("closed-title").wait_for()
    assert phone.get_by_test_id("closed-title").inner_text() == "谢谢您！"
    phone.screenshot(path=f"{shots}/websurvey-phone-thanks.png")

    response = Response.objects.get(task=task)
    assert response.channel == "sms" and response.recorded_by is None
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE
    assert task.attempts_made.filter(outcome__counts_as_success=True).exists()

    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/surveys/responses/")
    row = page.locator(f"tr[data-response='{response.uuid}']")
    assert "住院患者满意度调查" in row.inner_text()
    assert "短信链接" in row.inner_text()
    page.screenshot(path=f"{shots}/websurvey-staff-responses.png")
    row.get_by_role("link").click()
    page.wait_for_url(f"**/surveys/responses/{response.uuid}/")
    assert "总是" in page.content() and "非常满意" in page.content()
    page.screenshot(path=f"{shots}/websurvey-staff-response.png", full_page=True)
