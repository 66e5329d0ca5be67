"""The patient list at /patients/: who may open it, whom they see, search, filters, cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huifang.patients.models import Encounter
from huifang.testing.factories import EncounterFactory, PatientFactory, PhoneFactory

URL = "/patients/"
HTMX = {"HX-Request": "true", "HX-Target": "patient-results"}
# Measured for an agent: 13 queries for a page of the list whatever the number
# of rows (session, user, 2 for permissions, 2 for the department scope, count,
# departments for the filter, the page, its phones, and 3 to save the session
# because SESSION_SAVE_EVERY_REQUEST); 14 with a department filter (its wards);
# 11 for hospital-wide roles (no scope to work out). Budget: measured + 2.
AGENT_BUDGET = 15
AGENT_FILTERED_BUDGET = 16
HOSPITAL_WIDE_BUDGET = 13

MEDICINE_STAFF = ["agent", "doctor", "head_medicine"]
HOSPITAL_WIDE = ["manager", "quality", "admin"]
MAY_VIEW_PATIENTS = [*MEDICINE_STAFF, "head_surgery", *HOSPITAL_WIDE]


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client, patient_medicine):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/patients/"


@pytest.mark.parametrize("username", MAY_VIEW_PATIENTS)
def test_it_opens_for_every_role_that_may_view_patients(client, login, username):
    user = login(username)
    assert user.has_perm("patients.view_patient")

    html = _page(client)

    assert 'data-testid="patient-table"' in html


def test_it_refuses_a_user_without_a_role(client, login, patient_medicine):
    login("nobody")

    response = client.get(URL)

    assert response.status_code == 403
    html = response.content.decode()
    assert "您的角色无权查看患者信息" in html
    assert "张三丰" not in html


@pytest.mark.parametrize("username", MEDICINE_STAFF)
def test_it_shows_medicine_staff_only_medicine_patients(
    client, login, username, patient_medicine, patient_surgery
):
    login(username)

    html = _page(client)

    assert "张三丰" in html
    assert "李秀英" not in html


def test_it_shows_the_surgery_head_only_surgery_patients(
    client, login, patient_medicine, patient_surgery
):
    login("head_surgery")

    html = _page(client)

    assert "李秀英" in html
    assert "张三丰" not in html


@pytest.mark.parametrize("username", HOSPITAL_WIDE)
def test_it_shows_hospital_wide_roles_every_patient(
    client, login, username, patient_medicine, patient_surgery
):
    login(username)

    html = _page(client)

    assert "张三丰" in html
    assert "李秀英" in html


def test_it_shows_phone_numbers_masked_only(client, login, patient_medicine, patient_surgery):
    login("manager")

    html = _page(client)

    assert "138****5678" in html
    assert "139****4321" in html
    for clear in ["13812345678", "8613812345678", "13987654321", "62345678", "63456789"]:
        assert clear not in html


@pytest.mark.parametrize(
    ("q", "found", "not_found"),
    [
        ("zsf", "张三丰", "李秀英"),
        ("ZSF", "张三丰", "李秀英"),
        ("zhangsanfeng", "张三丰", "李秀英"),
        ("zhang san", "张三丰", "李秀英"),
        ("三丰", "张三丰", "李秀英"),
        ("200001", "张三丰", "李秀英"),
        ("5678", "张三丰", "李秀英"),
        ("ZY200001", "张三丰", "李秀英"),
        ("lxy", "李秀英", "张三丰"),
        ("秀英", "李秀英", "张三丰"),
        ("4321", "李秀英", "张三丰"),
        ("ZY200002", "李秀英", "张三丰"),
    ],
)
def test_it_finds_a_patient_by_what_an_agent_types(
    client, login, patient_medicine, patient_surgery, q, found, not_found
):
    login("manager")

    html = _page(client, q=q)

    assert found in html
    assert not_found not in html


def test_it_searches_only_within_the_users_scope(client, login, patient_medicine, patient_surgery):
    login("agent")

    html = _page(client, q="lxy")

    assert "李秀英" not in html
    assert 'data-testid="patient-link"' not in html


def test_it_offers_only_departments_in_scope(client, login, departments):
    login("agent")

    html = _page(client)

    assert f'<option value="{departments["medicine"].pk}"' in html
    assert f'<option value="{departments["medicine_ward"].pk}"' in html
    assert f'<option value="{departments["surgery"].pk}"' not in html
    assert "外科" not in html


@pytest.mark.parametrize(
    ("department", "found", "not_found"),
    [
        ("medicine", "张三丰", "李秀英"),  # the patient was in a ward under 内科
        ("medicine_ward", "张三丰", "李秀英"),
        ("surgery", "李秀英", "张三丰"),
        ("surgery_ward", "李秀英", "张三丰"),
    ],
)
def test_it_filters_by_department_including_its_wards(
    client, login, departments, patient_medicine, patient_surgery, department, found, not_found
):
    login("manager")

    html = _page(client, department=departments[department].pk)

    assert found in html
    assert not_found not in html


def test_it_shows_everyone_in_scope_when_the_whole_campus_is_chosen(
    client, login, departments, patient_medicine, patient_surgery
):
    login("manager")

    html = _page(client, department=departments["campus"].pk)

    assert "张三丰" in html
    assert "李秀英" in html


def test_it_filters_by_encounter_kind(client, login, departments, patient_medicine):
    outpatient = PatientFactory(name="门诊甲")
    EncounterFactory(
        patient=outpatient,
        kind=Encounter.Kind.OUTPATIENT,
        department=departments["medicine_ward"],
        admitted_on=None,
        discharged_on=None,
        visit_on=datetime.date(2026, 11, 15),
    )
    login("agent")

    outpatients = _page(client, kind="outpatient")
    inpatients = _page(client, kind="inpatient")

    assert "门诊甲" in outpatients
    assert "张三丰" not in outpatients
    assert "张三丰" in inpatients
    assert "门诊甲" not in inpatients


def test_it_ignores_an_unknown_encounter_kind(client, login, patient_medicine):
    login("agent")

    html = _page(client, kind="bogus")

    assert "张三丰" in html


def test_it_filters_by_deceased(client, login, departments, patient_medicine):
    deceased = PatientFactory(name="故去者", deceased_on=datetime.date(2026, 11, 12))
    EncounterFactory(patient=deceased, department=departments["medicine_ward"])
    login("agent")

    only_deceased = _page(client, deceased="yes")
    only_living = _page(client, deceased="no")
    everyone = _page(client)

    assert "故去者" in only_deceased
    assert "张三丰" not in only_deceased
    assert "张三丰" in only_living
    assert "故去者" not in only_living
    assert "故去者" in everyone
    assert "张三丰" in everyone


def test_it_returns_only_the_results_to_an_htmx_search(client, login, patient_medicine):
    login("agent")

    response = client.get(URL, {"q": "zsf"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'name="q"' not in html  # the search form stays as it is on the page
    assert 'data-testid="patient-table"' in html
    assert "张三丰" in html
    assert "138****5678" in html


def test_it_returns_the_whole_page_to_an_htmx_request_for_another_target(
    client, login, patient_medicine
):
    login("agent")

    response = client.get(URL, headers={"HX-Request": "true", "HX-Target": "main"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_it_refuses_an_htmx_search_without_a_role_with_a_message(client, login, patient_medicine):
    login("nobody")

    response = client.get(URL, {"q": "zsf"}, headers=HTMX)

    assert response.status_code == 403
    html = response.content.decode()
    assert "<html" not in html
    assert "您的角色无权查看患者信息" in html


def test_it_pages_long_lists(client, login, departments):
    for index in range(30):
        patient = PatientFactory(name=f"病人{index:02d}")
        EncounterFactory(patient=patient, department=departments["medicine_ward"])
    login("agent")

    first = _page(client)
    second = _page(client, page=2)

    # Newest first: 25 on the first page, the 5 oldest on the second.
    assert first.count('data-testid="patient-link"') == 25
    assert second.count('data-testid="patient-link"') == 5
    assert "病人29" in first
    assert "病人04" not in first
    assert "病人04" in second
    assert "病人29" not in second


def _add_medicine_patients(count, ward):
    for _ in range(count):
        patient = PatientFactory()
        PhoneFactory(patient=patient)
        PhoneFactory(patient=patient, is_primary=False)
        EncounterFactory(patient=patient, department=ward)
        EncounterFactory(patient=patient, department=ward, kind=Encounter.Kind.OUTPATIENT)


def _count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("params", "budget"),
    [
        ({}, AGENT_BUDGET),
        ({"q": "zs"}, AGENT_BUDGET),
        ({"department": "medicine", "kind": "inpatient"}, AGENT_FILTERED_BUDGET),
    ],
)
def test_it_costs_the_same_few_queries_for_5_or_30_patients(
    client, login, departments, patient_medicine, params, budget, django_assert_max_num_queries
):
    if "department" in params:
        params = {**params, "department": departments[params["department"]].pk}
    login("agent")
    _add_medicine_patients(5, departments["medicine_ward"])
    few = _count_queries(client, params)
    _add_medicine_patients(25, departments["medicine_ward"])
    many = _count_queries(client, params)

    assert few == many
    with django_assert_max_num_queries(budget):
        client.get(URL, params)


def test_it_costs_the_same_for_hospital_wide_roles(
    client, login, departments, django_assert_max_num_queries
):
    login("manager")
    _add_medicine_patients(5, departments["medicine_ward"])
    few = _count_queries(client, {})
    _add_medicine_patients(25, departments["surgery_ward"])
    many = _count_queries(client, {})

    assert few == many
    with django_assert_max_num_queries(HOSPITAL_WIDE_BUDGET):
        client.get(URL)
