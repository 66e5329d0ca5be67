"""The bulk reassignment page and the workbench's "give to" list, per persona."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.accounts import roles
from huifang.accounts.services import user_create
from huifang.followups.models import FollowUpTask
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime.combine(date(2026, 11, 13), time(10, 30), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def colleague(departments):
    return user_create(
        username="agent2",
        password="x" * 20,
        display_name="王回访",
        roles=[roles.AGENT],
        departments=[departments["medicine"]],
    )


@pytest.fixture
def surgeon_agent(departments):
    return user_create(
        username="agent_sur",
        password="x" * 20,
        display_name="钱回访",
        roles=[roles.AGENT],
        departments=[departments["surgery"]],
    )


@pytest.fixture
def absent_agents_tasks(personas, patient_medicine):
    tasks = [
        make_task(patient_medicine, touchpoint=make_touchpoint(code=f"call-{i}")) for i in range(4)
    ]
    FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assigned_to=personas["agent"])
    return tasks


class TestBulkReassignPage:
    def test_a_manager_sees_the_absent_agents_tasks_and_who_may_take_them(
        self,
        client,
        login,
        personas,
        colleague,
        surgeon_agent,
        absent_agents_tasks,
        django_assert_max_num_queries,
    ):
        login("manager")

        with django_assert_max_num_queries(16):
            response = client.get(f"/followups/reassign/?owner={personas['agent'].pk}")

        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('data-testid="owner-task"') == 4
        assert "张三丰" in html
        assert "王回访" in html  # covers 内科
        assert "钱回访" not in html.split('data-testid="receivers"')[1]  # covers only 外科
        assert "4 项未完成任务" in html

    def test_the_query_count_does_not_grow_with_the_tasks(
        self, client, login, personas, colleague, patient_medicine, django_assert_max_num_queries
    ):
        tasks = [
            make_task(patient_medicine, touchpoint=make_touchpoint(code=f"many-{i}"))
            for i in range(30)
        ]
        FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]).update(
            assigned_to=personas["agent"]
        )
        login("manager")

        with django_assert_max_num_queries(16):
            html = client.get(f"/followups/reassign/?owner={personas['agent'].pk}").content
        assert html.decode().count('data-testid="owner-task"') == 30

    def test_moving_all_tasks_round_robin_says_who_got_how_many(
        self, client, login, personas, colleague, absent_agents_tasks
    ):
        login("manager")

        response = client.post(
            "/followups/reassign/",
            {
                "owner": personas["agent"].pk,
                "scope": "all",
                "receivers": [colleague.pk, personas["manager"].pk],
                "reason": "病假",
            },
            follow=True,
        )

        html = response.content.decode()
        assert "已移交 agent 的 4 项任务" in html
        assert "王回访 2" in html and "manager 2" in html
        owners = {reload.assigned_to_id for reload in FollowUpTask.objects.all()}
        assert owners == {colleague.pk, personas["manager"].pk}

    def test_moving_the_selected_tasks_only(
        self, client, login, personas, colleague, absent_agents_tasks
    ):
        login("manager")
        first = absent_agents_tasks[0]

        client.post(
            "/followups/reassign/",
            {
                "owner": personas["agent"].pk,
                "scope": "selected",
                "tasks": [first.pk],
                "receivers": [colleague.pk],
                "reason": "下午外出",
            },
        )

        assert FollowUpTask.objects.get(pk=first.pk).assigned_to == colleague
        assert FollowUpTask.objects.filter(assigned_to=personas["agent"]).count() == 3

    def test_without_a_reason_nothing_moves_and_the_page_says_why(
        self, client, login, personas, colleague, absent_agents_tasks
    ):
        login("manager")

        response = client.post(
            "/followups/reassign/",
            {"owner": personas["agent"].pk, "scope": "all", "receivers": [colleague.pk]},
        )

        assert "请写明移交原因" in response.content.decode()
        assert FollowUpTask.objects.filter(assigned_to=personas["agent"]).count() == 4

    def test_a_receiver_who_does_not_cover_the_department_is_refused(
        self, client, login, personas, surgeon_agent, absent_agents_tasks
    ):
        login("manager")

        response = client.post(
            "/followups/reassign/",
            {
                "owner": personas["agent"].pk,
                "scope": "all",
                "receivers": [surgeon_agent.pk],
                "reason": "休假",
            },
        )

        assert "所选同事都不能接手其中 4 项任务" in response.content.decode()
        assert FollowUpTask.objects.filter(assigned_to=personas["agent"]).count() == 4

    @pytest.mark.parametrize("username", ["agent", "doctor", "head_medicine", "quality", "nobody"])
    def test_other_roles_are_refused(self, client, login, personas, username):
        login(username)

        assert client.get("/followups/reassign/").status_code == 403

    def test_the_manager_finds_it_in_the_menu(self, client, login):
        login("manager")

        assert 'href="/followups/reassign/"' in client.get("/").content.decode()


class TestWorkbenchGiveToList:
    def test_it_offers_only_agents_of_the_patients_department(
        self, client, login, colleague, surgeon_agent, patient_medicine
    ):
        task = make_task(patient_medicine)
        login("manager")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()
        choices = html.split('id="reassign-agent"')[1].split("</select>")[0]

        assert "王回访" in choices and "agent" in choices
        assert "钱回访" not in choices
        assert "doctor" not in choices and "head_medicine" not in choices

    def test_a_refused_agent_posted_anyway_gets_a_clear_message(
        self, client, login, surgeon_agent, patient_medicine
    ):
        task = make_task(patient_medicine)
        login("manager")

        response = client.post(
            f"/followups/tasks/{task.uuid}/reassign/",
            {"agent": surgeon_agent.pk, "reason": "调班"},
            follow=True,
        )

        assert "钱回访 不负责该患者所在科室（心血管内科病区）" in response.content.decode()
        assert FollowUpTask.objects.get(pk=task.pk).assigned_to is None
