"""The one contact rule: may this patient be contacted on this channel, for this purpose, now."""

from datetime import date

import pytest

from huifang.patients.contact import Purpose, Refusal, contact_decision
from huifang.testing.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_living_patient_with_a_number_may_be_called(patient_medicine):
    decision = contact_decision(
        patient=patient_medicine, channel="phone", purpose=Purpose.FOLLOW_UP
    )

    assert decision and decision.reason == ""


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


def test_an_opt_out_stops_that_channel_only(patient_medicine):
    patient_medicine.do_not_contact = ["sms"]

    assert contact_decision(patient=patient_medicine, channel="phone", purpose=Purpose.SURVEY)
    refused = contact_decision(patient=patient_medicine, channel="sms", purpose=Purpose.SURVEY)
    assert refused.reason == Refusal.OPTED_OUT
    assert "短信" in refused.message


def test_no_usable_number_stops_calls_and_texts_not_the_web(patient_medicine):
    patient_medicine.phones.update(status="invalid")

    call = contact_decision(patient=patient_medicine, channel="phone", purpose=Purpose.FOLLOW_UP)
    assert call.reason == Refusal.NO_USABLE_NUMBER
    assert "患者没有可用的电话号码" in call.message
    assert contact_decision(patient=patient_medicine, channel="web", purpose=Purpose.SURVEY)


def test_a_patient_with_no_number_at_all_is_refused_a_call():
    patient = PatientFactory()

    decision = contact_decision(patient=patient, channel="phone", purpose=Purpose.FOLLOW_UP)

    assert decision.reason == Refusal.NO_USABLE_NUMBER
