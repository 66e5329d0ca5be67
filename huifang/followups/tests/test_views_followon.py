"""The workbench's "call again", "the doctor should call back" and condolences; the clinicians' list."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.accounts import roles
from huifang.accounts.services import user_create
from huifang.followups.adhoc_plans import CONDITION_PLAN, DOCTOR_PLAN
from huifang.followups.models import FollowUpTask
from huifang.followups.services.followon import task_doctor_callback_create
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)
MORNING = datetime.combine(FRIDAY, time(10, 30), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def task(patient_medicine):
    return make_task(patient_medicine)


@pytest.fixture
def dr_wang(departments):
    """The encounter's attending doctor (the factory writes 王医生), a clinician of 内科."""
    return user_create(
        username="dr_wang",
        password="x" * 20,
        display_name="王医生",
        roles=[roles.CLINICIAN],
        departments=[departments["medicine"]],
    )


@pytest.fixture
def callback(personas, task, dr_wang):
    return task_doctor_callback_create(
        actor=personas["agent"], task=task, clinician=dr_wang, reason="问能否减药"
    )


class TestCallAgainFromTheWorkbench:
    def test_the_agent_arranges_another_call_and_sees_it_with_the_encounters_tasks(
        self, client, login, task
    ):
        login("agent")
        assert (
            'data-testid="call-again-form"'
            in client.get(f"/followups/tasks/{task.uuid}/").content.decode()
        )

        response = client.post(
            f"/followups/tasks/{task.uuid}/call-again/",
            {"in_days": "5", "reason": "血压仍偏高"},
            follow=True,
        )

        assert "已为张三丰安排再次回访，2026-11-18 起应访" in response.content.decode()
        created = FollowUpTask.objects.get(plan__code=CONDITION_PLAN)
        schedule = client.get(f"/followups/encounters/{task.encounter.uuid}/schedule/")
        assert "按病情随访" in schedule.content.decode()
        opened = client.get(f"/followups/tasks/{created.uuid}/").content.decode()
        assert "本次回访原因：" in opened and "血压仍偏高" in opened

    def test_without_a_day_it_says_what_is_missing(self, client, login, task):
        login("agent")

        response = client.post(
            f"/followups/tasks/{task.uuid}/call-again/", {"reason": "再问"}, follow=True
        )

        assert "请填写天数或日期（二选一）" in response.content.decode()
        assert not FollowUpTask.objects.filter(plan__code=CONDITION_PLAN).exists()

    @pytest.mark.parametrize(
        ("username", "status"), [("head_medicine", 403), ("head_surgery", 404)]
    )
    def test_those_who_do_not_call_cannot(self, client, login, task, username, status):
        login(username)

        response = client.post(
            f"/followups/tasks/{task.uuid}/call-again/", {"in_days": "5", "reason": "x"}
        )

        assert response.status_code == status


class TestDoctorCallbackFromTheWorkbench:
    def test_the_attending_doctor_is_offered_first_and_asked(self, client, login, task, dr_wang):
        login("agent")
        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()
        select = html.split('id="callback-clinician"')[1].split("</select>")[0]
        assert f'value="{dr_wang.pk}" selected>王医生（主治医师）' in select
        assert ">doctor<" in select  # the department's other clinician

        response = client.post(
            f"/followups/tasks/{task.uuid}/doctor-callback/",
            {"clinician": dr_wang.pk, "reason": "患者问能否减药"},
            follow=True,
        )

        assert "已请王医生给张三丰回电" in response.content.decode()
        assert FollowUpTask.objects.get(plan__code=DOCTOR_PLAN).assigned_to == dr_wang

    def test_a_clinician_of_another_department_posted_anyway_is_refused(
        self, client, login, task, departments
    ):
        surgeon = user_create(
            username="dr_sur",
            password="x" * 20,
            display_name="外科医生",
            roles=[roles.CLINICIAN],
            departments=[departments["surgery"]],
        )
        login("agent")

        response = client.post(
            f"/followups/tasks/{task.uuid}/doctor-callback/",
            {"clinician": surgeon.pk, "reason": "x"},
            follow=True,
        )

        assert "请从列表中选择患者所在科室的医护人员" in response.content.decode()
        assert not FollowUpTask.objects.filter(plan__code=DOCTOR_PLAN).exists()


class TestClinicianCallbacks:
    def test_the_clinician_lists_opens_and_records_their_callback(
        self, client, login, callback, dr_wang, django_assert_max_num_queries
    ):
        client.force_login(dr_wang)

        with django_assert_max_num_queries(12):
            listing = client.get("/followups/my-callbacks/").content.decode()
        assert "张三丰" in listing and "请医生回电：问能否减药" in listing
        page = client.get(f"/followups/tasks/{callback.uuid}/").content.decode()
        assert 'id="record-form"' in page
        assert FollowUpTask.objects.get(pk=callback.pk).claimed_by == dr_wang

        response = client.post(
            f"/followups/tasks/{callback.uuid}/record/",
            {
                "version": FollowUpTask.objects.get(pk=callback.pk).version,
                "outcome": "reached_patient",
            },
        )

        assert response.status_code == 302 and response["Location"] == "/followups/my-callbacks/"
        assert FollowUpTask.objects.get(pk=callback.pk).status == FollowUpTask.Status.DONE

    def test_the_clinician_finds_the_list_in_the_menu(self, client, login):
        login("doctor")

        assert 'href="/followups/my-callbacks/"' in client.get("/").content.decode()

    def test_another_clinician_of_the_department_reads_it_but_cannot_record(
        self, client, login, callback
    ):
        login("doctor")

        page = client.get(f"/followups/tasks/{callback.uuid}/").content.decode()

        assert 'id="record-form"' not in page
        assert "任务已分配给其他同事" in page
        assert "张三丰" not in client.get("/followups/my-callbacks/").content.decode()

    def test_a_clinician_cannot_record_an_agents_task(self, client, login, task):
        login("doctor")

        response = client.post(
            f"/followups/tasks/{task.uuid}/record/", {"version": 0, "outcome": "reached_patient"}
        )

        assert response.status_code == 403

    def test_another_departments_clinician_does_not_see_it(self, client, callback, departments):
        surgeon = user_create(
            username="dr_sur",
            password="x" * 20,
            display_name="外科医生",
            roles=[roles.CLINICIAN],
            departments=[departments["surgery"]],
        )
        client.force_login(surgeon)

        assert client.get(f"/followups/tasks/{callback.uuid}/").status_code == 404

    @pytest.mark.parametrize("username", ["agent", "head_medicine", "manager", "nobody"])
    def test_the_list_is_for_clinicians_only(self, client, login, username):
        login(username)

        assert client.get("/followups/my-callbacks/").status_code == 403


class TestCondolence:
    def test_the_workbench_holds_the_condolence_text_for_the_deceased_outcome(
        self, client, login, task
    ):
        login("agent")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

        assert 'data-testid="condolence"' in html
        assert "请您节哀" in html
        assert "#outcome-deceased:checked" in html

    def test_recording_the_death_marks_the_patient_and_cancels_the_rest(
        self, client, login, task, patient_medicine
    ):
        other = make_task(patient_medicine, touchpoint=make_touchpoint(code="later"))
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        response = client.post(
            f"/followups/tasks/{task.uuid}/record/",
            {
                "version": task.version,
                "outcome": "deceased",
                "note": "家属告知上周去世",
                "then": "list",
            },
            follow=True,
        )

        assert "已在患者档案中登记死亡" in response.content.decode()
        patient_medicine.refresh_from_db()
        assert patient_medicine.deceased_on == FRIDAY
        assert FollowUpTask.objects.get(pk=other.pk).status == FollowUpTask.Status.CANCELLED
