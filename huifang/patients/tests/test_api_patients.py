"""/api/v1/patients: the same scope and masking as the pages, for other systems."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huifang.accounts.services import api_token_create
from huifang.core.models import AuditEntry
from huifang.patients.models import Encounter
from huifang.patients.services import patient_update
from huifang.testing.factories import (
    DiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    PhoneFactory,
)

LIST = "/api/v1/patients"
# Measured for an agent: 12 queries for a page of results whatever the number
# of rows with a session (session, user, 2 for permissions, 2 for the
# department scope, count, the page, its phones, 3 to save the session), 8 with
# a bearer token (the token and its user in one, no session). Budget: + 2.
SESSION_BUDGET = 14
TOKEN_BUDGET = 10
# Measured with a session: 12 for one patient (it writes the audit entry) and 14
# for their encounters, whatever the number of phones, encounters, diagnoses.
DETAIL_BUDGET = 14
ENCOUNTERS_BUDGET = 16

MEDICINE_STAFF = ["agent", "doctor", "head_medicine"]
HOSPITAL_WIDE = ["manager", "quality", "admin"]


def _detail(patient):
    return f"{LIST}/{patient.uuid}"


def _reveal(patient, phone):
    return f"{LIST}/{patient.uuid}/phones/{phone.pk}/reveal"


def _mobile(patient):
    return patient.phones.get(owner="self")


def _names(response):
    assert response.status_code == 200
    return {item["name"] for item in response.json()["results"]}


def _bearer(user, name="测试对接"):
    _, clear = api_token_create(user=user, name=name)
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/patients"),
        ("get", "/api/v1/patients/{uuid}"),
        ("get", "/api/v1/patients/{uuid}/encounters"),
        ("post", "/api/v1/patients/{uuid}/phones/{phone}/reveal"),
    ],
)
def test_it_refuses_every_patient_endpoint_without_credentials(
    client, patient_medicine, method, path
):
    url = path.format(uuid=patient_medicine.uuid, phone=_mobile(patient_medicine).pk)

    response = getattr(client, method)(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action__in=["view", "reveal"]).exists()


def test_it_lists_patients_to_a_signed_in_session(client, login, patient_medicine):
    login("agent")

    assert _names(client.get(LIST)) == {"张三丰"}


def test_it_lists_patients_to_a_bearer_token(client, personas, patient_medicine):
    assert _names(client.get(LIST, headers=_bearer(personas["agent"]))) == {"张三丰"}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        *[(u, {"张三丰"}) for u in MEDICINE_STAFF],
        ("head_surgery", {"李秀英"}),
        *[(u, {"张三丰", "李秀英"}) for u in HOSPITAL_WIDE],
    ],
)
def test_it_scopes_the_list_like_the_page(
    client, login, patient_medicine, patient_surgery, username, expected
):
    login(username)

    response = client.get(LIST)

    assert _names(response) == expected
    assert response.json()["count"] == len(expected)


def test_it_refuses_the_list_to_a_user_without_a_role(client, login, patient_medicine):
    login("nobody")

    response = client.get(LIST)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"] == "您的角色无权查看患者信息"


def test_it_shows_only_masked_phones_in_the_list(client, login, patient_medicine, patient_surgery):
    login("manager")

    response = client.get(LIST)

    by_name = {item["name"]: item for item in response.json()["results"]}
    assert [p["masked"] for p in by_name["张三丰"]["phones"]] == ["138****5678", "010****5678"]
    assert [p["masked"] for p in by_name["李秀英"]["phones"]] == ["139****4321", "021****6789"]
    body = response.content.decode()
    for clear in ["13812345678", "62345678", "13987654321", "63456789"]:
        assert clear not in body


def test_it_lists_the_last_encounter_of_each_patient(client, login, patient_medicine):
    login("agent")

    (item,) = client.get(LIST).json()["results"]

    assert item["last_encounter_date"] == "2026-11-10"
    assert item["last_department"] == "心血管内科病区"


@pytest.mark.parametrize(
    ("q", "expected"),
    [("zsf", {"张三丰"}), ("lxy", {"李秀英"}), ("5678", {"张三丰"}), ("ZY200002", {"李秀英"})],
)
def test_it_searches_like_the_page(client, login, patient_medicine, patient_surgery, q, expected):
    login("manager")

    assert _names(client.get(LIST, {"q": q})) == expected


def test_it_filters_by_department_and_kind(
    client, login, departments, patient_medicine, patient_surgery
):
    visitor = PatientFactory(name="门诊乙")
    EncounterFactory(
        patient=visitor,
        kind=Encounter.Kind.OUTPATIENT,
        department=departments["medicine_ward"],
        discharged_on=None,
        visit_on=datetime.date(2026, 11, 20),
    )
    login("manager")

    medicine = _names(client.get(LIST, {"department": departments["medicine"].pk}))
    outpatients = _names(client.get(LIST, {"kind": "outpatient"}))

    assert medicine == {"张三丰", "门诊乙"}
    assert outpatients == {"门诊乙"}


def test_it_rejects_an_unknown_encounter_kind(client, login, patient_medicine):
    login("agent")

    response = client.get(LIST, {"kind": "spa_visit"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_kind"
    assert "inpatient" in body["details"]["allowed"]


def test_it_pages_the_list(client, login, departments):
    for index in range(55):
        patient = PatientFactory(name=f"病人{index:02d}")
        EncounterFactory(patient=patient, department=departments["medicine_ward"])
    login("agent")

    first = client.get(LIST).json()
    second = client.get(LIST, {"page": 2}).json()

    assert (first["count"], first["pages"], first["page"]) == (55, 2, 1)
    assert len(first["results"]) == 50
    assert len(second["results"]) == 5
    assert second["results"][-1]["name"] == "病人00"


@pytest.mark.parametrize(
    ("username", "which", "status"),
    [
        ("agent", "patient_medicine", 200),
        ("agent", "patient_surgery", 404),
        ("head_surgery", "patient_medicine", 404),
        ("head_surgery", "patient_surgery", 200),
        ("quality", "patient_surgery", 200),
        ("nobody", "patient_medicine", 403),
    ],
)
def test_it_opens_a_patient_only_within_scope(client, login, request, username, which, status):
    patient = request.getfixturevalue(which)
    login(username)

    response = client.get(_detail(patient))

    assert response.status_code == status
    if status == 200:
        assert response.json()["name"] == patient.name
    else:
        assert patient.name not in response.content.decode()


def test_it_answers_not_found_for_a_patient_out_of_scope(client, login, patient_surgery):
    login("agent")

    response = client.get(_detail(patient_surgery))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not AuditEntry.objects.filter(action="view").exists()


def test_it_answers_not_found_for_an_unknown_patient(client, login):
    login("agent")

    response = client.get(f"{LIST}/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_records_opening_a_patient_as_a_view_via_the_api(client, personas, patient_medicine):
    client.get(_detail(patient_medicine), headers=_bearer(personas["agent"]))

    entry = AuditEntry.objects.get(action="view")
    assert entry.actor == personas["agent"]
    assert entry.patient_id == patient_medicine.pk
    assert entry.via == "api"
    assert entry.changes == {"via": "api"}


def test_it_shows_the_id_number_masked_in_the_detail(client, login, patient_medicine):
    patient_update(actor=None, patient=patient_medicine, id_number="11010519491231002X")
    login("manager")

    response = client.get(_detail(patient_medicine))

    assert response.json()["id_number_masked"] == "110***********002X"
    assert "11010519491231002X" not in response.content.decode()
    assert "13812345678" not in response.content.decode()


def test_it_shows_the_last_encounter_in_the_detail_as_in_the_list(client, login, patient_medicine):
    login("agent")

    item = client.get(_detail(patient_medicine)).json()

    assert item["last_encounter_date"] == "2026-11-10"
    assert item["last_department"] == "心血管内科病区"


def test_it_lists_a_patients_encounters_with_diagnoses(client, login, patient_medicine):
    login("agent")

    response = client.get(f"{_detail(patient_medicine)}/encounters")

    assert response.status_code == 200
    (encounter,) = response.json()
    assert encounter["number"] == "ZY200001"
    assert encounter["department_code"] == "MED-W1"
    assert [d["name"] for d in encounter["diagnoses"]] == ["原发性高血压"]


def test_it_refuses_the_encounters_of_a_patient_out_of_scope(client, login, patient_surgery):
    login("agent")

    response = client.get(f"{_detail(patient_surgery)}/encounters")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_reveals_a_phone_to_a_bearer_token_and_audits_it(client, personas, patient_medicine):
    phone = _mobile(patient_medicine)

    response = client.post(_reveal(patient_medicine, phone), headers=_bearer(personas["agent"]))

    assert response.status_code == 200
    assert response.json() == {"number": "+8613812345678"}
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == personas["agent"]
    assert entry.field == "number"
    assert entry.patient_id == patient_medicine.pk
    assert entry.via == "api"


def test_it_needs_no_csrf_token_with_a_bearer_token(personas, patient_medicine):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _reveal(patient_medicine, _mobile(patient_medicine)), headers=_bearer(personas["agent"])
    )

    assert response.status_code == 200


def test_it_refuses_to_reveal_a_phone_to_the_quality_office(client, personas, patient_medicine):
    response = client.post(
        _reveal(patient_medicine, _mobile(patient_medicine)), headers=_bearer(personas["quality"])
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_to_reveal_a_phone_out_of_scope(client, personas, patient_medicine):
    response = client.post(
        _reveal(patient_medicine, _mobile(patient_medicine)),
        headers=_bearer(personas["head_surgery"]),
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_refuses_a_phone_of_another_patient(client, personas, patient_medicine, patient_surgery):
    response = client.post(
        _reveal(patient_medicine, _mobile(patient_surgery)), headers=_bearer(personas["agent"])
    )

    assert response.status_code == 404
    assert "13987654321" not in response.content.decode()


def test_it_reveals_only_by_post(client, personas, patient_medicine):
    response = client.get(
        _reveal(patient_medicine, _mobile(patient_medicine)), headers=_bearer(personas["agent"])
    )

    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.fixture
def csrf_client(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["agent"])
    return client


def test_it_refuses_a_session_post_without_a_csrf_token(csrf_client, patient_medicine):
    response = csrf_client.post(_reveal(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_it_accepts_a_session_post_with_the_csrf_token(csrf_client, patient_medicine):
    csrf_client.get("/patients/")  # the page sets the CSRF cookie, as in the browser
    token = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(
        _reveal(patient_medicine, _mobile(patient_medicine)), headers={"X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert response.json() == {"number": "+8613812345678"}


def test_it_accepts_a_session_get_without_a_csrf_token(csrf_client, patient_medicine):
    assert _names(csrf_client.get(LIST)) == {"张三丰"}


def test_it_refuses_a_missing_csrf_token_with_an_error_object(csrf_client, patient_medicine):
    response = csrf_client.post(_reveal(patient_medicine, _mobile(patient_medicine)))

    assert response.status_code == 403
    assert set(json.loads(response.content)) == {"code", "message", "details"}


def _add_medicine_patients(count, ward):
    for _ in range(count):
        patient = PatientFactory()
        PhoneFactory(patient=patient)
        PhoneFactory(patient=patient, is_primary=False)
        EncounterFactory(patient=patient, department=ward)


def _count_queries(client, headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("auth", "budget"), [("session", SESSION_BUDGET), ("token", TOKEN_BUDGET)])
def test_it_costs_the_same_few_queries_for_5_or_30_patients(
    client, personas, departments, auth, budget, django_assert_max_num_queries
):
    if auth == "session":
        client.force_login(personas["agent"])
        headers = {}
    else:
        headers = _bearer(personas["agent"])
        client.get(LIST, headers=headers)  # the first use also notes when it was used
    _add_medicine_patients(5, departments["medicine_ward"])
    few = _count_queries(client, headers)
    _add_medicine_patients(25, departments["medicine_ward"])
    many = _count_queries(client, headers)

    assert few == many
    with django_assert_max_num_queries(budget):
        client.get(LIST, headers=headers)


@pytest.mark.parametrize(
    ("suffix", "budget"), [("", DETAIL_BUDGET), ("/encounters", ENCOUNTERS_BUDGET)]
)
def test_it_costs_the_same_for_one_patient_whatever_their_history(
    client, login, departments, patient_medicine, suffix, budget, django_assert_max_num_queries
):
    login("agent")
    url = _detail(patient_medicine) + suffix
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for _ in range(10):
        encounter = EncounterFactory(
            patient=patient_medicine, department=departments["medicine_ward"]
        )
        DiagnosisFactory(encounter=encounter)
        DiagnosisFactory(encounter=encounter, code="E11.9", name="2型糖尿病")
        PhoneFactory(patient=patient_medicine, is_primary=False)
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)

    assert response.status_code == 200
    assert len(short) == len(long)
    with django_assert_max_num_queries(budget):
        client.get(url)


def test_it_answers_a_malformed_query_with_the_error_object(client, login):
    login("manager")
    response = client.get("/api/v1/patients?page=abc")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["details"]["errors"]
