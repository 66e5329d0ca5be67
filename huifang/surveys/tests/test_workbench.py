"""A touchpoint's questionnaire asked on the workbench: rendered inline, stored as a phone response."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.surveys.models import Dispatch, Response
from huifang.surveys.selectors import questionnaire_active
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 13, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def task(patient_medicine):
    return make_task(
        patient_medicine, touchpoint=make_touchpoint(questionnaire_code="inpatient-discharge")
    )


def good_answers(**overrides) -> dict:
    """Every visible required question answered with its first option (the best one)."""
    answers = {}
    for item in questionnaire_active("inpatient-discharge").items.all():
        if item.condition or not item.required:
            continue
        answers[f"q-{item.code}"] = str(item.choices[0][0]) if item.choices else "好"
    answers.update({f"q-{code}": value for code, value in overrides.items()})
    return answers


def record(client, task, outcome, **fields):
    client.get(f"/followups/tasks/{task.uuid}/")
    version = FollowUpTask.objects.get(pk=task.pk).version
    return client.post(
        f"/followups/tasks/{task.uuid}/record/",
        {"version": version, "outcome": outcome, "then": "list", **fields},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="workbench",
    )


def test_the_workbench_asks_the_touchpoints_questionnaire(client, login, task):
    login("agent")

    html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

    assert 'data-testid="questionnaire-form"' in html
    assert "您出院后身体恢复得怎么样？" in html
    assert "surveys/questionnaire" in html  # the script that shows conditional questions


def test_a_reached_call_stores_the_answers_as_a_phone_response(client, login, task, personas):
    login("agent")

    response = record(client, task, "reached_patient", **good_answers())

    assert response["HX-Redirect"] == "/"
    stored = Response.objects.get()
    assert (stored.channel, stored.task_id, stored.recorded_by) == (
        "phone",
        task.pk,
        personas["agent"],
    )
    assert stored.questionnaire.code == "inpatient-discharge"
    assert Dispatch.objects.get().status == "completed"
    attempt = ContactAttempt.objects.get()
    assert attempt.answers["questionnaire"] == "inpatient-discharge"
    assert attempt.answers["satisfaction_label"] == "非常满意"
    register = client.get("/followups/register/").content.decode()
    assert "非常满意" in register


def test_a_missing_required_answer_saves_nothing_and_says_which(client, login, task):
    answers = good_answers()
    del answers["q-recovery"]
    login("agent")

    response = record(client, task, "reached_patient", **answers)

    assert response["HX-Retarget"] == "#record-errors"
    assert "您出院后身体恢复得怎么样？" in response.content.decode()
    assert ContactAttempt.objects.count() == 0
    assert Response.objects.count() == 0


def test_no_answer_needs_no_answers(client, login, task):
    login("agent")

    record(client, task, "no_answer")

    assert ContactAttempt.objects.count() == 1
    assert Response.objects.count() == 0


def test_a_red_flag_answer_escalates_to_the_department(client, login, task):
    login("agent")

    record(
        client,
        task,
        "reached_patient",
        **good_answers(recovery="worse", **{"worse-detail": "伤口红肿三天，发热"}),
    )

    case = Case.objects.get(kind="escalation")
    assert case.source == "questionnaire"
    assert case.department == task.encounter.department
    assert "伤口红肿三天，发热" in case.description
