"""The patient page's follow-up record: what staff find there, scoped, masked, and its cost."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from huifang.core.models import AuditEntry
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.messaging.models import Message
from huifang.surveys.models import Questionnaire, Response
from huifang.testing.factories import EncounterFactory, make_task, make_touchpoint

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Measured for an agent: 22 queries whatever the history (test_views_patient_detail.py).
QUERY_BUDGET = 24


def _page(client, patient, query=""):
    response = client.get(f"/patients/{patient.uuid}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _history(patient, department, *, n=1, start=None):
    """``n`` each of: a done task with its call, a message, a response and a case."""
    start = start or datetime(2026, 11, 14, 10, 0, tzinfo=SHANGHAI)
    touchpoint = make_touchpoint(code=f"call-{FollowUpTask.objects.count()}")
    reached = Outcome.objects.get(code="reached_patient")
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code="sat", defaults={"title": "出院满意度调查", "status": "active"}
    )
    for index in range(n):
        at = start + timedelta(days=index)
        encounter = EncounterFactory(patient=patient, department=department)
        task = make_task(patient, touchpoint=touchpoint, encounter=encounter)
        FollowUpTask.objects.filter(pk=task.pk).update(status="done", attempts=1)
        ContactAttempt.objects.create(
            task=task,
            outcome=reached,
            agent=None,
            agent_name="王护士",
            at=at,
            note="家属说回拨 13912345678",
        )
        Message.objects.create(
            key=f"timeline-{task.pk}",
            patient=patient,
            channel="sms",
            category="clinical",
            task=task,
            body="请按时复查，咨询电话 021-63456789",
            status="sent",
            not_before=at,
            sent_at=at,
        )
        Response.objects.create(
            questionnaire=questionnaire,
            patient=patient,
            encounter=encounter,
            task=task,
            channel="phone",
            submitted_at=at,
        )
        Case.objects.create(
            kind="complaint",
            source="agent",
            patient=patient,
            department=department,
            category="attitude",
            description="护士态度不好",
        )


def test_an_agent_finds_tasks_calls_messages_answers_and_cases_linked(
    client, login, departments, patient_medicine
):
    _history(patient_medicine, departments["medicine_ward"])
    open_task = make_task(patient_medicine)
    login("agent")

    html = _page(client, patient_medicine)

    for kind in ("task", "call", "message", "response", "case"):
        assert f'data-kind="{kind}"' in html, kind
    assert f'href="/followups/tasks/{open_task.uuid}/"' in html
    response = Response.objects.get()
    assert f'href="/surveys/responses/{response.uuid}/"' in html
    assert f'href="/feedback/{Case.objects.get().uuid}/"' in html
    assert Outcome.objects.get(code="reached_patient").label_zh in html
    assert "王护士" in html
    # Numbers in free text are masked like everywhere else.
    assert "13912345678" not in html and "139****5678" in html
    assert "63456789" not in html


def test_the_record_is_newest_first(client, login, departments, patient_medicine):
    _history(patient_medicine, departments["medicine_ward"], n=3)
    login("manager")
    html = _page(client, patient_medicine, "?show=call")
    assert html.count('data-kind="call"') == 3
    first, second, third = (
        html.index("2026-11-16 10:00"),
        html.index("2026-11-15 10:00"),
        html.index("2026-11-14 10:00"),
    )
    assert first < second < third
    assert 'data-kind="message"' not in html  # the calls tab shows calls only


def test_another_departments_work_is_not_shown_to_an_agent(
    client, login, departments, patient_medicine
):
    _history(patient_medicine, departments["surgery_ward"])
    login("agent")
    html = _page(client, patient_medicine)
    for kind in ("task", "call", "message", "case"):
        assert f'data-kind="{kind}"' not in html, kind
    login("manager")
    html = _page(client, patient_medicine)
    for kind in ("task", "call", "message", "case"):
        assert f'data-kind="{kind}"' in html, kind


def test_a_clinician_sees_tasks_and_calls_but_no_answers(
    client, login, departments, patient_medicine
):
    _history(patient_medicine, departments["medicine_ward"])
    login("doctor")
    html = _page(client, patient_medicine)
    assert 'data-kind="call"' in html
    assert 'data-kind="response"' not in html  # no surveys.view_response


def test_the_view_is_audited_as_before(client, login, departments, patient_medicine):
    _history(patient_medicine, departments["medicine_ward"])
    login("agent")
    _page(client, patient_medicine)
    assert AuditEntry.objects.filter(action="view", patient_id=patient_medicine.pk).count() == 1


def test_the_cost_does_not_grow_with_the_history(
    client, login, departments, patient_medicine, django_assert_max_num_queries
):
    login("agent")
    _history(patient_medicine, departments["medicine_ward"], n=1)
    with django_assert_max_num_queries(QUERY_BUDGET) as few:
        _page(client, patient_medicine)
    _history(
        patient_medicine,
        departments["medicine_ward"],
        n=12,
        start=timezone.now() - timedelta(days=40),
    )
    with django_assert_max_num_queries(QUERY_BUDGET) as many:
        html = _page(client, patient_medicine)
    assert html.count('data-kind="call"') == 13
    assert len(many.captured_queries) == len(few.captured_queries)
