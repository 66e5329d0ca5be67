"""/api/v1/cases: complaints, suggestions and praise for other systems, scoped like the pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huifang.accounts.services import api_token_create
from huifang.feedback.models import Case

CASES = "/api/v1/cases"
# Measured with a department head's token: 7 queries whatever the page size
# (token and user, permissions, department scope, count, the page with its
# patients and departments joined). Budget: + 2.
CASES_BUDGET = 9


def bearer(user):
    _, clear = api_token_create(user=user, name="集成测试")
    return {"Authorization": f"Bearer {clear}"}


def make_case(department, patient=None, **fields):
    defaults = {
        "kind": Case.Kind.COMPLAINT,
        "source": "agent",
        "category": "attitude",
        "status": "with_department",
        "description": "夜班护士说话很冲，家属电话13812345678",
    }
    return Case.objects.create(department=department, patient=patient, **{**defaults, **fields})


@pytest.fixture
def cases(departments, patient_medicine, patient_surgery):
    return {
        "medicine": make_case(
            departments["medicine_ward"],
            patient_medicine,
            deadline_at=timezone.now() - datetime.timedelta(days=1),
        ),
        "surgery": make_case(departments["surgery_ward"], patient_surgery, category="food"),
        "closed": make_case(
            departments["medicine"], kind=Case.Kind.SUGGESTION, status="closed", category="food"
        ),
    }


def uuids(response):
    assert response.status_code == 200, response.content
    return {item["uuid"] for item in response.json()["results"]}


def test_a_department_head_sees_only_its_department(client, personas, cases):
    medicine = {str(cases["medicine"].uuid), str(cases["closed"].uuid)}
    assert uuids(client.get(CASES, headers=bearer(personas["head_medicine"]))) == medicine
    assert uuids(client.get(CASES, headers=bearer(personas["head_surgery"]))) == {
        str(cases["surgery"].uuid)
    }
    assert len(uuids(client.get(CASES, headers=bearer(personas["quality"])))) == 3
    denied = client.get(
        f"{CASES}/{cases['surgery'].uuid}", headers=bearer(personas["head_medicine"])
    )
    assert denied.status_code == 404


@pytest.mark.parametrize("persona", ["nobody"])
def test_a_role_without_cases_may_not_list_them(client, personas, cases, persona):
    response = client.get(CASES, headers=bearer(personas[persona]))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_it_refuses_without_a_token(client):
    assert client.get(CASES).status_code == 401


def test_a_case_masks_numbers_and_says_it_is_overdue(client, personas, cases):
    body = client.get(
        f"{CASES}/{cases['medicine'].uuid}", headers=bearer(personas["manager"])
    ).json()
    assert "13812345678" not in body["description"]
    assert "138****5678" in body["description"]
    assert body["overdue"] is True
    assert body["department_code"] == "MED-W1"


def test_it_filters_by_status_and_kind(client, personas, cases):
    headers = bearer(personas["manager"])
    assert uuids(client.get(CASES, {"status": "open"}, headers=headers)) == {
        str(cases["medicine"].uuid),
        str(cases["surgery"].uuid),
    }
    assert uuids(client.get(CASES, {"kind": "suggestion"}, headers=headers)) == {
        str(cases["closed"].uuid)
    }
    wrong = client.get(CASES, {"status": "someday"}, headers=headers)
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_status")


def test_a_page_costs_the_same_queries_for_5_or_40_cases(
    client, personas, departments, patient_medicine, django_assert_max_num_queries
):
    headers = bearer(personas["head_medicine"])
    client.get(CASES, headers=headers)
    for _ in range(5):
        make_case(departments["medicine_ward"], patient_medicine)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CASES, {"page_size": 100}, headers=headers).json()["count"] == 5
    for _ in range(35):
        make_case(departments["medicine_ward"], patient_medicine)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(CASES, {"page_size": 100}, headers=headers).json()["results"]) == 40
    assert len(few) == len(many)
    with django_assert_max_num_queries(CASES_BUDGET):
        client.get(CASES, {"page_size": 100}, headers=headers)
