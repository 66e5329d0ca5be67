"""The demo's past: calls, answers and cases a visitor sees in the reports and the inbox."""

from datetime import date

import pytest

from huifang.demo.seed import demo_seed
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.patients.models import Patient
from huifang.reports import selectors

TODAY = date(2026, 11, 24)
OPEN = [FollowUpTask.Status.PENDING]


@pytest.fixture
def seeded(db):
    return demo_seed(patients=300, today=TODAY)


def _october() -> dict:
    return selectors.summary(user=None, date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))


class TestDemoHistory:
    def test_it_fills_last_month_with_calls_in_the_documents_range(self, seeded):
        october = _october()
        assert october["attempted"] > 50
        assert 0.70 <= october["reached"] / october["attempted"] <= 0.95

    def test_it_spreads_failures_over_several_outcomes(self, seeded):
        reasons = {k for k in _october()["failure_reasons"] if k != "window_passed"}
        assert len(reasons) >= 5

    def test_it_records_satisfaction_answers(self, seeded):
        builtin = _october()["satisfaction"]["builtin"]
        assert builtin["answers"] > 0
        assert builtin["counts"]["satisfied"] > builtin["counts"]["dissatisfied"]

    def test_its_web_surveys_were_sent_and_partly_answered(self, seeded):
        surveys = FollowUpTask.objects.filter(channel="web", due_until__lt=TODAY)
        assert surveys.exists()
        # Sent (done), or cancelled before it was due (a readmission): never left pending.
        statuses = set(surveys.values_list("status", flat=True))
        assert statuses <= {FollowUpTask.Status.DONE, FollowUpTask.Status.CANCELLED}
        sent = surveys.filter(status=FollowUpTask.Status.DONE)
        answered = sent.filter(closed_reason="survey_completed").count()
        assert 0 < answered < sent.count()
        questionnaire = _october()["satisfaction"]["questionnaire"]
        assert questionnaire["five_level_satisfaction_rate"] > 0.5

    def test_it_opens_cases_in_several_states(self, seeded):
        statuses = set(Case.objects.values_list("status", flat=True))
        assert len(statuses) >= 3
        assert Case.Status.CLOSED in statuses

    def test_the_demo_doctor_finds_red_flags_and_a_callback(self, seeded, client):
        red_flags = Case.objects.filter(kind=Case.Kind.ESCALATION, assigned_to__username="doctor")
        assert red_flags.count() == 2
        callback = FollowUpTask.objects.get(plan__code="doctor-callback")
        assert (callback.status, callback.assigned_to.username) == ("pending", "doctor")
        client.force_login(callback.assigned_to)
        html = client.get("/").content.decode()
        assert html.count('data-testid="red-flag-row"') == 2
        assert html.count('data-testid="callback-row"') == 1

    def test_it_leaves_no_pending_task_for_a_deceased_patient(self, seeded):
        deceased = Patient.objects.exclude(deceased_on=None)
        assert deceased.exists()
        assert not FollowUpTask.objects.filter(patient__in=deceased, status__in=OPEN).exists()

    def test_it_keeps_todays_work_open(self, seeded):
        assert FollowUpTask.objects.filter(status__in=OPEN, due_until__gte=TODAY).exists()
        assert not ContactAttempt.objects.filter(task__due_from__gt=TODAY).exists()

    def test_it_writes_the_same_past_for_the_same_seed(self, db):
        from django.db import transaction

        def figures():
            with transaction.atomic():
                demo_seed(patients=120, today=TODAY)
                result = _october()
                transaction.set_rollback(True)
            return (result["attempted"], result["reached"], result["failure_reasons"])

        assert figures() == figures()
