"""Tasks made from the workbench: "call again by condition" and "the doctor should call back".

Friday 13 November 2026 10:30 (Asia/Shanghai), a working day. ``doctor`` is
a clinician of 内科; the encounter's attending doctor is written "doctor".
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
from huifang.followups.adhoc_plans import CONDITION_PLAN, DOCTOR_PLAN
from huifang.followups.models import FollowUpTask, Outcome
from huifang.followups.selectors.assignment import task_list_for_clinician
from huifang.followups.services.claims import task_claim, task_claim_next
from huifang.followups.services.followon import task_call_again, task_doctor_callback_create
from huifang.followups.services.outcomes import attempt_record
from huifang.patients.services import patient_opt_out, patient_update
from huifang.testing.factories import make_task

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
def agent(personas):
    return personas["agent"]


@pytest.fixture
def surgeon(departments):
    return user_create(
        username="dr_sur",
        password="x" * 20,
        display_name="外科医生",
        roles=[roles.CLINICIAN],
        departments=[departments["surgery"]],
    )


class TestCallAgain:
    def test_in_two_days_lands_on_the_next_working_day_in_the_call_windows(self, agent, task):
        created = task_call_again(actor=agent, task=task, reason="伤口仍疼痛", in_days=2)

        # Friday + 2 days is a Sunday: due from Monday, first slot at 10:00.
        assert created.due_from == date(2026, 11, 16)
        assert created.first_slot == datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
        assert (created.patient_id, created.encounter_id) == (task.patient_id, task.encounter_id)
        assert created.plan.code == CONDITION_PLAN and not created.plan.is_active
        assert created.status == FollowUpTask.Status.PENDING
        assert created.reason["text"] == "按病情再次回访：伤口仍疼痛"
        assert created.assigned_to is None  # the team's queue

    def test_on_a_date_with_the_patients_own_time(self, agent, task, patient_medicine):
        patient_medicine.preferred_time_start = time(19, 0)
        patient_medicine.preferred_time_end = time(20, 0)
        patient_medicine.save()

        created = task_call_again(
            actor=agent, task=task, reason="复查后再问", on=date(2026, 11, 20)
        )

        assert created.first_slot == datetime(2026, 11, 20, 19, 0, tzinfo=SHANGHAI)

    def test_it_can_be_arranged_again_and_again(self, agent, task):
        first = task_call_again(actor=agent, task=task, reason="一周后", in_days=7)
        second = task_call_again(actor=agent, task=task, reason="两周后", in_days=14)

        assert (first.sequence, second.sequence) == (0, 1)
        assert (
            AuditEntry.objects.filter(action="create", target_type="followups.followuptask").count()
            == 2
        )

    def test_a_deceased_patient_gets_no_call(self, agent, task, patient_medicine):
        patient_update(actor=None, patient=patient_medicine, deceased_on=FRIDAY)
        task.refresh_from_db()
        FollowUpTask.objects.filter(pk=task.pk).update(status="pending")  # the page was open

        with pytest.raises(ApplicationError) as error:
            task_call_again(actor=agent, task=task, reason="再问", in_days=3)

        assert error.value.code == "contact_not_allowed"
        assert not FollowUpTask.objects.filter(plan__code=CONDITION_PLAN).exists()

    def test_a_patient_who_refused_calls_gets_none(self, agent, task, patient_medicine):
        patient_opt_out(actor=None, patient=patient_medicine, channels=["phone"])

        with pytest.raises(ApplicationError) as error:
            task_call_again(actor=agent, task=task, reason="再问", in_days=3)

        assert error.value.code == "contact_not_allowed"

    @pytest.mark.parametrize(
        ("when", "code"),
        [
            ({"on": FRIDAY}, "date_not_ahead"),
            ({"in_days": 0}, "date_not_ahead"),
            ({"on": date(2028, 1, 1)}, "date_too_far"),
            ({}, "when_required"),
        ],
    )
    def test_a_day_that_is_not_ahead_is_refused(self, agent, task, when, code):
        with pytest.raises(ApplicationError) as error:
            task_call_again(actor=agent, task=task, reason="再问", **when)

        assert error.value.code == code

    def test_a_reason_is_required(self, agent, task):
        with pytest.raises(ApplicationError) as error:
            task_call_again(actor=agent, task=task, reason=" ", in_days=3)

        assert error.value.code == "reason_required"

    @pytest.mark.parametrize("username", ["head_medicine", "quality", "doctor"])
    def test_only_those_who_work_the_task_arrange_one(self, personas, task, username):
        with pytest.raises(PermissionDenied):
            task_call_again(actor=personas[username], task=task, reason="再问", in_days=3)


class TestDoctorCallback:
    def test_it_is_the_named_clinicians_and_no_agents(self, personas, agent, task):
        doctor = personas["doctor"]

        created = task_doctor_callback_create(
            actor=agent, task=task, clinician=doctor, reason="问能否停用降压药"
        )

        assert created.plan.code == DOCTOR_PLAN
        assert created.assigned_to == doctor
        assert created.encounter_id == task.encounter_id
        assert created.reason["text"] == "请医生回电：问能否停用降压药"
        entry = AuditEntry.objects.get(action="reassign", target_id=str(created.pk))
        assert entry.changes["reason"] == "问能否停用降压药"
        # Not in the agents' queue, even the manager's, and in the doctor's list.
        FollowUpTask.objects.filter(pk=task.pk).update(status="done")
        assert task_claim_next(agent=agent, now=MORNING) is None
        assert task_claim_next(agent=personas["manager"], now=MORNING) is None
        assert list(task_list_for_clinician(user=doctor)) == [created]

    def test_a_clinician_of_another_department_is_refused(self, agent, task, surgeon):
        with pytest.raises(ApplicationError) as error:
            task_doctor_callback_create(actor=agent, task=task, clinician=surgeon, reason="x")

        assert error.value.code == "agent_out_of_scope"
        assert not FollowUpTask.objects.filter(plan__code=DOCTOR_PLAN).exists()

    @pytest.mark.parametrize("username", ["agent", "head_medicine", "manager"])
    def test_someone_who_is_not_a_clinician_is_refused(self, personas, agent, task, username):
        with pytest.raises(ApplicationError) as error:
            task_doctor_callback_create(
                actor=agent, task=task, clinician=personas[username], reason="x"
            )

        assert error.value.code == "not_an_agent"
        assert "不是临床医护人员" in error.value.message

    def test_the_clinician_claims_and_records_the_call(self, personas, agent, task):
        doctor = personas["doctor"]
        created = task_doctor_callback_create(
            actor=agent, task=task, clinician=doctor, reason="问药"
        )

        task_claim(agent=doctor, task=created, now=MORNING)
        attempt_record(
            task=created,
            outcome=Outcome.objects.get(code="reached_patient"),
            agent=doctor,
            at=MORNING,
        )

        assert FollowUpTask.objects.get(pk=created.pk).status == FollowUpTask.Status.DONE
        assert list(task_list_for_clinician(user=doctor)) == []

    def test_a_clinician_cannot_claim_an_agents_task(self, personas, task):
        with pytest.raises(PermissionDenied):
            task_claim(agent=personas["doctor"], task=task, now=MORNING)

    def test_a_clinician_cannot_claim_another_departments_callback(
        self, personas, agent, patient_surgery, surgeon
    ):
        surgery_task = make_task(patient_surgery)
        created = task_doctor_callback_create(
            actor=personas["manager"], task=surgery_task, clinician=surgeon, reason="问伤口"
        )

        with pytest.raises(PermissionDenied):
            task_claim(agent=personas["doctor"], task=created, now=MORNING)
        assert list(task_list_for_clinician(user=personas["doctor"])) == []
        assert list(task_list_for_clinician(user=surgeon)) == [created]

    def test_the_list_is_one_query_and_only_for_clinicians(
        self, personas, agent, task, django_assert_max_num_queries
    ):
        for reason in ("问药", "问复查", "问饮食"):
            task_doctor_callback_create(
                actor=agent, task=task, clinician=personas["doctor"], reason=reason
            )

        with django_assert_max_num_queries(3):
            rows = list(task_list_for_clinician(user=personas["doctor"]))
            names = [(t.patient.name, t.encounter.department.name) for t in rows]
        assert len(names) == 3
        assert list(task_list_for_clinician(user=agent)) == []
