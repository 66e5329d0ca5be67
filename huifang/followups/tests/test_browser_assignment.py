"""A manager moves an absent agent's tasks; an agent asks the doctor to call back and the
clinician claims and records that call; the condolence text on the deceased outcome.

Chromium at 1366×768; Friday 13 November 2026, 10:30 in Shanghai. Set
``HUIFANG_SCREENSHOT_DIR`` to keep the pages' screenshots.
"""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import PASSWORD
from huifang.accounts import roles
from huifang.accounts.services import user_create
from huifang.followups.adhoc_plans import DOCTOR_PLAN
from huifang.followups.models import FollowUpTask
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 13, 10, 30, tzinfo=SHANGHAI)


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("HUIFANG_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return lambda page, name: page.screenshot(path=str(folder / f"{name}.png"))


def _user(username, name, role, department):
    return user_create(
        username=username,
        password=PASSWORD,
        display_name=name,
        roles=[role],
        departments=[department],
    )


def test_a_manager_moves_an_absent_agents_tasks_to_colleagues_in_turn(
    browser, page, live_server, sign_in, personas, departments, patient_medicine, shots
):
    wang = _user("agent_wang", "王回访", roles.AGENT, departments["medicine"])
    _user("agent_qian", "钱回访", roles.AGENT, departments["surgery"])
    tasks = [
        make_task(patient_medicine, touchpoint=make_touchpoint(code=f"call-{i}")) for i in range(3)
    ]
    FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assigned_to=personas["agent"])

    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "manager")
        page.get_by_role("link", name="任务移交").click()
        page.get_by_label("谁的任务").select_option(label="agent · 3 项未完成任务")
        page.wait_for_url(f"**/followups/reassign/?owner={personas['agent'].pk}")
        assert page.get_by_test_id("owner-task").count() == 3
        receivers = page.get_by_test_id("receivers")
        assert "王回访" in receivers.inner_text()
        assert "钱回访" not in receivers.inner_text()  # covers only 外科

        page.get_by_label("王回访").check()
        page.get_by_label("manager").check()
        page.get_by_label("原因").fill("病假一周")
        shots(page, "reassign-bulk")
        page.get_by_test_id("reassign-submit").click()

        # In turn, in the order listed (by name, as the database collates it):
        # the first colleague gets two of the three, the second one.
        assert "已移交 agent 的 3 项任务：" in page.content()
        assert page.get_by_test_id("owner-task").count() == 0
        shots(page, "reassign-bulk-done")
    owners = list(FollowUpTask.objects.values_list("assigned_to", flat=True))
    assert set(owners) == {wang.pk, personas["manager"].pk}
    assert sorted(owners.count(pk) for pk in set(owners)) == [1, 2]


def test_a_clinician_claims_and_records_the_callback_an_agent_asked_for(
    browser, page, live_server, sign_in, personas, departments, patient_medicine, shots
):
    dr_wang = _user("dr_wang", "王医生", roles.CLINICIAN, departments["medicine"])
    task = make_task(patient_medicine)

    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server.url}/followups/tasks/{task.uuid}/")
        page.get_by_test_id("doctor-callback-toggle").click()
        # The encounter's attending doctor (王医生) is offered first.
        assert page.get_by_label("医生或护士").input_value() == str(dr_wang.pk)
        page.get_by_label("需要医生了解的情况").fill("患者问降压药能否减量")
        shots(page, "workbench-doctor-callback")
        page.get_by_role("button", name="提交回电请求").click()
        assert "已请王医生给张三丰回电" in page.content()
        page.get_by_role("button", name="退出登录").click()

        sign_in(page, live_server, "dr_wang")
        page.get_by_role("link", name="我的回电").click()
        row = page.get_by_test_id("clinician-task")
        assert "患者问降压药能否减量" in row.inner_text()
        shots(page, "clinician-callbacks")
        row.get_by_role("link", name="张三丰").click()
        reason = page.get_by_test_id("task-reason").inner_text()
        assert "本次回访原因" in reason and "请医生回电：患者问降压药能否减量" in reason
        callback = FollowUpTask.objects.get(plan__code=DOCTOR_PLAN)
        assert callback.claimed_by == dr_wang
        page.locator("label[for=outcome-reached_patient]").click()
        shots(page, "clinician-workbench")
        page.get_by_test_id("record").click()

        page.wait_for_url(f"{live_server.url}/followups/my-callbacks/")
        assert "目前没有等待您回电的患者" in page.content()
    callback.refresh_from_db()
    assert callback.status == FollowUpTask.Status.DONE
    assert callback.attempts_made.get().agent == dr_wang


def test_the_condolence_text_shows_when_the_family_says_the_patient_died(
    browser, page, live_server, sign_in, personas, patient_medicine, shots
):
    task = make_task(patient_medicine)

    with time_machine.travel(MORNING, tick=True):
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server.url}/followups/tasks/{task.uuid}/")
        assert not page.get_by_test_id("condolence").is_visible()
        page.locator("label[for=outcome-deceased]").click()
        assert page.get_by_test_id("condolence").is_visible()
        assert "请您节哀" in page.get_by_test_id("condolence").inner_text()
        shots(page, "workbench-condolence")
        page.locator("label[for=outcome-reached_patient]").click()
        assert not page.get_by_test_id("condolence").is_visible()
