"""Staff keep a patient's numbers and contact preferences: who may, audit, re-planning."""

from datetime import date, time

import pytest

from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.followups.models import FollowUpTask
from huifang.followups.tests.test_generation import (
    _only_our_plans,  # noqa: F401  (autouse: the seeded plans are switched off)
    discharge_plan,
    frozen,
    generate,
    make_stay,
)
from huifang.patients.models import PhoneNumber
from huifang.patients.services import (
    contact_edit_allowed,
    patient_contact_preferences_set,
    phone_correct,
    phone_create,
    phone_retire,
)
from huifang.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db


class TestWhoMay:
    def test_a_manager_always_an_agent_only_on_a_claimed_call_a_head_never(self, personas):
        assert contact_edit_allowed(personas["manager"])
        assert not contact_edit_allowed(personas["agent"])
        assert contact_edit_allowed(personas["agent"], during_claimed_call=True)
        assert not contact_edit_allowed(personas["head_medicine"], during_claimed_call=True)
        assert not contact_edit_allowed(personas["doctor"], during_claimed_call=True)
        assert not contact_edit_allowed(personas["quality"])

    def test_an_agent_off_the_call_is_refused_and_nothing_is_written(
        self, personas, patient_medicine
    ):
        with pytest.raises(ApplicationError) as info:
            phone_create(
                actor=personas["agent"], patient=patient_medicine, raw_number="13700001111"
            )
        assert info.value.code == "permission_denied"
        assert patient_medicine.phones.count() == 2


class TestPhoneCreate:
    def test_a_family_number_is_added_with_its_relation_and_audited_masked(
        self, personas, patient_medicine
    ):
        phone = phone_create(
            actor=personas["manager"],
            patient=patient_medicine,
            raw_number="137 0000 1111",
            owner="family",
            relation="女儿",
            contact_name="张小梅",
        )
        assert (phone.number, phone.owner, phone.relation) == ("+8613700001111", "family", "女儿")
        entry = AuditEntry.objects.get(action="create", target_id=str(phone.pk))
        assert entry.changes["number"] == "137****1111"
        assert "13700001111" not in str(entry.changes) + entry.target_repr

    def test_a_family_number_needs_the_relation(self, personas, patient_medicine):
        with pytest.raises(ApplicationError) as info:
            phone_create(
                actor=personas["manager"],
                patient=patient_medicine,
                raw_number="13700001111",
                owner="family",
            )
        assert info.value.code == "relation_required"

    def test_a_number_on_record_is_refused_not_added_twice(self, personas, patient_medicine):
        with pytest.raises(ApplicationError) as info:
            phone_create(
                actor=personas["manager"], patient=patient_medicine, raw_number="138-1234-5678"
            )
        assert info.value.code == "phone_exists"
        assert "138****5678" in info.value.message
        assert patient_medicine.phones.count() == 2

    def test_a_bad_number_says_what_is_wrong(self, personas, patient_medicine):
        with pytest.raises(ApplicationError) as info:
            phone_create(actor=personas["manager"], patient=patient_medicine, raw_number="12345")
        assert info.value.code == "invalid_phone_number"

    def test_a_retired_number_given_again_is_taken_back_into_use(self, personas, patient_medicine):
        own = patient_medicine.phones.get(owner="self")
        phone_retire(actor=personas["manager"], phone=own, reason="换号")
        again = phone_create(
            actor=personas["manager"], patient=patient_medicine, raw_number="13812345678"
        )
        assert again.pk == own.pk
        assert again.status == PhoneNumber.Status.UNKNOWN and again.is_usable


class TestCorrectAndRetire:
    def test_a_mistyped_number_is_corrected_and_checked_again(self, personas, patient_medicine):
        own = patient_medicine.phones.get(owner="self")
        own.status = PhoneNumber.Status.INVALID
        own.save()
        phone_correct(actor=personas["manager"], phone=own, raw_number="13812345679", owner="self")
        own.refresh_from_db()
        assert (own.number, own.status) == ("+8613812345679", PhoneNumber.Status.UNKNOWN)
        entry = AuditEntry.objects.filter(action="update", target_id=str(own.pk)).latest("pk")
        assert entry.changes["number"] == ["138****5678", "138****5679"]

    def test_an_empty_number_keeps_it_and_changes_the_relation(self, personas, patient_medicine):
        family = patient_medicine.phones.get(owner="family")
        phone_correct(
            actor=personas["manager"], phone=family, raw_number="", owner="family", relation="儿子"
        )
        family.refresh_from_db()
        assert (family.number, family.relation) == ("+861062345678", "儿子")

    def test_a_retired_number_is_never_dialled_and_the_next_becomes_primary(
        self, personas, patient_medicine
    ):
        own = patient_medicine.phones.get(owner="self")
        phone_retire(actor=personas["manager"], phone=own, reason="患者已换号")
        own.refresh_from_db()
        assert (own.status, own.is_usable, own.is_primary) == ("retired", False, False)
        assert patient_medicine.phones.get(owner="family").is_primary
        entry = AuditEntry.objects.filter(target_id=str(own.pk), field="status").latest("pk")
        assert entry.changes["reason"] == "患者已换号"
        assert entry.changes["number"] == "138****5678"


class TestPreferences:
    def test_the_preferred_time_and_a_dialect_note_are_kept_and_audited(
        self, personas, patient_medicine
    ):
        patient_contact_preferences_set(
            actor=personas["agent"],
            patient=patient_medicine,
            preferred_time_start=time(19, 0),
            preferred_time_end=time(21, 0),
            preferred_time_note="下班后",
            language_note="粤语 / 听力不好",
            during_claimed_call=True,
        )
        patient_medicine.refresh_from_db()
        assert patient_medicine.language_note == "粤语 / 听力不好"
        entry = AuditEntry.objects.filter(action="update", patient_id=patient_medicine.pk).latest(
            "pk"
        )
        assert entry.changes["language_note"] == ["", "粤语 / 听力不好"]

    def test_an_end_before_the_start_is_refused(self, personas, patient_medicine):
        with pytest.raises(ApplicationError) as info:
            patient_contact_preferences_set(
                actor=personas["manager"],
                patient=patient_medicine,
                preferred_time_start=time(21, 0),
                preferred_time_end=time(19, 0),
            )
        assert info.value.code == "preferred_time_order"


class TestReplanning:
    def test_a_number_for_a_patient_waiting_on_the_no_phone_tab_opens_their_task(
        self, personas, django_capture_on_commit_callbacks
    ):
        discharge_plan()
        patient = PatientFactory()
        stay = make_stay(patient, date(2026, 11, 10))
        with frozen(date(2026, 11, 10)):
            generate(stay)
            assert FollowUpTask.objects.get().status == FollowUpTask.Status.NO_PHONE
            with django_capture_on_commit_callbacks(execute=True):
                phone = phone_create(
                    actor=personas["manager"], patient=patient, raw_number="13700001111"
                )
        task = FollowUpTask.objects.get()
        assert (task.status, task.phone_id) == (FollowUpTask.Status.PENDING, phone.pk)

    def test_retiring_the_only_number_sends_the_task_to_the_no_phone_tab(
        self, personas, django_capture_on_commit_callbacks
    ):
        discharge_plan()
        patient = PatientFactory()
        with frozen(date(2026, 11, 10)):
            with django_capture_on_commit_callbacks(execute=True):
                phone = phone_create(
                    actor=personas["manager"], patient=patient, raw_number="13700001111"
                )
            generate(make_stay(patient, date(2026, 11, 10)))
            assert FollowUpTask.objects.get().status == FollowUpTask.Status.PENDING
            with django_capture_on_commit_callbacks(execute=True):
                phone_retire(actor=personas["manager"], phone=phone, reason="停用")
        assert FollowUpTask.objects.get().status == FollowUpTask.Status.NO_PHONE
