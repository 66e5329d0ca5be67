"""Finding a patient from the worklist and the start page, to open their open task."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.followups.models import FollowUpTask
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task, make_touchpoint

pytestmark = pytest.mark.django_db
MORNING = datetime.combine(date(2026, 11, 13), time(10, 30), tzinfo=ZoneInfo("Asia/Shanghai"))
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "find-results"}
# Measured: 13 for an agent (session, user, permissions, scope, the patients,
# their phones, their open tasks…) whatever the number of matches. Budget: + 2.
FIND_BUDGET = 15


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def _find(client, q, **headers):
    return client.get("/followups/find/", {"q": q}, **headers)


@pytest.mark.parametrize("q", ["张三丰", "zhangsanfeng", "zsf", "5678"])
def test_one_match_opens_their_open_task(client, login, patient_medicine, q):
    task = make_task(patient_medicine)
    login("agent")
    response = _find(client, q)
    assert response.status_code == 302
    assert response.url == f"/followups/tasks/{task.uuid}/"


def test_a_patient_without_an_open_task_opens_their_page(client, login, patient_medicine):
    task = make_task(patient_medicine)
    FollowUpTask.objects.filter(pk=task.pk).update(status="done")
    login("agent")
    response = _find(client, "zsf")
    assert response.url == f"/patients/{patient_medicine.uuid}/"


def test_the_pending_task_wins_over_one_waiting_for_a_number(client, login, patient_medicine):
    waiting = make_task(patient_medicine, touchpoint=make_touchpoint(code="a"))
    FollowUpTask.objects.filter(pk=waiting.pk).update(status="no_phone")
    pending = make_task(patient_medicine, touchpoint=make_touchpoint(code="b"))
    login("agent")
    assert _find(client, "zsf").url == f"/followups/tasks/{pending.uuid}/"


def test_an_agent_finds_no_one_outside_their_departments(
    client, login, patient_medicine, patient_surgery
):
    make_task(patient_surgery)
    login("agent")
    response = _find(client, "李秀英")
    assert response.status_code == 200
    assert 'data-testid="find-none"' in response.content.decode()
    # …by phone tail either.
    assert 'data-testid="find-row"' not in _find(client, "4321").content.decode()


def test_a_manager_finds_patients_of_every_department(client, login, patient_surgery):
    task = make_task(patient_surgery)
    login("manager")
    assert _find(client, "lxy").url == f"/followups/tasks/{task.uuid}/"


def test_typing_lists_the_matches_with_their_tasks_masked(
    client, login, departments, patient_medicine
):
    task = make_task(patient_medicine)
    other = PatientFactory(name="张三")
    EncounterFactory(patient=other, department=departments["medicine_ward"])
    login("agent")
    html = _find(client, "zs", **HTMX).content.decode()
    assert html.count('data-testid="find-row"') == 2
    assert f"/followups/tasks/{task.uuid}/" in html
    assert "138****5678" in html and "13812345678" not in html


def test_the_box_is_on_the_start_page_and_the_worklist(client, login):
    login("agent")
    assert 'data-testid="find-box"' in client.get("/").content.decode()
    assert 'data-testid="find-box"' in client.get("/followups/worklist/").content.decode()


def test_someone_without_the_worklist_may_not_search_here(client, login, patient_medicine):
    login("nobody")
    assert _find(client, "zsf").status_code == 403


def test_the_list_costs_the_same_for_many_matches(
    client, login, departments, django_assert_max_num_queries
):
    login("agent")
    touchpoint = make_touchpoint()

    def patients(n):
        for _ in range(n):
            patient = PatientFactory(name="王小明")
            encounter = EncounterFactory(patient=patient, department=departments["medicine_ward"])
            make_task(patient, touchpoint=touchpoint, encounter=encounter, phone=None)

    patients(2)
    with django_assert_max_num_queries(FIND_BUDGET) as few:
        _find(client, "wxm", **HTMX)
    patients(8)
    with django_assert_max_num_queries(FIND_BUDGET) as many:
        html = _find(client, "wxm", **HTMX).content.decode()
    assert html.count('data-testid="find-row"') == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_department_head_who_does_not_call_gets_the_patients_page(
    client, login, patient_medicine
):
    make_task(patient_medicine)
    login("head_medicine")
    assert _find(client, "zsf").url == f"/patients/{patient_medicine.uuid}/"
