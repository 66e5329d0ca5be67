"""Finding a patient, keeping their numbers right and reading their record, in Chromium at 1366×768.

The clock is Friday 13 November 2026, 10:30 in Shanghai (the live server
runs in this process and sees the same clock). Screenshots of each page go
to pytest's temporary directory, to look at.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.core.models import AuditEntry
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task

pytestmark = pytest.mark.browser

MORNING = datetime(2026, 11, 13, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_an_agent_finds_a_patient_opens_the_task_and_adds_a_daughters_number(
    browser, page, live_server, sign_in, personas, patient_medicine, tmp_path
):
    task = make_task(patient_medicine)
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.get_by_test_id("find-box").fill("zsf")
        page.get_by_test_id("find-task").wait_for()
        assert "138****5678" in page.get_by_test_id("find-results").inner_text()
        page.screenshot(path=tmp_path / "find.png")
        page.get_by_test_id("find-box").press("Enter")
        page.wait_for_url(f"{live_server.url}/followups/tasks/{task.uuid}/")

        page.get_by_test_id("contact-details").locator("summary").first.click()
        page.get_by_test_id("phone-add-toggle").click()
        form = page.get_by_test_id("phone-add-form")
        form.get_by_label("电话号码").fill("137 0000 1111")
        form.get_by_label("号码归属").select_option("family")
        form.get_by_label("与患者关系").fill("女儿")
        form.get_by_test_id("phone-add").click()
        page.get_by_test_id("contact-saved").wait_for()
        # The new number is at once among those to dial, masked.
        dial = page.get_by_test_id("phones")
        assert "137****1111" in dial.inner_text() and "女儿" in dial.inner_text()
        assert "13700001111" not in page.content()

        page.get_by_test_id("preferences-toggle").click()
        page.get_by_label("语言或方言备注").fill("粤语，听力不好")
        page.get_by_test_id("preferences-save").click()
        page.get_by_test_id("contact-saved").filter(has_text="联系偏好已保存").wait_for()
        page.screenshot(path=tmp_path / "workbench-contact.png", full_page=True)

        page.reload()
        assert "粤语，听力不好" in page.get_by_test_id("language-alert").inner_text()
    assert patient_medicine.phones.filter(number="+8613700001111", relation="女儿").exists()
    entry = AuditEntry.objects.get(action="create", changes__number="137****1111")
    assert entry.actor == personas["agent"]


def test_a_manager_gives_a_number_and_the_task_leaves_the_no_phone_tab(
    browser, page, live_server, sign_in, personas, departments, tmp_path
):
    patient = PatientFactory(name="陈国强", record_number="300001")
    encounter = EncounterFactory(patient=patient, department=departments["medicine_ward"])
    task = make_task(patient, encounter=encounter, phone=None)
    FollowUpTask.objects.filter(pk=task.pk).update(status="no_phone")
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "manager")
        page.goto(f"{live_server.url}/?group=no_phone")
        assert page.get_by_test_id("count-no_phone").inner_text() == "1"
        page.goto(f"{live_server.url}/patients/{patient.uuid}/")
        form = page.get_by_test_id("phone-add-form")  # open: no number on record yet
        form.get_by_label("电话号码").fill("13912340000")
        form.get_by_test_id("phone-add").click()
        page.get_by_test_id("contact-saved").wait_for()
        assert "139****0000" in page.get_by_test_id("contact-phones").inner_text()

        page.goto(f"{live_server.url}/")
        assert page.get_by_test_id("count-no_phone").inner_text() == "0"
        page.screenshot(path=tmp_path / "worklist-after.png")
    task.refresh_from_db()
    assert task.status == "pending" and task.phone.number == "+8613912340000"


def test_the_record_tabs_lead_from_a_call_to_its_task(
    browser, page, live_server, sign_in, personas, patient_medicine, tmp_path
):
    task = make_task(patient_medicine)
    ContactAttempt.objects.create(
        task=task,
        outcome=Outcome.objects.get(code="no_answer"),
        agent=personas["agent"],
        at=MORNING.replace(hour=10, minute=5),
    )
    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server.url}/patients/{patient_medicine.uuid}/")
        assert page.get_by_test_id("record-entry").count() == 2  # the task and its call
        page.screenshot(path=tmp_path / "patient.png", full_page=True)
        page.get_by_test_id("tab-call").click()
        entry = page.get_by_test_id("record-entry")
        assert entry.count() == 1
        assert "agent" in entry.inner_text() and "2026-11-13 10:05" in entry.inner_text()
        entry.get_by_test_id("record-link").click()
        page.wait_for_url(f"{live_server.url}/followups/tasks/{task.uuid}/")
