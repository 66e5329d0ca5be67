"""A re-check reported on the re-check questionnaire ends the health check's repeated calls."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.followups.models import FollowUpTask, Outcome, ReportedRecheck
from huifang.followups.services.generation import tasks_generate_for_encounters
from huifang.reports import metrics
from huifang.surveys import services
from huifang.surveys.selectors import questionnaire_active
from huifang.testing.factories import EncounterFactory
from huifang.workflows import call_record

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10):
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def check(departments, patient_medicine):
    """A health check with raised lipids on Monday 2 March, planned on the day after."""
    encounter = EncounterFactory(
        patient=patient_medicine,
        kind="health_check",
        number="TJ0001",
        department=departments["medicine_ward"],
        visit_on=date(2026, 3, 2),
        admitted_on=None,
        discharged_on=None,
    )
    encounter.abnormal_findings.create(kind="lipids", description="总胆固醇偏高")
    with time_machine.travel(at(date(2026, 3, 3), 8), tick=False):
        tasks_generate_for_encounters([encounter.pk])  # the first call, due today…
        tasks_generate_for_encounters([encounter.pk])  # …so the next one is planned
    return encounter


def _answers(rechecked: str) -> dict:
    answers = {
        "answered-by": "self",
        "knows-result": "yes",
        "rechecked": rechecked,
        "symptoms": "no",
        "sat-explain": "5",
    }
    if rechecked == "booked":
        answers["recheck-date"] = "2026-03-20"
    if rechecked == "not-yet":
        answers |= {"not-yet-why": "busy", "want-booking": "no"}
    return answers


def _call(task, agent, rechecked: str):
    questionnaire = questionnaire_active("health-check-recheck")
    with time_machine.travel(at(date(2026, 3, 3)), tick=False):
        call_record(
            task=task,
            outcome=Outcome.objects.get(code="reached_patient"),
            agent=agent,
            at=at(date(2026, 3, 3)),
            answers={
                "questionnaire": questionnaire.code,
                "version": questionnaire.version,
                "answers": _answers(rechecked),
            },
        )


def _chain(check):
    return list(
        FollowUpTask.objects.filter(encounter=check)
        .order_by("sequence")
        .values_list("sequence", "status", "closed_reason")
    )


def test_the_questionnaire_offers_seen_a_specialist():
    item = questionnaire_active("health-check-recheck").items.get(code="rechecked")
    assert dict(item.choices)["specialist"] == "已到专科就诊"


@pytest.mark.parametrize("answer", ["done", "elsewhere", "specialist"])
def test_re_checked_on_the_call_ends_the_repeats_and_counts(check, personas, answer):
    first = FollowUpTask.objects.get(encounter=check, sequence=0)
    assert _chain(check)[1] == (1, "pending", "")

    _call(first, personas["agent"], answer)

    assert _chain(check) == [(0, "done", "reached_patient"), (1, "cancelled", "rechecked")]
    assert ReportedRecheck.objects.get(encounter=check).reported_on == date(2026, 3, 3)
    with time_machine.travel(at(date(2026, 4, 2), 8), tick=False):
        tasks_generate_for_encounters([check.pk])  # the nightly pass: no new repeat
    assert len(_chain(check)) == 2
    figures = metrics.recheck_figures(FollowUpTask.objects.filter(encounter=check))
    assert (figures["followed_up"], figures["rechecked"]) == (1, 1)


@pytest.mark.parametrize("answer", ["booked", "not-yet"])
def test_not_yet_re_checked_keeps_calling(check, personas, answer):
    _call(FollowUpTask.objects.get(encounter=check, sequence=0), personas["agent"], answer)

    assert _chain(check)[1] == (1, "pending", "")
    assert not ReportedRecheck.objects.exists()
    figures = metrics.recheck_figures(FollowUpTask.objects.filter(encounter=check))
    assert figures["rechecked"] == 0


def test_re_checked_on_the_web_ends_the_repeats(check, personas, patient_medicine):
    dispatch, _url = services.dispatch_create(
        actor=personas["manager"],
        questionnaire=questionnaire_active("health-check-recheck"),
        patient=patient_medicine,
        encounter=check,
        channel="web",
    )
    answers = {k: v for k, v in _answers("specialist").items() if k != "answered-by"}
    with time_machine.travel(at(date(2026, 3, 5)), tick=False):
        services.response_submit_link(dispatch=dispatch, answers=answers)

    recheck = ReportedRecheck.objects.get(encounter=check)
    assert (recheck.where, recheck.source) == ("specialist", "web")
    assert _chain(check) == [(0, "pending", ""), (1, "cancelled", "rechecked")]
