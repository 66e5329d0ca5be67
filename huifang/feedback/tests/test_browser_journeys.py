"""Journeys through the loop in a real browser: a head answering with a red flag on top, a doctor
disposing of a red flag from their start page, a manager merging two cases of one patient.

Set ``HUIFANG_SCREENSHOTS`` to a directory to keep a 1366×768 picture of each page on the way.
"""

import os

import pytest

from huifang.feedback import services
from huifang.feedback.models import Case

pytestmark = pytest.mark.browser


def shot(page, name):
    folder = os.environ.get("HUIFANG_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.fixture
def doctor(personas):
    user = personas["doctor"]
    user.display_name = "王医生"  # the attending doctor of the personas' encounters
    user.save(update_fields=["display_name"])
    return user


@pytest.fixture
def red_flag(personas, patient_medicine, doctor):
    return services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.ESCALATION,
        source=Case.Source.AGENT,
        description="出院后第三天伤口红肿，体温38.6℃",
        encounter=patient_medicine.encounters.first(),
    )


def test_a_head_sees_the_red_flag_on_top_and_answers_the_complaint(
    page, live_server, sign_in, personas, departments, complaint, red_flag
):
    services.case_triage(
        actor=personas["manager"],
        case=complaint,
        departments=[departments["medicine"]],
        forward=True,
    )
    sign_in(page, live_server, "head_medicine")

    page.locator('[data-nav="feedback"]').click()
    flags = page.get_by_test_id("inbox-red-flags")
    flags.wait_for()
    shot(page, "head-inbox")
    # The red flag heads the inbox, in red, by its own name, with the doctor it went to.
    boxes = page.locator("[data-testid^='inbox-']")
    assert boxes.first.get_attribute("data-testid") == "inbox-red-flags"
    assert "临床预警" in flags.inner_text()
    assert "王医生" in flags.inner_text()
    assert "table-danger" in flags.get_by_test_id("case-row").first.get_attribute("class")
    assert "伤口红肿" not in page.get_by_test_id("inbox-to-answer").inner_text()

    page.get_by_test_id("inbox-to-answer").get_by_role("link", name="夜班护士说话很冲").click()
    page.get_by_label("给患者的答复").fill("护士长已电话向患者致歉")
    page.get_by_label("原因分析").fill("夜班人手紧张，沟通不耐心")
    page.get_by_label("整改措施").fill("科内通报，本月组织服务礼仪培训")
    page.get_by_test_id("step-answer").get_by_role("button", name="答复").click()

    page.get_by_test_id("case-answer").wait_for()
    assert page.get_by_test_id("case-status").inner_text() == "科室已答复"
    assert Case.objects.get(pk=complaint.pk).status == Case.Status.ANSWERED


def test_a_doctor_disposes_of_a_red_flag_from_their_start_page(
    page, live_server, sign_in, doctor, red_flag
):
    sign_in(page, live_server, "doctor")

    row = page.get_by_test_id("red-flag-row")
    row.wait_for()
    shot(page, "clinician-home")
    assert "转给您的" in row.inner_text()
    assert "伤口红肿" in row.inner_text()
    row.click()

    form = page.get_by_test_id("step-dispose")
    form.wait_for()
    assert page.get_by_test_id("red-flag-badge").inner_text().strip() == "临床预警"
    assert page.get_by_test_id("step-answer").count() == 0  # no complaint reply form
    page.get_by_label("处置结果").select_option(label="患者已就诊")
    page.get_by_label("处置经过").fill("患者当日下午来院，门诊清创换药，开具口服抗生素，三日后复查")
    shot(page, "red-flag-dispose")
    form.get_by_role("button", name="记录临床处置").click()

    page.get_by_test_id("case-disposition").wait_for()
    shot(page, "red-flag-disposed")
    assert page.get_by_test_id("case-status").inner_text() == "已办结"
    disposition = page.get_by_test_id("case-disposition").inner_text()
    assert "患者已就诊" in disposition
    assert "王医生" in disposition
    assert "已记录临床处置" in page.get_by_test_id("case-timeline").inner_text()

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("red-flags-none").wait_for()
    case = Case.objects.get(pk=red_flag.pk)
    assert (case.status, case.disposition) == (Case.Status.CLOSED, "seen")


def test_a_manager_merges_two_cases_of_one_patient(
    page, live_server, sign_in, personas, patient_medicine, complaint
):
    second = services.case_create(
        actor=personas["manager"],
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.HOTLINE,
        category=Case.Category.ATTITUDE,
        description="患者来电：夜班护士态度差，第二次反映",
        encounter=patient_medicine.encounters.first(),
    )
    sign_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/feedback/{second.uuid}/")
    form = page.get_by_test_id("step-merge")
    form.wait_for()
    form.get_by_label("并入").select_option(str(complaint.pk))
    form.get_by_label("原因").fill("同一事件重复反映")
    shot(page, "merge-form")
    form.get_by_role("button", name="合并到另一件").click()

    page.get_by_test_id("case-merged-into").wait_for()
    shot(page, "merged")
    assert page.get_by_test_id("case-status").inner_text() == "已合并"
    assert f"已合并至 #{complaint.pk}" in page.get_by_test_id("case-merged-into").inner_text()
    assert "同一事件重复反映" in page.get_by_test_id("case-timeline").inner_text()

    page.get_by_test_id("case-merged-into").get_by_role("link").click()
    page.get_by_test_id("case-merged-cases").wait_for()
    assert f"#{second.pk}" in page.get_by_test_id("case-merged-cases").inner_text()
    assert Case.objects.get(pk=second.pk).merged_into_id == complaint.pk


def test_a_manager_records_a_12345_call_from_someone_not_on_record(
    page, live_server, sign_in, personas
):
    sign_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/feedback/new/")
    form = page.get_by_test_id("case-form")
    form.get_by_label("来源").select_option(label="12345转办")
    form.get_by_label("来电人姓名").fill("周女士")
    form.get_by_label("来电人电话").fill("139-1234-5678")
    form.get_by_label("与患者关系").select_option(label="子女")
    form.get_by_label("12345工单号").fill("GD20261207-0318")
    form.get_by_label("内容").fill("母亲在门诊候诊两个多小时无人告知原因")
    shot(page, "hotline-form")
    page.get_by_role("button", name="登记", exact=True).click()

    page.get_by_test_id("case-caller").wait_for()
    caller = page.get_by_test_id("case-caller").inner_text()
    assert "周女士" in caller and "子女" in caller and "139****5678" in caller
    assert "GD20261207-0318" in caller
    page.get_by_test_id("case-caller").get_by_role("button", name="查看").click()
    page.get_by_test_id("revealed-number").wait_for()
    assert page.get_by_test_id("revealed-number").inner_text() == "139 1234 5678"

    page.goto(f"{live_server.url}/feedback/?status=all")
    row = page.get_by_test_id("case-row").first
    shot(page, "case-list-caller")
    assert "周女士" in row.inner_text() and "139****5678" in row.inner_text()
    case = Case.objects.get()
    assert (case.patient, case.caller_phone) == (None, "+8613912345678")
