"""A patient's page, and revealing a phone or ID number from it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huifang.core.models import AuditEntry
from huifang.patients.models import Patient
from huifang.patients.services import patient_update
from huifang.testing.factories import DiagnosisFactory, EncounterFactory, PhoneFactory

# Measured for an agent: 16 queries for the page whatever the number of phones,
# encounters and diagnoses (session, user, 2 for permissions, 2 for the
# department scope, the patient, the audit entry, phones, encounters and their
# diagnoses, procedures and findings, 3 to save the session), and 6 for the
# follow-up record (tasks, passed touchpoints, calls, messages, answers,
# cases: test_views_patient_timeline.py). Budget: + 2.
QUERY_BUDGET = 24
ID_NUMBER = "11010519491231002X"
ID_MASKED = "110***********002X"
HTMX = {"HX-Request": "true", "HX-Target": "phone-1"}

# (persona, patient fixture, status): every persona against both patients.
ACCESS = [
    ("agent", "patient_medicine", 200),
    ("agent", "patient_surgery", 404),
    ("doctor", "patient_medicine", 200),
    ("doctor", "patient_surgery", 404),
    ("head_medicine", "patient_medicine", 200),
    ("head_medicine", "patient_surgery", 404),
    ("head_surgery", "patient_medicine", 404),
    ("head_surgery", "patient_surgery", 200),
    ("manager", "patient_medicine", 200),
    ("manager", "patient_surgery", 200),
    ("quality", "patient_medicine", 200),
    ("quality", "patient_surgery", 200),
    ("admin", "patient_medicine", 200),
    ("admin", "patient_surgery", 200),
    ("nobody", "patient_medicine", 403),
    ("nobody", "patient_surgery", 403),
]
MAY_REVEAL_PHONE_OF_MEDICINE = ["agent", "doctor", "head_medicine", "manager", "admin"]


def _url(patient):
    return f"/patients/{patient.uuid}/"


def _phone_url(patient, phone):
    return f"/patients/{patient.uuid}/phones/{phone.pk}/reveal/"


def _id_url(patient):
    return f"/patients/{patient.uuid}/id-number/reveal/"


def _mobile(patient):
    return patient.phones.get(owner="self")


def _landline(patient):
    return patient.phones.get(owner="family")


@pytest.fixture
def with_id_number(patient_medicine):
    return patient_update(actor=None, patient=patient_medicine, id_number=ID_NUMBER)


def test_it_sends_anonymous_visitors_to_the_login_page(client, patient_medicine):
    response = client.get(_url(patient_medicine))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not AuditEntry.objects.filter(action="view").exists()


@pytest.mark.parametrize(("username", "which", "status"), ACCESS)
def test_it_opens_a_patient_only_within_scope(client, login, request, username, which, status):
    patient = request.getfixturevalue(which)
    login(username)

    response = client.get(_url(patient))

    assert response.status_code == status
    html = response.content.decode()
    if status == 200:
        assert f'data-testid="patient-name">{patient.name}<' in html
    else:
        assert patient.name not in html
        assert patient.record_number not in html


def test_it_says_why_a_patient_cannot_be_opened(client, login, patient_surgery):
    login("agent")

    response = client.get(_url(patient_surgery))

    assert response.status_code == 404
    assert "找不到该患者，或您无权查看" in response.content.decode()


def test_it_writes_one_view_entry_to_the_audit_log(client, login, patient_medicine):
    user = login("agent")

    client.get(_url(patient_medicine))

    entry = AuditEntry.objects.get(action="view")
    assert entry.patient_id == patient_medicine.pk
    assert entry.actor == user
    assert entry.target_id == str(patient_medicine.pk)
    assert entry.via == "web"


def test_it_writes_an_entry_for_every_opening(client, login, patient_medicine):
    login("agent")

    client.get(_url(patient_medicine))
    client.get(_url(patient_medicine))

    assert AuditEntry.objects.filter(action="view", patient_id=patient_medicine.pk).count() == 2


@pytest.mark.parametrize(
    ("username", "which"), [("agent", "patient_surgery"), ("nobody", "patient_medicine")]
)
def test_it_writes_no_view_entry_when_refused(client, login, request, username, which):
    patient = request.getfixturevalue(which)
    login(username)

    client.get(_url(patient))

    assert not AuditEntry.objects.filter(action="view").exists()


def test_it_shows_masked_phones_and_the_diagnoses(client, login, patient_medicine):
    login("agent")

    html = client.get(_url(patient_medicine)).content.decode()

    assert "138****5678" in html
    assert "010****5678" in html
    assert "配偶" in html
    assert "原发性高血压" in html
    assert "心血管内科病区" in html
    for clear in ["13812345678", "8613812345678", "62345678"]:
        assert clear not in html


def test_it_lists_the_whole_history_of_a_visible_patient(
    client, login, departments, patient_medicine
):
    earlier = EncounterFactory(patient=patient_medicine, department=departments["surgery_ward"])
    DiagnosisFactory(encounter=earlier, code="K35.8", name="急性阑尾炎")
    login("agent")

    html = client.get(_url(patient_medicine)).content.decode()

    assert "急性阑尾炎" in html
    assert "普外科病区" in html


@pytest.mark.parametrize(
    ("username", "shown"), [("agent", True), ("manager", True), ("quality", False)]
)
def test_it_offers_the_reveal_button_only_to_roles_that_may_reveal(
    client, login, patient_medicine, username, shown
):
    login(username)

    html = client.get(_url(patient_medicine)).content.decode()

    assert ('data-testid="reveal-phone"' in html) is shown


def test_it_reveals_a_phone_only_by_post(client, login, patient_medicine):
    login("agent")

    response = client.get(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.mark.parametrize("username", MAY_REVEAL_PHONE_OF_MEDICINE)
def test_it_reveals_the_full_number_with_a_dial_link(client, login, patient_medicine, username):
    user = login(username)
    phone = _mobile(patient_medicine)

    response = client.post(_phone_url(patient_medicine, phone), headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "138 1234 5678" in html
    assert 'href="tel:13812345678"' in html
    assert "<html" not in html
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == user
    assert entry.field == "number"
    assert entry.patient_id == patient_medicine.pk
    assert entry.target_id == str(phone.pk)


def test_it_reveals_a_landline_for_dialling_with_its_area_code(client, login, patient_medicine):
    login("agent")

    response = client.post(_phone_url(patient_medicine, _landline(patient_medicine)))

    assert response.status_code == 200
    html = response.content.decode()
    assert "010 6234 5678" in html
    assert 'href="tel:01062345678"' in html


def test_it_keeps_the_revealed_number_out_of_the_audit_log(client, login, patient_medicine):
    login("agent")

    client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    entry = AuditEntry.objects.get(action="reveal")
    assert entry.target_repr == "张三丰 138****5678"
    assert "12345678" not in str(entry.changes)


def test_it_refuses_to_reveal_a_phone_to_the_quality_office(client, login, patient_medicine):
    login("quality")

    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 403
    html = response.content.decode()
    assert "您的角色无权查看完整电话号码" in html
    assert "13812345678" not in html
    assert "138 1234 5678" not in html
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_the_quality_office_with_a_fragment_for_the_button(
    client, login, patient_medicine
):
    login("quality")

    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)), headers=HTMX)

    assert response.status_code == 403
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-error-code="permission_denied"' in html
    assert "您的角色无权查看完整电话号码" in html


def test_it_refuses_to_reveal_a_phone_of_a_patient_out_of_scope(client, login, patient_medicine):
    login("head_surgery")

    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 404
    assert "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_a_phone_of_another_patient_under_a_visible_patients_address(
    client, login, patient_medicine, patient_surgery
):
    login("agent")

    response = client.post(_phone_url(patient_medicine, _mobile(patient_surgery)))

    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到该电话号码" in html
    assert "13987654321" not in html
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_to_reveal_a_phone_to_a_user_without_a_role(client, login, patient_medicine):
    login("nobody")

    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_a_reveal_without_the_csrf_token(personas, patient_medicine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["agent"])

    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_sends_an_anonymous_reveal_to_the_login_page(client, patient_medicine):
    response = client.post(_phone_url(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.mark.parametrize("username", ["agent", "manager", "admin"])
def test_it_shows_the_id_number_masked(client, login, with_id_number, username):
    login(username)

    html = client.get(_url(with_id_number)).content.decode()

    assert ID_MASKED in html
    assert ID_NUMBER not in html
    assert "19491231" not in html


@pytest.mark.parametrize(
    ("username", "shown"),
    [("manager", True), ("admin", True), ("agent", False), ("quality", False)],
)
def test_it_offers_to_reveal_the_id_number_only_to_roles_that_may(
    client, login, with_id_number, username, shown
):
    login(username)

    html = client.get(_url(with_id_number)).content.decode()

    assert (_id_url(with_id_number) in html) is shown


@pytest.mark.parametrize("username", ["manager", "admin"])
def test_it_reveals_the_id_number_to_managers_and_administrators(
    client, login, with_id_number, username
):
    user = login(username)

    response = client.post(_id_url(with_id_number))

    assert response.status_code == 200
    assert f'data-testid="revealed-id">{ID_NUMBER}<' in response.content.decode()
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == user
    assert entry.field == "id_number"
    assert entry.patient_id == with_id_number.pk
    assert ID_NUMBER not in entry.target_repr
    assert ID_MASKED in entry.target_repr


@pytest.mark.parametrize("username", ["agent", "doctor", "head_medicine", "quality"])
def test_it_refuses_to_reveal_the_id_number_to_other_roles(client, login, with_id_number, username):
    login(username)

    response = client.post(_id_url(with_id_number))

    assert response.status_code == 403
    html = response.content.decode()
    assert "您的角色无权查看身份证号" in html
    assert ID_NUMBER not in html
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_reveals_the_id_number_only_by_post(client, login, with_id_number):
    login("manager")

    response = client.get(_id_url(with_id_number))

    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_to_reveal_the_id_number_of_an_unknown_patient(client, login, patient_surgery):
    patient_update(actor=None, patient=patient_surgery, id_number=ID_NUMBER)
    login("head_medicine")

    response = client.post(_id_url(patient_surgery))

    assert response.status_code == 404
    assert ID_NUMBER not in response.content.decode()


def test_it_stores_the_id_number_encrypted(with_id_number):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_hash FROM patients_patient WHERE id = %s",
            [with_id_number.pk],
        )
        raw, lookup = cursor.fetchone()

    assert raw  # something is stored …
    assert ID_NUMBER not in raw  # … but not the number itself
    assert "19491231" not in raw
    assert ID_NUMBER not in lookup
    assert Patient.objects.get(pk=with_id_number.pk).id_number == ID_NUMBER


def test_it_keeps_the_id_number_out_of_the_audit_log_when_it_changes(with_id_number):
    entry = AuditEntry.objects.get(action="update", patient_id=with_id_number.pk)

    assert entry.changes["id_number"] == ["***", "***"]
    assert ID_NUMBER not in str(entry.changes)


def _add_history(patient, ward, count):
    for _ in range(count):
        encounter = EncounterFactory(patient=patient, department=ward)
        DiagnosisFactory(encounter=encounter)
        DiagnosisFactory(encounter=encounter, code="E11.9", name="2型糖尿病")
        PhoneFactory(patient=patient, is_primary=False)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_it_costs_the_same_few_queries_for_a_long_history(
    client, login, departments, patient_medicine, django_assert_max_num_queries
):
    login("agent")
    url = _url(patient_medicine)
    short = _count_queries(client, url)
    _add_history(patient_medicine, departments["medicine_ward"], 10)
    long = _count_queries(client, url)

    assert short == long
    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(url)
