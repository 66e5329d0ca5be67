"""One case per call and topic: a dissatisfied answer joins the agent's complaint of its topic."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask
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


def answers(**overrides) -> dict:
    """Every visible required question answered with its best option, then ``overrides``."""
    given = {}
    for item in questionnaire_active("inpatient-discharge").items.all():
        if item.condition or not item.required:
            continue
        given[f"q-{item.code}"] = str(item.choices[0][0]) if item.choices else "好"
    given.update({f"q-{code}": value for code, value in overrides.items()})
    return given


def record(client, task, **fields):
    client.get(f"/followups/tasks/{task.uuid}/")
    version = FollowUpTask.objects.get(pk=task.pk).version
    return client.post(
        f"/followups/tasks/{task.uuid}/record/",
        {"version": version, "outcome": "reached_patient", "then": "list", **fields},
    )


def test_a_complaint_and_a_dissatisfied_answer_of_its_topic_are_one_case(client, login, task):
    login("agent")

    record(
        client,
        task,
        feedback_kind="complaint",
        feedback_category="attitude",
        feedback_description="夜班护士态度生硬",
        **answers(**{"sat-nurses": "1"}),
    )

    case = Case.objects.get()
    assert (case.kind, case.category, case.source) == ("complaint", "attitude", "agent")
    assert case.description.startswith("夜班护士态度生硬")
    assert "对护士不满意" in case.description
    assert "您对护士的服务满意吗" not in case.description
    assert [e.action for e in case.events.all()][-1] == "joined"


def test_a_dissatisfied_answer_alone_gets_its_dimensions_category_and_a_readable_summary(
    client, login, task
):
    login("agent")

    record(client, task, **answers(**{"sat-cost": "2"}))

    case = Case.objects.get()
    assert (case.kind, case.category, case.source) == ("complaint", "cost", "questionnaire")
    assert case.description == "对费用不满意（回答“不太满意”）。"


def test_answers_of_another_topic_open_their_own_case(client, login, task):
    login("agent")

    record(
        client,
        task,
        feedback_kind="complaint",
        feedback_category="attitude",
        feedback_description="夜班护士态度生硬",
        **answers(**{"sat-nurses": "1", "sat-food": "1"}),
    )

    assert sorted(Case.objects.values_list("category", flat=True)) == ["attitude", "food"]


def test_the_agents_red_flag_and_a_red_flag_answer_are_one_escalation(client, login, task):
    login("agent")

    record(
        client,
        task,
        red_flag="伤口红肿，体温38.8℃",
        **answers(recovery="worse", **{"worse-detail": "伤口红肿三天"}),
    )

    case = Case.objects.get()
    assert case.kind == "escalation"
    assert case.description.startswith("伤口红肿，体温38.8℃")
    assert "伤口红肿三天" in case.description
