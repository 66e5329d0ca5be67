"""Giving tasks to people: lasting, eligible-only reassignment and the bulk move of an absent agent's tasks.

Friday 13 November 2026 is a working day; default windows 10:00–12:00 and
15:00–17:00 (Asia/Shanghai). ``agent`` and ``colleague`` cover 内科,
``surgeon_agent`` covers 外科.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from huifang.accounts import roles
from huifang.accounts.services import user_create
from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.followups.models import FollowUpTask
from huifang.followups.selectors.assignment import (
    receiver_choices,
    task_assignee_choices,
    task_list_of_user,
    task_owners,
)
from huifang.followups.services.claims import (
    task_claim,
    task_claim_next,
    task_reassign,
    tasks_reassign_bulk,
)
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(FRIDAY, time(hour, minute), tzinfo=SHANGHAI)


def reload(task) -> FollowUpTask:
    return FollowUpTask.objects.get(pk=task.pk)


@pytest.fixture
def agent(personas):
    return personas["agent"]


@pytest.fixture
def manager(personas):
    return personas["manager"]


def _agent(username, name, department):
    return user_create(
        username=username,
        password="x" * 20,
        display_name=name,
        roles=[roles.AGENT],
        departments=[department],
    )


@pytest.fixture
def colleague(departments):
    return _agent("agent2", "王回访", departments["medicine"])


@pytest.fixture
def third(departments):
    return _agent("agent3", "赵回访", departments["medicine_ward"])


@pytest.fixture
def surgeon_agent(departments):
    return _agent("agent_sur", "钱回访", departments["surgery"])


def tasks_of(patient, count):
    return [
        make_task(patient, touchpoint=make_touchpoint(code=f"call-{patient.pk}-{i}"))
        for i in range(count)
    ]


class TestLastingReassignment:
    def test_a_reassigned_task_stays_the_assignees_after_the_lease_runs_out(
        self, manager, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(10, 30))
        with time_machine.travel(local(10, 35), tick=False):
            task_reassign(actor=manager, task=task, to_agent=colleague, reason="张医生请假")

        # 11:20: the colleague's half-hour claim has run out; the task is still theirs.
        assert task_claim_next(agent=agent, now=local(11, 20)) is None
        with pytest.raises(ApplicationError) as error:
            task_claim(agent=agent, task=task, now=local(11, 20))
        assert error.value.code == "task_assigned"
        assert task_claim_next(agent=colleague, now=local(11, 20)).pk == task.pk
        assert reload(task).assigned_to == colleague

    def test_a_take_over_lasts_too(self, manager, agent, patient_medicine):
        task = make_task(patient_medicine)
        with time_machine.travel(local(10, 35), tick=False):
            task_reassign(actor=manager, task=task, reason="投诉患者，由组长亲自回访")

        assert task_claim_next(agent=agent, now=local(15, 10)) is None
        assert reload(task).assigned_to == manager

    def test_a_deactivated_assignees_tasks_go_back_to_the_team(
        self, manager, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        with time_machine.travel(local(10, 35), tick=False):
            task_reassign(actor=manager, task=task, to_agent=colleague, reason="调班")
        colleague.is_active = False
        colleague.save()

        assert task_claim_next(agent=agent, now=local(15, 10)).pk == task.pk

    def test_the_reason_and_both_assignees_are_audited(
        self, manager, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_reassign(actor=manager, task=task, to_agent=agent, reason="熟悉患者")
        task_reassign(actor=manager, task=task, to_agent=colleague, reason="原回访员休假")

        entry = AuditEntry.objects.filter(action="reassign").latest("pk")
        assert entry.changes["assigned_to"] == [agent.pk, colleague.pk]
        assert entry.changes["reason"] == "原回访员休假"
        assert entry.patient_id == patient_medicine.pk


class TestWhoMayBeGivenATask:
    def test_only_agents_covering_the_patients_department_are_offered(
        self, personas, manager, agent, colleague, third, surgeon_agent, patient_medicine
    ):
        task = make_task(patient_medicine)  # a 内科 ward

        offered = task_assignee_choices(user=manager, task=task)

        # The ward's department covers it (agent, colleague), the ward itself
        # (third), and the manager sees every department; 外科's agent, the
        # clinician and the department head may not take it.
        assert set(offered) == {agent, colleague, third, manager}

    def test_a_deactivated_agent_is_not_offered(self, manager, colleague, patient_medicine):
        colleague.is_active = False
        colleague.save()

        assert colleague not in task_assignee_choices(
            user=manager, task=make_task(patient_medicine)
        )

    def test_a_superuser_administrator_without_a_calling_role_is_neither_offered_nor_accepted(
        self, manager, departments, patient_medicine
    ):
        it = user_create(
            username="it",
            password="x" * 20,
            display_name="信息科",
            roles=[roles.ADMINISTRATOR],
            departments=[departments["campus"]],
            is_superuser=True,
        )
        task = make_task(patient_medicine)

        assert it not in task_assignee_choices(user=manager, task=task)
        with pytest.raises(ApplicationError) as error:
            task_reassign(actor=manager, task=task, to_agent=it, reason="x")
        assert error.value.code == "not_an_agent"

    def test_agents_see_no_one_to_offer(self, agent, patient_medicine):
        assert task_assignee_choices(user=agent, task=make_task(patient_medicine)) == []

    def test_the_server_refuses_an_agent_of_another_department_and_says_why(
        self, manager, surgeon_agent, patient_medicine
    ):
        task = make_task(patient_medicine)

        with pytest.raises(ApplicationError) as error:
            task_reassign(actor=manager, task=task, to_agent=surgeon_agent, reason="调班")

        assert error.value.code == "agent_out_of_scope"
        assert "钱回访" in error.value.message and "心血管内科病区" in error.value.message
        assert reload(task).assigned_to is None

    @pytest.mark.parametrize("username", ["doctor", "head_medicine", "quality"])
    def test_the_server_refuses_someone_who_does_not_make_calls(
        self, personas, manager, patient_medicine, username
    ):
        task = make_task(patient_medicine)

        with pytest.raises(ApplicationError) as error:
            task_reassign(actor=manager, task=task, to_agent=personas[username], reason="x")

        assert error.value.code == "not_an_agent"


class TestBulkReassignment:
    def test_it_deals_all_open_tasks_round_robin_with_one_reason(
        self, manager, agent, colleague, third, patient_medicine
    ):
        tasks = tasks_of(patient_medicine, 5)
        for task in tasks:
            task_reassign(actor=manager, task=task, to_agent=agent, reason="固定回访员")

        moved = tasks_reassign_bulk(
            actor=manager, from_user=agent, to_users=[colleague, third], reason="病假一周"
        )

        assert moved == {colleague.pk: 3, third.pk: 2}
        owners = [reload(task).assigned_to for task in tasks]
        assert owners.count(colleague) == 3 and owners.count(third) == 2
        assert all(reload(task).claimed_by is None for task in tasks)
        entries = AuditEntry.objects.filter(changes__reason="病假一周")
        assert entries.count() == 5
        assert len({entry.changes["batch"] for entry in entries}) == 1

    def test_it_moves_only_the_selected_tasks(self, manager, agent, colleague, patient_medicine):
        tasks = tasks_of(patient_medicine, 3)
        for task in tasks:
            task_reassign(actor=manager, task=task, to_agent=agent, reason="固定回访员")

        tasks_reassign_bulk(
            actor=manager,
            from_user=agent,
            to_users=[colleague],
            reason="下午外出",
            task_ids=[tasks[0].pk],
        )

        assert [reload(task).assigned_to for task in tasks] == [colleague, agent, agent]

    def test_a_booked_callback_moves_with_the_agent(
        self, manager, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        FollowUpTask.objects.filter(pk=task.pk).update(callback_by=agent)

        tasks_reassign_bulk(actor=manager, from_user=agent, to_users=[colleague], reason="休假")

        saved = reload(task)
        assert saved.callback_by == colleague and saved.assigned_to == colleague

    def test_a_receiver_who_does_not_cover_a_department_is_skipped_for_it(
        self, manager, personas, colleague, surgeon_agent, patient_medicine, patient_surgery
    ):
        manager_tasks = tasks_of(patient_medicine, 2) + tasks_of(patient_surgery, 2)
        for task in manager_tasks:
            FollowUpTask.objects.filter(pk=task.pk).update(assigned_to=manager)

        tasks_reassign_bulk(
            actor=manager, from_user=manager, to_users=[colleague, surgeon_agent], reason="出差"
        )

        for task in manager_tasks:
            expected = colleague if task.patient == patient_medicine else surgeon_agent
            assert reload(task).assigned_to == expected

    def test_nothing_moves_when_a_task_has_no_eligible_receiver(
        self, manager, agent, colleague, surgeon_agent, patient_medicine, patient_surgery
    ):
        ours, theirs = tasks_of(patient_medicine, 1)[0], tasks_of(patient_surgery, 1)[0]
        FollowUpTask.objects.filter(pk__in=[ours.pk, theirs.pk]).update(assigned_to=surgeon_agent)

        with pytest.raises(ApplicationError) as error:
            tasks_reassign_bulk(
                actor=manager, from_user=surgeon_agent, to_users=[colleague], reason="离职"
            )

        assert error.value.code == "no_eligible_receiver"
        assert "外科" in error.value.message
        assert {reload(ours).assigned_to, reload(theirs).assigned_to} == {surgeon_agent}

    def test_a_selection_that_changed_meanwhile_moves_nothing(
        self, manager, agent, colleague, third, patient_medicine
    ):
        first, second = tasks_of(patient_medicine, 2)
        FollowUpTask.objects.filter(pk__in=[first.pk, second.pk]).update(assigned_to=agent)
        # Another manager moved the second one a moment ago.
        task_reassign(actor=manager, task=second, to_agent=third, reason="先处理")

        with pytest.raises(ApplicationError) as error:
            tasks_reassign_bulk(
                actor=manager,
                from_user=agent,
                to_users=[colleague],
                reason="休假",
                task_ids=[first.pk, second.pk],
            )

        assert error.value.code == "tasks_changed"
        assert reload(first).assigned_to == agent and reload(second).assigned_to == third

    def test_a_reason_and_a_receiver_are_required(self, manager, agent, colleague):
        with pytest.raises(ApplicationError) as error:
            tasks_reassign_bulk(actor=manager, from_user=agent, to_users=[colleague], reason=" ")
        assert error.value.code == "reason_required"
        with pytest.raises(ApplicationError) as error:
            tasks_reassign_bulk(actor=manager, from_user=agent, to_users=[agent], reason="休假")
        assert error.value.code == "no_receivers"

    @pytest.mark.parametrize("username", ["agent", "doctor", "head_medicine", "quality"])
    def test_only_managers_and_administrators_move_tasks(self, personas, colleague, username):
        with pytest.raises(PermissionDenied):
            tasks_reassign_bulk(
                actor=personas[username],
                from_user=personas["agent"],
                to_users=[colleague],
                reason="休假",
            )

    def test_the_page_lists_offer_owners_with_counts_and_eligible_receivers(
        self, manager, agent, colleague, surgeon_agent, patient_medicine
    ):
        tasks = tasks_of(patient_medicine, 2)
        FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assigned_to=agent)

        owners = {person.username: person.open_tasks for person in task_owners(user=manager)}
        listed = list(task_list_of_user(user=manager, owner=agent))

        assert owners["agent"] == 2 and owners["agent2"] == 0
        assert "doctor" in owners  # clinicians hold doctors' callbacks
        assert "head_medicine" not in owners
        assert {t.pk for t in listed} == {t.pk for t in tasks}
        offered = receiver_choices(user=manager, owner=agent, tasks=listed)
        assert colleague in offered and manager in offered
        assert agent not in offered and surgeon_agent not in offered
