"""Claiming tasks: what "next task" hands an agent, leases, release and reassignment.

Friday 13 November 2026 is a working day; default windows 10:00–12:00 and
15:00–17:00 (Asia/Shanghai).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.followups.models import FollowUpTask, Outcome
from huifang.followups.selectors.worklist import WorklistFilters, worklist_counts
from huifang.followups.services.claims import (
    task_claim,
    task_claim_next,
    task_lease_renew,
    task_reassign,
    task_release,
)
from huifang.followups.services.outcomes import attempt_record
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)
SATURDAY = date(2026, 11, 14)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def agent(personas):
    return personas["agent"]


@pytest.fixture
def colleague(personas, departments):
    from huifang.accounts import roles
    from huifang.accounts.services import user_create

    return user_create(
        username="agent2",
        password="x" * 20,
        display_name="王回访",
        roles=[roles.AGENT],
        departments=[departments["medicine"]],
    )


def reload(task) -> FollowUpTask:
    return FollowUpTask.objects.get(pk=task.pk)


class TestNextTask:
    def test_it_hands_out_a_due_task_inside_its_call_window(self, agent, patient_medicine):
        task = make_task(patient_medicine)

        claimed = task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        assert claimed.pk == task.pk
        saved = reload(task)
        assert saved.claimed_by == agent
        assert saved.lease_expires_at == local(FRIDAY, 11, 0)

    @pytest.mark.parametrize(
        "moment",
        [
            local(FRIDAY, 9, 59),
            local(FRIDAY, 12, 0),
            local(FRIDAY, 13, 30),
            local(SATURDAY, 10, 30),
        ],
        ids=["before-hours", "lunch", "afternoon-gap", "weekend"],
    )
    def test_it_hands_out_nothing_outside_the_call_windows(self, agent, patient_medicine, moment):
        make_task(patient_medicine)

        assert task_claim_next(agent=agent, now=moment) is None

    def test_a_touchpoint_with_its_own_window_is_due_then(self, agent, patient_medicine):
        evening = make_touchpoint(code="evening", call_windows=[["18:00", "20:00"]])
        task = make_task(patient_medicine, touchpoint=evening)

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)) is None
        assert task_claim_next(agent=agent, now=local(FRIDAY, 18, 30)).pk == task.pk

    def test_the_patients_own_time_replaces_the_plans_windows(self, agent, patient_medicine):
        patient_medicine.preferred_time_start = time(19, 0)
        patient_medicine.preferred_time_end = time(20, 0)
        patient_medicine.save()
        task = make_task(patient_medicine)

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)) is None
        assert task_claim_next(agent=agent, now=local(FRIDAY, 19, 15)).pk == task.pk

    def test_it_never_hands_out_a_task_of_another_department(
        self, agent, patient_surgery, patient_medicine
    ):
        make_task(patient_surgery)

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)) is None

    def test_a_claimed_task_is_not_handed_to_a_colleague_until_the_lease_runs_out(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        assert task_claim_next(agent=colleague, now=local(FRIDAY, 10, 59)) is None
        assert task_claim_next(agent=colleague, now=local(FRIDAY, 11, 1)).pk == task.pk
        assert reload(task).claimed_by == colleague

    def test_higher_priority_comes_first_then_the_nearest_end_of_window(
        self, agent, patient_medicine
    ):
        from huifang.followups.selectors.worklist import next_task_candidates
        from huifang.testing.factories import EncounterFactory

        department = patient_medicine.encounters.first().department

        def another_task(code, **fields):
            encounter = EncounterFactory(patient=patient_medicine, department=department)
            return make_task(
                patient_medicine,
                encounter=encounter,
                touchpoint=make_touchpoint(code=code),
                **fields,
            )

        low_late = another_task("late", due_until=date(2026, 11, 20))
        low_soon = another_task("soon", due_until=date(2026, 11, 16))
        urgent = another_task("urgent", due_until=date(2026, 11, 20))
        FollowUpTask.objects.filter(pk=urgent.pk).update(priority=5)

        order = list(
            next_task_candidates(user=agent, now=local(FRIDAY, 10, 30)).values_list("pk", flat=True)
        )

        assert order == [urgent.pk, low_soon.pk, low_late.pk]
        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)).pk == urgent.pk

    def test_it_takes_the_next_unclaimed_task_each_time(self, agent, colleague, patient_medicine):
        from huifang.testing.factories import EncounterFactory

        department = patient_medicine.encounters.first().department
        touchpoint = make_touchpoint()
        tasks = [make_task(patient_medicine, touchpoint=touchpoint)] + [
            make_task(
                patient_medicine,
                touchpoint=touchpoint,
                encounter=EncounterFactory(patient=patient_medicine, department=department),
            )
            for _ in range(2)
        ]
        now = local(FRIDAY, 10, 30)

        first = task_claim_next(agent=agent, now=now)
        second = task_claim_next(agent=colleague, now=now)
        # Asking again while holding one resumes it: one open task per agent.
        assert task_claim_next(agent=colleague, now=now).pk == second.pk
        task_release(agent=agent, task=first)
        task_release(agent=colleague, task=second)
        FollowUpTask.objects.filter(pk__in=[first.pk, second.pk]).update(status="done")
        third = task_claim_next(agent=colleague, now=now)

        assert {first.pk, second.pk, third.pk} == {t.pk for t in tasks}
        assert task_claim_next(agent=agent, now=now) is None


class TestCallbacks:
    def book(self, task, agent, at, callback_at):
        with time_machine.travel(at, tick=False):
            attempt_record(
                task=task,
                outcome=Outcome.objects.get(code="not_convenient"),
                agent=agent,
                at=at,
                callback_at=callback_at,
            )

    def test_a_booked_callback_stays_with_its_agent_then_opens_to_the_team(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        # Booked for 13:30, outside the call windows: the patient chose the time.
        self.book(task, agent, local(FRIDAY, 10, 30), local(FRIDAY, 13, 30))

        assert reload(task).callback_by == agent
        assert task_claim_next(agent=colleague, now=local(FRIDAY, 13, 45)) is None
        assert task_claim_next(agent=agent, now=local(FRIDAY, 13, 31)).pk == task.pk
        task_release(agent=agent, task=task)
        # Unanswered 30 minutes after its time, the team gets it.
        assert task_claim_next(agent=colleague, now=local(FRIDAY, 14, 1)).pk == task.pk

    def test_a_due_callback_comes_before_everything_else(self, agent, patient_medicine):
        from huifang.testing.factories import EncounterFactory

        department = patient_medicine.encounters.first().department
        callback = make_task(patient_medicine)
        self.book(callback, agent, local(FRIDAY, 10, 5), local(FRIDAY, 10, 20))
        urgent = make_task(
            patient_medicine,
            encounter=EncounterFactory(patient=patient_medicine, department=department),
            touchpoint=make_touchpoint(code="urgent"),
        )
        FollowUpTask.objects.filter(pk=urgent.pk).update(priority=9)

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)).pk == callback.pk

    def test_the_worklist_counts_the_booked_callback_for_its_agent_only(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        self.book(task, agent, local(FRIDAY, 10, 30), local(FRIDAY, 15, 30))
        now = local(FRIDAY, 15, 40)

        mine = worklist_counts(user=agent, now=now, filters=WorklistFilters())
        theirs = worklist_counts(user=colleague, now=now, filters=WorklistFilters())

        assert mine["callbacks"] == 1
        assert theirs["callbacks"] == 0
        assert theirs["due_now"] == 0


class TestLease:
    def test_renewing_keeps_the_task_past_the_first_half_hour(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        task_lease_renew(agent=agent, task=task, now=local(FRIDAY, 10, 55))

        assert task_claim_next(agent=colleague, now=local(FRIDAY, 11, 10)) is None
        assert reload(task).lease_expires_at == local(FRIDAY, 11, 25)

    def test_a_lost_claim_cannot_be_renewed(self, agent, colleague, patient_medicine):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))
        task_claim_next(agent=colleague, now=local(FRIDAY, 11, 1))

        with pytest.raises(ApplicationError) as error:
            task_lease_renew(agent=agent, task=task, now=local(FRIDAY, 11, 2))

        assert error.value.code == "lease_lost"

    def test_leaving_gives_the_task_back_at_once(self, agent, colleague, patient_medicine):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        assert task_release(agent=agent, task=task) is True
        assert task_claim_next(agent=colleague, now=local(FRIDAY, 10, 31)).pk == task.pk

    def test_opening_a_task_a_colleague_holds_says_who_and_until_when(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=colleague, now=local(FRIDAY, 10, 30))

        with pytest.raises(ApplicationError) as error:
            task_claim(agent=agent, task=task, now=local(FRIDAY, 10, 40))

        assert error.value.code == "task_claimed"
        assert "王回访" in error.value.message
        assert "11:00" in error.value.message

    def test_a_colleague_cannot_record_on_a_task_held_by_someone_else(
        self, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        at = local(FRIDAY, 10, 30)
        task_claim_next(agent=colleague, now=at)

        with time_machine.travel(at, tick=False), pytest.raises(ApplicationError) as error:
            attempt_record(
                task=task, outcome=Outcome.objects.get(code="no_answer"), agent=agent, at=at
            )

        assert error.value.code == "task_claimed"
        assert reload(task).attempts == 0

    def test_recording_gives_the_claim_up(self, agent, patient_medicine):
        task = make_task(patient_medicine)
        at = local(FRIDAY, 10, 30)
        task_claim_next(agent=agent, now=at)

        with time_machine.travel(at, tick=False):
            attempt_record(
                task=task, outcome=Outcome.objects.get(code="no_answer"), agent=agent, at=at
            )

        saved = reload(task)
        assert saved.claimed_by is None
        assert saved.lease_expires_at is None
        assert saved.version == 1


class TestReassign:
    def test_a_manager_gives_a_claimed_task_to_another_agent_with_a_reason(
        self, personas, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        with time_machine.travel(local(FRIDAY, 10, 40), tick=False):
            task_reassign(
                actor=personas["manager"], task=task, to_agent=colleague, reason="张医生请假"
            )

        saved = reload(task)
        assert saved.claimed_by == colleague
        assert saved.version == 1
        entry = AuditEntry.objects.get(action="reassign")
        assert entry.actor == personas["manager"]
        assert entry.changes["reason"] == "张医生请假"
        assert entry.changes["claimed_by"] == [agent.pk, colleague.pk]

    def test_the_previous_agents_open_page_cannot_save_over_it(
        self, personas, agent, colleague, patient_medicine
    ):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))
        version_on_screen = reload(task).version
        task_reassign(actor=personas["manager"], task=task, to_agent=colleague, reason="调班")
        at = local(FRIDAY, 10, 45)

        with time_machine.travel(at, tick=False), pytest.raises(ApplicationError) as error:
            attempt_record(
                task=task,
                outcome=Outcome.objects.get(code="reached_patient"),
                agent=agent,
                at=at,
                expected_version=version_on_screen,
            )

        assert error.value.code in ("task_changed", "task_claimed")
        assert reload(task).attempts == 0

    def test_a_manager_takes_over(self, personas, agent, patient_medicine):
        task = make_task(patient_medicine)
        task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

        task_reassign(actor=personas["manager"], task=task, reason="患者投诉，由组长亲自回访")

        assert reload(task).claimed_by == personas["manager"]
        assert AuditEntry.objects.filter(action="take_over").count() == 1

    @pytest.mark.parametrize("username", ["agent", "head_medicine", "doctor", "quality"])
    def test_only_managers_and_administrators_reassign(self, personas, patient_medicine, username):
        task = make_task(patient_medicine)

        with pytest.raises(PermissionDenied):
            task_reassign(actor=personas[username], task=task, reason="x")

    def test_a_reason_is_required(self, personas, patient_medicine):
        task = make_task(patient_medicine)

        with pytest.raises(ApplicationError) as error:
            task_reassign(actor=personas["manager"], task=task, reason="  ")

        assert error.value.code == "reason_required"

    def test_it_refuses_an_agent_outside_the_patients_department(self, personas, patient_surgery):
        task = make_task(patient_surgery)

        with pytest.raises(ApplicationError) as error:
            task_reassign(
                actor=personas["manager"], task=task, to_agent=personas["agent"], reason="调班"
            )

        assert error.value.code == "agent_out_of_scope"


def test_the_lease_lasts_the_configured_minutes(settings, agent, patient_medicine):
    settings.HUIFANG_TASK_LEASE_MINUTES = 10
    task = make_task(patient_medicine)

    task_claim_next(agent=agent, now=local(FRIDAY, 10, 30))

    assert reload(task).lease_expires_at - local(FRIDAY, 10, 30) == timedelta(minutes=10)


class TestClaimAsksTheContactRule:
    """The claim asks ``patients.contact`` again: the tasks may not have been cancelled in time."""

    @pytest.fixture
    def two(self, patient_medicine, patient_surgery, departments):
        touchpoint = make_touchpoint()
        first = make_task(patient_medicine, touchpoint=touchpoint)
        FollowUpTask.objects.filter(pk=first.pk).update(priority=5)
        # A second patient in the agent's department, called after the first.
        patient_surgery.encounters.update(department=departments["medicine_ward"])
        return first, make_task(patient_surgery, touchpoint=touchpoint)

    def test_next_task_skips_and_cancels_a_patient_who_died_meanwhile(self, agent, two):
        first, second = two
        # Written past the services (as an old import would): nothing cancelled.
        type(first.patient).objects.filter(pk=first.patient_id).update(
            deceased_on=date(2026, 11, 12)
        )
        refused = []

        claimed = task_claim_next(agent=agent, now=local(FRIDAY, 10, 30), refused=refused)

        assert claimed.pk == second.pk
        assert (reload(first).status, reload(first).closed_reason) == ("cancelled", "deceased")
        assert reload(first).claimed_by is None
        assert [(r.patient_name, r.reason) for r in refused] == [("张三丰", "deceased")]
        assert "患者已于 2026-11-12 去世" in refused[0].message
        # Asked again, it is not offered any more.
        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 31)).pk == second.pk

    def test_next_task_cancels_the_phone_tasks_of_a_patient_who_opted_out(self, agent, two):
        first, second = two
        type(first.patient).objects.filter(pk=first.patient_id).update(do_not_contact=["phone"])
        refused = []

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30), refused=refused) == second
        assert (reload(first).status, reload(first).closed_reason) == ("cancelled", "opted_out")
        assert "患者已要求不通过“电话”联系" in refused[0].message

    def test_a_patient_without_a_usable_number_goes_to_no_usable_phone(self, agent, two):
        first, second = two
        first.patient.phones.update(status="invalid")
        refused = []

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30), refused=refused) == second
        assert reload(first).status == "no_phone"
        assert "无可用电话" in refused[0].message
        counts = worklist_counts(user=agent, now=local(FRIDAY, 10, 31), filters=WorklistFilters())
        assert counts["no_phone"] == 1

    def test_nothing_left_when_every_due_patient_is_refused(self, agent, two):
        for task in two:
            task.patient.phones.update(status="suspended")

        assert task_claim_next(agent=agent, now=local(FRIDAY, 10, 30)) is None
        assert set(FollowUpTask.objects.values_list("status", flat=True)) == {"no_phone"}

    def test_opening_a_deceased_patients_task_is_refused_and_ends_it(self, agent, two):
        first, _ = two
        type(first.patient).objects.filter(pk=first.patient_id).update(
            deceased_on=date(2026, 11, 12)
        )

        with pytest.raises(ApplicationError) as raised:
            task_claim(agent=agent, task=first, now=local(FRIDAY, 10, 30))

        assert raised.value.code == "contact_refused"
        assert "不再联系" in raised.value.message and "已全部取消" in raised.value.message
        assert reload(first).status == "cancelled"
        assert reload(first).claimed_by is None
