"""The one contact rule: may this patient be contacted on this channel, for this purpose, now."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.patients.contact import Purpose, Refusal, contact_decision, contact_refusal
from huifang.patients.models import Patient, PhoneNumber
from huifang.testing.factories import PatientFactory


@pytest.mark.django_db
def test_a_living_patient_with_a_number_may_be_called(patient_medicine):
    decision = contact_decision(
        patient=patient_medicine, channel="phone", purpose=Purpose.FOLLOW_UP
    )

    assert decision and decision.reason == ""


@pytest.mark.django_db
def test_a_deceased_patient_gets_no_follow_up_but_one_condolence(patient_medicine):
    patient_medicine.deceased_on = date(2026, 11, 12)

    follow_up = contact_decision(
        patient=patient_medicine, channel="phone", purpose=Purpose.FOLLOW_UP
    )
    condolence = contact_decision(
        patient=patient_medicine, channel="sms", purpose=Purpose.CONDOLENCE
    )

    assert (bool(follow_up), follow_up.reason) == (False, Refusal.DECEASED)
    assert "2026-11-12" in follow_up.message
    assert condolence


@pytest.mark.django_db
def test_an_opt_out_stops_that_channel_only(patient_medicine):
    patient_medicine.do_not_contact = ["sms"]

    assert contact_decision(patient=patient_medicine, channel="phone", purpose=Purpose.SURVEY)
    refused = contact_decision(patient=patient_medicine, channel="sms", purpose=Purpose.SURVEY)
    assert refused.reason == Refusal.OPTED_OUT
    assert "短信" in refused.message


@pytest.mark.django_db
def test_no_usable_number_stops_calls_and_texts_not_the_web(patient_medicine):
    patient_medicine.phones.update(status="invalid")

    call = contact_decision(patient=patient_medicine, channel="phone", purpose=Purpose.FOLLOW_UP)
    assert call.reason == Refusal.NO_USABLE_NUMBER
    assert "患者没有可用的电话号码" in call.message
    assert contact_decision(patient=patient_medicine, channel="web", purpose=Purpose.SURVEY)


@pytest.mark.django_db
def test_a_patient_with_no_number_at_all_is_refused_a_call():
    patient = PatientFactory()

    decision = contact_decision(patient=patient, channel="phone", purpose=Purpose.FOLLOW_UP)

    assert decision.reason == Refusal.NO_USABLE_NUMBER


@given(
    deceased=st.booleans(),
    refused=st.sets(st.sampled_from(["phone", "sms", "email", "web"])),
    statuses=st.lists(st.sampled_from(["valid", "invalid", "suspended", "unknown"]), max_size=3),
    channel=st.sampled_from(["phone", "sms", "email", "web"]),
    purpose=st.sampled_from(list(Purpose.values)),
)
def test_the_rule_in_one_sentence(deceased, refused, statuses, channel, purpose):
    """Allowed exactly when alive (or a condolence), not refused on the channel, and a
    call or text has a usable number; refusals come in that order."""
    patient = Patient(
        name="某", deceased_on=date(2026, 11, 1) if deceased else None, do_not_contact=list(refused)
    )
    phones = [PhoneNumber(number="+8613800000000", status=status) for status in statuses]

    decision = contact_decision(
        patient=patient, channel=channel, purpose=purpose, on=date(2026, 11, 13), phones=phones
    )

    usable = any(status in ("valid", "unknown") for status in statuses)
    if deceased and purpose != Purpose.CONDOLENCE:
        assert decision.reason == Refusal.DECEASED
    elif channel in refused:
        assert decision.reason == Refusal.OPTED_OUT
    elif channel in ("phone", "sms") and not usable:
        assert decision.reason == Refusal.NO_USABLE_NUMBER
    else:
        assert decision and decision.message == ""
    assert bool(decision) == (decision.reason == "")


@pytest.mark.django_db
def test_the_patients_own_stop_leaves_the_route_to_the_sender(patient_medicine):
    # Senders that pick their own number or address ask only the patient's stop.
    patient_medicine.phones.update(status="invalid")
    assert contact_refusal(patient=patient_medicine, channel="sms") == ""

    patient_medicine.do_not_contact = ["email"]
    assert contact_refusal(patient=patient_medicine, channel="email") == Refusal.OPTED_OUT

    patient_medicine.deceased_on = date(2026, 11, 12)
    assert contact_refusal(patient=patient_medicine, channel="sms") == Refusal.DECEASED
    assert (
        contact_refusal(patient=patient_medicine, channel="sms", purpose=Purpose.CONDOLENCE) == ""
    )
