"""/api/v1/tasks and /api/v1/attempts: tasks and calls for other systems, scoped like the pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huifang.accounts.services import api_token_create
from huifang.followups import slots
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.reports.tests import conftest as report_data
from huifang.testing.factories import make_task, make_touchpoint

# The reports' hand-worked November: tasks t1–t6 in medicine and surgery.
month = report_data.month
attempt = report_data.attempt

TASKS = "/api/v1/tasks"
ATTEMPTS = "/api/v1/attempts"
# Measured with a department head's bearer token: 7 queries whatever the page
# size (the token and its user, permissions, the department scope, the count,
# the page with its patients, encounters, departments, plans, touchpoints,
# phones and people joined). Budget: + 2.
TASKS_BUDGET = 9
ATTEMPTS_BUDGET = 9

MAY_SEE_TASKS = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin"]


def bearer(user):
    _, clear = api_token_create(user=user, name="集成测试")
    return {"Authorization": f"Bearer {clear}"}


def uuids(response):
    assert response.status_code == 200, response.content
    return {item["uuid"] for item in response.json()["results"]}


@pytest.mark.django_db
def test_it_refuses_without_a_token(client):
    for url in (TASKS, ATTEMPTS):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_a_role_without_tasks_may_not_list_them(client, personas, month):
    headers = bearer(personas["nobody"])
    for url in (TASKS, ATTEMPTS):
        response = client.get(url, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_a_department_head_sees_only_its_department(client, personas, month):
    medicine = {str(month[name].uuid) for name in ("t1", "t2", "t5", "t6")}
    surgery = {str(month[name].uuid) for name in ("t3", "t4")}
    assert uuids(client.get(TASKS, headers=bearer(personas["head_medicine"]))) == medicine
    assert uuids(client.get(TASKS, headers=bearer(personas["head_surgery"]))) == surgery
    assert uuids(client.get(TASKS, headers=bearer(personas["manager"]))) == medicine | surgery
    # Outside the scope is not found, as for patients.
    other = client.get(f"{TASKS}/{month['t3'].uuid}", headers=bearer(personas["head_medicine"]))
    assert other.status_code == 404


@pytest.mark.parametrize("persona", MAY_SEE_TASKS)
def test_every_role_that_sees_tasks_may_read_one_in_scope(client, personas, month, persona):
    task = month["t1"] if persona != "head_surgery" else month["t4"]
    response = client.get(f"{TASKS}/{task.uuid}", headers=bearer(personas[persona]))
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(task.uuid)
    assert body["plan"] == "test-plan"


def test_a_task_shows_the_phone_masked(client, personas, month):
    body = client.get(f"{TASKS}/{month['t1'].uuid}", headers=bearer(personas["manager"])).json()
    assert body["phone_masked"] == "138****5678"
    assert "13812345678" not in str(body)
    assert body["department_code"] == "MED-W1"
    assert body["encounter_number"] == "ZY200001"


def test_it_filters_tasks_by_status_and_due_dates(client, personas, month):
    headers = bearer(personas["manager"])
    no_phone = client.get(TASKS, {"status": "no_phone"}, headers=headers)
    assert uuids(no_phone) == {str(month["t3"].uuid)}
    december = client.get(TASKS, {"due_from": "2026-12-01"}, headers=headers)
    assert uuids(december) == {str(month["t6"].uuid)}
    wrong = client.get(TASKS, {"status": "later"}, headers=headers)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_status"


def test_attempts_are_scoped_and_masked(client, personas, month):
    ContactAttempt.objects.filter(task=month["t1"], outcome__code="reached_patient").update(
        note="家属电话13987654321，恢复良好"
    )
    medicine = client.get(ATTEMPTS, headers=bearer(personas["head_medicine"])).json()
    assert medicine["count"] == 4  # t1 twice, t2, t6
    assert {item["task"] for item in medicine["results"]} == {
        str(month[name].uuid) for name in ("t1", "t2", "t6")
    }
    reached = next(item for item in medicine["results"] if item["outcome"] == "reached_patient")
    assert reached["reached"] is True
    assert reached["agent"] == "agent"
    assert reached["phone_masked"] == "138****5678"
    assert "13987654321" not in str(medicine)
    surgery = client.get(ATTEMPTS, headers=bearer(personas["head_surgery"])).json()
    assert [item["outcome"] for item in surgery["results"]] == ["deceased"]


def test_attempts_after_the_last_seen_give_only_what_is_new(client, personas, month):
    headers = bearer(personas["manager"])
    first = client.get(ATTEMPTS, headers=headers).json()["results"]
    last = first[-1]["id"]
    assert last == max(item["id"] for item in first)
    assert client.get(ATTEMPTS, {"after": last}, headers=headers).json()["count"] == 0
    later = attempt(month["t2"], "reached_family", datetime.date(2026, 11, 21))
    newer = client.get(ATTEMPTS, {"after": last}, headers=headers).json()["results"]
    assert [item["id"] for item in newer] == [later.pk]


def test_pages_hold_page_size_items(client, personas, month):
    headers = bearer(personas["manager"])
    page = client.get(TASKS, {"page_size": 2, "page": 2}, headers=headers).json()
    assert (page["count"], page["page"], page["pages"], len(page["results"])) == (6, 2, 3, 2)
    capped = client.get(TASKS, {"page_size": 100000}, headers=headers).json()
    assert len(capped["results"]) == 6


def _add_tasks(patient, n):
    for index in range(n):
        task = make_task(
            patient, touchpoint=make_touchpoint(code=f"extra{FollowUpTask.objects.count()}-{index}")
        )
        ContactAttempt.objects.create(
            task=task,
            outcome=Outcome.objects.get(code="no_answer"),
            at=slots.at(datetime.date(2026, 11, 13), datetime.time(10)),
            phone=task.phone,
        )


@pytest.mark.parametrize(("url", "budget"), [(TASKS, TASKS_BUDGET), (ATTEMPTS, ATTEMPTS_BUDGET)])
def test_a_page_costs_the_same_queries_for_5_or_40_items(
    client, personas, patient_medicine, url, budget, django_assert_max_num_queries
):
    headers = bearer(personas["head_medicine"])
    client.get(url, headers=headers)  # the first use also notes when the token was used
    _add_tasks(patient_medicine, 5)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url, {"page_size": 100}, headers=headers).json()["results"]) == 5
    _add_tasks(patient_medicine, 35)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url, {"page_size": 100}, headers=headers).json()["results"]) == 40
    assert len(few) == len(many)
    with django_assert_max_num_queries(budget):
        client.get(url, {"page_size": 100}, headers=headers)
