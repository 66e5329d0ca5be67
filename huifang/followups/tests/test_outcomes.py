"""Recording call attempts: the outcome table's rules as an agent sees them.

Dates are real 2026 dates checked against chinese_calendar: Friday 13
November and Monday 16 November are ordinary working days; National Day is
off 1–7 October (Thursday to Wednesday) with Saturday 10 October a make-up
working day. Default call windows are 10:00–12:00 and 15:00–17:00.
"""

import json
import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.followups.services.outcomes import attempt_record
from huifang.patients.models import PhoneNumber
from huifang.testing.factories import (
    EncounterFactory,
    PatientFactory,
    PhoneFactory,
    make_task,
    make_touchpoint,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)
MONDAY = date(2026, 11, 16)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def outcome(code: str) -> Outcome:
    return Outcome.objects.get(code=code)


@pytest.fixture
def agent(personas):
    return personas["agent"]


@pytest.fixture
def patient(patient_medicine):
    """张三丰: own mobile (primary) and a family landline (配偶), both not yet checked."""
    return patient_medicine


@pytest.fixture
def record(agent):
    """``record(task, "no_answer", at, ...)`` at a frozen clock equal to ``at``."""

    def _record(task, code, at, **kwargs):
        with time_machine.travel(at, tick=False):
            return attempt_record(task=task, outcome=outcome(code), agent=agent, at=at, **kwargs)

    return _record


def reload(task) -> FollowUpTask:
    return FollowUpTask.objects.get(pk=task.pk)


# --- retries -----------------------------------------------------------------


class TestRetry:
    def test_it_retries_a_friday_morning_no_answer_in_the_afternoon_then_monday_morning(
        self, patient, record
    ):
        task = make_task(patient)

        record(task, "no_answer", local(FRIDAY, 10, 30))
        task = reload(task)
        assert (task.status, task.attempts) == ("pending", 1)
        assert task.next_attempt_at == local(FRIDAY, 15, 0)

        # 15:10 + 2 h is past the afternoon window; the weekend is off and the
        # afternoon window was just tried, so Monday morning.
        record(task, "no_answer", local(FRIDAY, 15, 10))
        task = reload(task)
        assert (task.status, task.attempts) == ("pending", 2)
        assert task.next_attempt_at == local(MONDAY, 10, 0)

    def test_it_retries_busy_half_an_hour_later_in_the_same_window(self, patient, record):
        task = make_task(patient)

        record(task, "busy", local(FRIDAY, 10, 30))
        assert reload(task).next_attempt_at == local(FRIDAY, 11, 0)

        record(task, "busy", local(FRIDAY, 11, 45))
        assert reload(task).next_attempt_at == local(FRIDAY, 15, 0)

    def test_it_retries_a_switched_off_phone_at_the_start_of_the_other_window(
        self, patient, record
    ):
        task = make_task(patient)

        record(task, "switched_off", local(FRIDAY, 10, 5))
        assert reload(task).next_attempt_at == local(FRIDAY, 15, 0)

        record(task, "switched_off", local(FRIDAY, 15, 5))
        assert reload(task).next_attempt_at == local(MONDAY, 10, 0)

    def test_it_retries_a_suspected_scam_hang_up_another_day_in_another_window(
        self, patient, record
    ):
        task = make_task(patient)

        record(task, "scam_hangup", local(FRIDAY, 10, 30))

        assert reload(task).next_attempt_at == local(MONDAY, 15, 0)

    def test_it_retries_across_national_day_on_the_first_working_day_after(self, patient, record):
        task = make_task(patient, due_from=date(2026, 9, 28), due_until=date(2026, 10, 9))

        record(task, "no_answer", local(date(2026, 9, 30), 15, 30))

        # 1–7 October are off; Thursday 8 October, morning (the afternoon was tried).
        assert reload(task).next_attempt_at == local(date(2026, 10, 8), 10, 0)

    def test_it_retries_on_the_make_up_saturday_after_national_day(self, patient, record):
        task = make_task(patient, due_from=date(2026, 10, 8), due_until=date(2026, 10, 13))

        record(task, "no_answer", local(date(2026, 10, 9), 15, 30))

        assert reload(task).next_attempt_at == local(date(2026, 10, 10), 10, 0)

    def test_it_retries_inside_the_touchpoints_own_call_window(self, patient, record):
        evening = make_touchpoint(call_windows=[["19:00", "21:00"]])
        task = make_task(patient, touchpoint=evening)

        record(task, "no_answer", local(FRIDAY, 19, 30))

        # One window only: "another window" cannot apply; next working day.
        assert reload(task).next_attempt_at == local(MONDAY, 19, 0)

    def test_it_retries_at_the_patients_preferred_time(self, patient, record):
        patient.preferred_time_start, patient.preferred_time_end = time(19, 0), time(21, 0)
        patient.save()
        task = make_task(patient)

        record(task, "no_answer", local(FRIDAY, 10, 30))

        assert reload(task).next_attempt_at == local(FRIDAY, 19, 0)

    def test_an_open_ended_preferred_time_gives_two_hours(self, patient, record):
        patient.preferred_time_start = time(19, 0)
        patient.save()
        task = make_task(patient)

        record(task, "no_answer", local(FRIDAY, 19, 30))

        # 21:30 is past 19:00–21:00: the next working day at the patient's time.
        assert reload(task).next_attempt_at == local(MONDAY, 19, 0)

    def test_it_ends_as_unreachable_when_no_slot_is_left_in_the_due_window(self, patient, record):
        task = make_task(patient, due_from=FRIDAY, due_until=FRIDAY)

        record(task, "no_answer", local(FRIDAY, 15, 10))

        task = reload(task)
        assert (task.status, task.closed_reason) == ("unreachable", "window_ended")

    def test_it_ends_as_unreachable_when_the_window_ends_before_national_day(self, patient, record):
        task = make_task(patient, due_from=date(2026, 9, 28), due_until=date(2026, 9, 30))

        record(task, "no_answer", local(date(2026, 9, 30), 15, 30))

        task = reload(task)
        assert (task.status, task.closed_reason) == ("unreachable", "window_ended")

    def test_it_ends_as_unreachable_after_the_maximum_attempts(self, patient, record):
        task = make_task(patient, max_attempts=2)

        record(task, "no_answer", local(FRIDAY, 10, 30))
        record(task, "busy", local(FRIDAY, 15, 0))

        task = reload(task)
        assert (task.status, task.closed_reason, task.attempts) == (
            "unreachable",
            "max_attempts",
            2,
        )
        with pytest.raises(ApplicationError) as error:
            record(task, "no_answer", local(MONDAY, 10, 0))
        assert error.value.code == "task_closed"
        assert task.attempts_made.count() == 2


# --- outcomes that end the task ----------------------------------------------


class TestEnding:
    @pytest.mark.parametrize("code", ["reached_patient", "reached_family"])
    def test_it_closes_the_task_as_done_when_someone_is_reached(self, patient, record, code):
        task = make_task(patient)

        attempt = record(task, code, local(FRIDAY, 10, 30))

        task = reload(task)
        assert (task.status, task.closed_reason, task.attempts) == ("done", code, 1)
        assert attempt.outcome.counts_as_success
        assert attempt.phone == patient.phones.get(owner="self")

    def test_it_cancels_on_refusal_without_opting_the_patient_out(self, patient, record):
        task = make_task(patient)
        other = make_task(patient, touchpoint=make_touchpoint(code="later"))

        record(task, "refused", local(FRIDAY, 10, 30), note="说身体很好，不需要回访")

        task = reload(task)
        assert (task.status, task.closed_reason) == ("cancelled", "refused")
        patient.refresh_from_db()
        assert patient.do_not_contact == []
        assert reload(other).status == "pending"

    def test_it_ends_as_unreachable_when_there_is_no_phone(self, patient, record):
        task = make_task(patient, phone=None)

        attempt = record(task, "no_phone", local(FRIDAY, 10, 30))

        task = reload(task)
        assert (task.status, task.closed_reason) == ("unreachable", "no_phone")
        assert attempt.phone is None


# --- callbacks booked with the patient ----------------------------------------


class TestCallback:
    def test_it_requires_the_booked_time_when_not_convenient(self, patient, record):
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(task, "not_convenient", local(FRIDAY, 10, 30))

        assert error.value.code == "callback_required"
        assert "回访时间" in error.value.message
        assert reload(task).attempts == 0
        assert not ContactAttempt.objects.exists()

    def test_it_calls_back_at_the_booked_time_even_past_the_attempt_limit(self, patient, record):
        task = make_task(patient, max_attempts=1)
        evening = local(FRIDAY, 19, 30)

        attempt = record(task, "not_convenient", local(FRIDAY, 10, 30), callback_at=evening)

        task = reload(task)
        assert (task.status, task.attempts, task.next_attempt_at) == ("pending", 1, evening)
        assert attempt.callback_at == evening

    def test_it_stretches_the_due_window_to_a_booked_day_after_it(self, patient, record):
        task = make_task(patient, due_until=date(2026, 11, 18))
        booked = local(date(2026, 11, 23), 10, 0)

        record(task, "not_convenient", local(FRIDAY, 10, 30), callback_at=booked)

        task = reload(task)
        assert (task.next_attempt_at, task.due_until) == (booked, date(2026, 11, 23))

    def test_it_refuses_a_booked_time_before_the_call(self, patient, record):
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(task, "not_convenient", local(FRIDAY, 10, 30), callback_at=local(FRIDAY, 9, 0))

        assert error.value.code == "callback_in_past"

    def test_it_refuses_a_callback_at_night_and_says_which_hours_do(self, patient, record):
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(
                task,
                "not_convenient",
                local(FRIDAY, 10, 30),
                callback_at=local(date(2026, 11, 14), 3, 0),
            )

        assert error.value.code == "callback_at_night"
        assert error.value.message == (
            "03:00 不在回访中心的回访时间（08:00–21:00）内，请与患者另约这段时间内的时间。"
        )
        assert not ContactAttempt.objects.exists()

    def test_a_night_time_in_the_patients_own_preferred_time_is_kept(self, patient, record):
        type(patient).objects.filter(pk=patient.pk).update(
            preferred_time_start=time(21, 0), preferred_time_end=time(22, 30)
        )
        task = make_task(patient)
        late = local(FRIDAY, 21, 45)

        record(task, "not_convenient", local(FRIDAY, 10, 30), callback_at=late)

        assert reload(task).next_attempt_at == late

    def test_the_callback_hours_are_a_setting(self, patient, record, settings):
        settings.HUIFANG_CALLBACK_HOURS = "09:00-18:00"
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(task, "not_convenient", local(FRIDAY, 10, 30), callback_at=local(FRIDAY, 19, 30))

        assert error.value.code == "callback_at_night"

    def test_a_time_given_by_the_family_wins_over_the_computed_retry(self, patient, record):
        task = make_task(patient)
        evening = local(FRIDAY, 20, 0)

        record(task, "no_answer", local(FRIDAY, 10, 30), callback_at=evening)

        assert reload(task).next_attempt_at == evening


# --- numbers that do not work ------------------------------------------------


class TestPhones:
    def test_an_invalid_number_is_marked_and_the_family_number_is_tried_next(
        self, patient, record, agent
    ):
        own = patient.phones.get(owner="self")
        family = patient.phones.get(owner="family")
        task = make_task(patient)

        record(task, "number_invalid", local(FRIDAY, 10, 30))

        own.refresh_from_db()
        family.refresh_from_db()
        assert own.status == PhoneNumber.Status.INVALID
        assert not own.is_usable
        assert family.status == PhoneNumber.Status.UNKNOWN
        task = reload(task)
        assert (task.status, task.phone, task.attempts) == ("pending", family, 1)
        assert task.next_attempt_at == local(FRIDAY, 10, 30)  # dial it now
        entry = AuditEntry.objects.get(target_type="patients.phonenumber", action="update")
        assert entry.actor == agent
        assert entry.changes["status"] == ["unknown", "invalid"]
        assert own.number not in json.dumps(entry.changes, ensure_ascii=False)

    def test_a_suspended_number_is_marked_suspended(self, patient, record):
        task = make_task(patient)

        record(task, "number_suspended", local(FRIDAY, 15, 30))

        assert patient.phones.get(owner="self").status == PhoneNumber.Status.SUSPENDED
        assert reload(task).phone.owner == "family"

    def test_it_ends_as_unreachable_when_no_usable_number_is_left(self, patient, record):
        task = make_task(patient)

        record(task, "number_invalid", local(FRIDAY, 10, 30))
        record(task, "number_suspended", local(FRIDAY, 10, 40))

        task = reload(task)
        assert (task.status, task.closed_reason) == ("unreachable", "no_usable_phone")
        assert set(patient.phones.values_list("status", flat=True)) == {"invalid", "suspended"}

    def test_a_communication_barrier_keeps_the_number_and_asks_the_family(self, patient, record):
        task = make_task(patient)

        record(task, "communication_barrier", local(FRIDAY, 10, 30), note="老人耳背，听不清")

        assert patient.phones.get(owner="self").is_usable
        assert reload(task).phone.owner == "family"

        # The family cannot help either: no loop back to the patient's own number.
        record(task, "communication_barrier", local(FRIDAY, 10, 40), note="家属只讲方言")
        task = reload(task)
        assert (task.status, task.closed_reason) == ("unreachable", "no_usable_phone")

    def test_it_prefers_the_patients_own_second_number_to_the_family(self, patient, record):
        second = PhoneFactory(patient=patient, owner="self", is_primary=False)
        task = make_task(patient)

        record(task, "number_invalid", local(FRIDAY, 10, 30))

        assert reload(task).phone == second


# --- effects on the patient and their other tasks ------------------------------


class TestPatientEffects:
    def test_a_deceased_patient_keeps_no_pending_task_of_any_plan(self, patient, record):
        discharge_call = make_task(patient, touchpoint=make_touchpoint("plan-a"))
        survey = make_task(patient, touchpoint=make_touchpoint("plan-b", channel="web"))
        stranger = PatientFactory()
        bystander = make_task(
            stranger,
            touchpoint=make_touchpoint("plan-c"),
            encounter=EncounterFactory(patient=stranger),
            phone=None,
        )

        record(discharge_call, "deceased", local(FRIDAY, 10, 30), note="家属告知上周去世")

        patient.refresh_from_db()
        assert patient.deceased_on == FRIDAY
        assert not FollowUpTask.objects.filter(patient=patient, status="pending").exists()
        assert reload(discharge_call).status == "cancelled"
        assert reload(survey).status == "cancelled"
        assert reload(bystander).status == "pending"
        with pytest.raises(ApplicationError) as error:
            record(survey, "reached_patient", local(FRIDAY, 10, 40))
        assert error.value.code == "task_closed"

    def test_it_keeps_an_earlier_date_of_death(self, patient, record):
        patient.deceased_on = date(2026, 11, 1)
        patient.save()
        task = make_task(patient)

        record(task, "deceased", local(FRIDAY, 10, 30), note="已登记过")

        patient.refresh_from_db()
        assert patient.deceased_on == date(2026, 11, 1)

    def test_a_death_is_recorded_in_the_patients_audit_trail(self, patient, record, agent):
        task = make_task(patient)

        record(task, "deceased", local(FRIDAY, 10, 30), note="家属告知")

        entry = AuditEntry.objects.get(
            target_type="patients.patient", action="update", patient_id=patient.pk
        )
        assert entry.actor == agent
        assert entry.changes["deceased_on"] == [None, "2026-11-13"]

    @pytest.mark.parametrize("code", ["readmitted", "transferred"])
    def test_readmission_or_transfer_cancels_the_encounters_other_tasks(
        self, patient, record, code
    ):
        stay = patient.encounters.get()
        call = make_task(patient, touchpoint=make_touchpoint(code="call"))
        survey = make_task(patient, touchpoint=make_touchpoint(code="survey", channel="web"))
        other_stay = EncounterFactory(patient=patient, number="ZY-OTHER")
        unrelated = make_task(patient, touchpoint=call.touchpoint, encounter=other_stay)

        record(call, code, local(FRIDAY, 10, 30))

        call = reload(call)
        assert (call.status, call.closed_reason) == ("cancelled", code)
        assert reload(survey).status == "cancelled"
        assert reload(unrelated).status == "pending"
        assert stay.tasks.filter(status="pending").count() == 0

    def test_an_opt_out_stops_phone_tasks_and_keeps_the_others(self, patient, record):
        Outcome.objects.create(
            code="opted_out_all",
            label_zh="要求不再来电",
            label_en="Asked not to be called again",
            category=Outcome.Category.FINAL,
            ends_task=True,
            patient_effect=Outcome.PatientEffect.OPTED_OUT,
        )
        call = make_task(patient, touchpoint=make_touchpoint(code="call"))
        later_call = make_task(patient, touchpoint=make_touchpoint(code="later"))
        survey = make_task(patient, touchpoint=make_touchpoint(code="survey", channel="web"))

        record(call, "opted_out_all", local(FRIDAY, 10, 30))

        patient.refresh_from_db()
        assert patient.do_not_contact == ["phone"]
        assert reload(call).status == "cancelled"
        assert reload(later_call).status == "cancelled"
        assert reload(survey).status == "pending"


# --- validation ----------------------------------------------------------------


class TestValidation:
    @pytest.mark.parametrize(
        ("code", "note"),
        [("refused", ""), ("deceased", "  "), ("communication_barrier", "\n")],
    )
    def test_it_requires_a_note_where_the_outcome_asks_for_one(self, patient, record, code, note):
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(task, code, local(FRIDAY, 10, 30), note=note)

        assert error.value.code == "note_required"
        assert "备注" in error.value.message
        patient.refresh_from_db()
        assert patient.deceased_on is None
        task = reload(task)
        assert (task.status, task.attempts) == ("pending", 0)
        assert not task.attempts_made.exists()

    def test_it_refuses_a_closed_task(self, patient, record):
        task = make_task(patient)
        FollowUpTask.objects.filter(pk=task.pk).update(status="done")

        with pytest.raises(ApplicationError) as error:
            record(task, "no_answer", local(FRIDAY, 10, 30))

        assert (error.value.code, error.value.status) == ("task_closed", 409)

    def test_it_refuses_an_attempt_dated_in_the_future(self, patient, agent):
        task = make_task(patient)

        with (
            time_machine.travel(local(FRIDAY, 10, 0), tick=False),
            pytest.raises(ApplicationError) as error,
        ):
            attempt_record(
                task=task, outcome=outcome("no_answer"), agent=agent, at=local(FRIDAY, 11, 0)
            )

        assert error.value.code == "attempt_in_future"

    def test_it_refuses_another_patients_number(self, patient, record):
        task = make_task(patient)
        stranger = PhoneFactory()

        with pytest.raises(ApplicationError) as error:
            record(task, "number_invalid", local(FRIDAY, 10, 30), phone=stranger)

        assert error.value.code == "phone_not_patients"
        stranger.refresh_from_db()
        assert stranger.status == PhoneNumber.Status.VALID

    def test_it_refuses_an_outcome_that_was_switched_off(self, patient, record):
        Outcome.objects.filter(code="busy").update(is_active=False)
        task = make_task(patient)

        with pytest.raises(ApplicationError) as error:
            record(task, "busy", local(FRIDAY, 10, 30))

        assert error.value.code == "outcome_inactive"


# --- audit and concurrency -----------------------------------------------------


class TestAuditAndConcurrency:
    def test_every_attempt_is_audited_without_the_number(self, patient, record, agent):
        task = make_task(patient)

        attempt = record(task, "no_answer", local(FRIDAY, 10, 30))

        entry = AuditEntry.objects.get(target_type="followups.contactattempt")
        assert (entry.action, entry.target_id, entry.actor) == ("create", str(attempt.pk), agent)
        assert entry.patient_id == patient.pk
        assert entry.changes["outcome"] == "no_answer"
        assert entry.changes["task_status"] == ["pending", "pending"]
        assert entry.changes["phone"] == "***"
        logged = json.dumps(entry.changes, ensure_ascii=False) + entry.target_repr
        for phone in patient.phones.all():
            assert phone.number not in logged
            assert phone.number.removeprefix("+86") not in logged

    def test_a_second_attempt_sees_the_first_even_through_a_stale_copy(self, patient, record):
        task = make_task(patient)
        stale = FollowUpTask.objects.get(pk=task.pk)

        record(task, "no_answer", local(FRIDAY, 10, 30))
        assert task.attempts == 1  # the caller's copy is refreshed
        record(stale, "no_answer", local(FRIDAY, 15, 0))

        assert stale.attempts == 2
        assert reload(task).attempts == 2
        assert task.attempts_made.count() == 2

    def test_a_stale_copy_cannot_record_on_a_task_another_agent_closed(self, patient, record):
        task = make_task(patient)
        stale = FollowUpTask.objects.get(pk=task.pk)

        record(task, "reached_patient", local(FRIDAY, 10, 30))
        with pytest.raises(ApplicationError) as error:
            record(stale, "no_answer", local(FRIDAY, 10, 31))

        assert error.value.code == "task_closed"
        assert reload(task).attempts == 1


@pytest.mark.skipif(
    not connection.features.has_select_for_update,
    reason="row locks need a database with SELECT … FOR UPDATE (PostgreSQL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_at_once_both_count(patient_medicine, personas):
    task = make_task(patient_medicine, max_attempts=5)
    at = local(FRIDAY, 10, 30)
    errors = []

    def call():
        try:
            with time_machine.travel(at, tick=False):
                attempt_record(
                    task=FollowUpTask.objects.get(pk=task.pk),
                    outcome=Outcome.objects.get(code="busy"),
                    agent=personas["agent"],
                    at=at,
                )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert reload(task).attempts == 2
