import datetime
from fractions import Fraction

import pytest
from django.utils import timezone

from huifang.core.errors import ApplicationError
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.patients.models import Encounter
from huifang.reports import metrics, selectors
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response
from huifang.testing.factories import EncounterFactory, make_task, make_touchpoint

NOV1, NOV30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def summary(user, **kw):
    return selectors.summary(user=user, date_from=NOV1, date_to=NOV30, **kw)


class TestTaskFigures:
    def test_it_counts_the_month_by_hand(self, month, personas):
        s = summary(personas["manager"])
        assert s["due"] == 4  # t5 merged, t6 in December
        assert s["attempted"] == 3
        assert s["reached"] == 1
        assert s["not_reached"] == 3
        assert s["on_time"] == 2  # t1 (13th), t4 (15th); t2's first call came after its window
        assert s["excluded_deceased"] == 1
        assert s["excluded_no_phone"] == 1
        assert s["eligible"] == 2
        assert s["follow_up_rate"] == pytest.approx(3 / 4)
        assert s["success_rate"] == pytest.approx(1 / 4)
        assert s["success_rate_of_attempted"] == pytest.approx(1 / 3)
        assert s["success_rate_of_eligible"] == pytest.approx(1 / 2)
        assert s["on_time_rate"] == pytest.approx(2 / 3)

    def test_it_gives_the_last_outcome_of_tasks_not_reached(self, month, personas):
        assert summary(personas["manager"])["failure_reasons"] == {
            "deceased": 1,
            "no_answer": 1,
            "no_phone": 1,
        }

    def test_it_breaks_down_by_department_and_month(self, month, personas):
        s = summary(personas["manager"], breakdowns=["department", "month", "agent", "doctor"])
        by_dept = {r["key"]: (r["due"], r["reached"]) for r in s["breakdowns"]["department"]}
        assert by_dept == {"MED-W1": (2, 1), "SUR-W1": (2, 0)}
        assert [(r["key"], r["due"]) for r in s["breakdowns"]["month"]] == [("2026-11-01", 4)]
        by_agent = {r["key"]: r["due"] for r in s["breakdowns"]["agent"]}
        assert by_agent == {"agent": 2, "manager": 1, None: 1}
        assert {r["key"]: r["due"] for r in s["breakdowns"]["doctor"]} == {"王医生": 4}

    def test_it_has_no_rate_without_a_denominator(self, personas):
        s = summary(personas["manager"])
        assert s["due"] == 0
        assert s["follow_up_rate"] is None and s["success_rate"] is None


class TestScope:
    def test_a_department_head_sees_only_their_department(self, month, personas):
        assert summary(personas["head_medicine"])["due"] == 2
        assert summary(personas["head_surgery"])["due"] == 2
        assert summary(personas["head_surgery"])["failure_reasons"] == {
            "deceased": 1,
            "no_phone": 1,
        }

    def test_a_head_may_not_ask_for_another_department(self, month, personas):
        with pytest.raises(selectors.ReportDenied):
            summary(personas["head_surgery"], department_code="MED")

    def test_managers_may_narrow_to_a_department(self, month, personas):
        assert summary(personas["quality"], department_code="SUR")["due"] == 2
        assert summary(personas["admin"], department_code="MED")["due"] == 2

    def test_an_agent_sees_their_own_figures(self, month, personas):
        s = summary(personas["agent"])
        assert (s["due"], s["attempted"], s["reached"]) == (2, 2, 1)

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_others_are_refused(self, month, personas, persona):
        with pytest.raises(selectors.ReportDenied):
            summary(personas[persona])

    def test_an_unknown_department_is_an_error(self, month, personas):
        with pytest.raises(ApplicationError) as exc:
            summary(personas["manager"], department_code="NOPE")
        assert exc.value.code == "unknown_department"


class TestSatisfaction:
    def test_the_builtin_three_levels(self, month, personas):
        builtin = summary(personas["manager"])["satisfaction"]["builtin"]
        assert builtin["answers"] == 2
        assert builtin["counts"] == {"satisfied": 1, "fairly_satisfied": 0, "dissatisfied": 1}
        assert builtin["satisfaction_rate"] == pytest.approx(0.5)

    def test_questionnaire_answers_via_scoring(self, month, personas, patient_medicine):
        q = Questionnaire.objects.create(code="sat", title="满意度", status="active")
        five = Item.objects.create(
            questionnaire=q,
            code="doctors",
            kind=ItemKind.SATISFACTION5,
            text="医生",
            dimension="doctors",
        )
        three = Item.objects.create(
            questionnaire=q,
            code="overall",
            kind=ItemKind.SATISFACTION3,
            text="总体",
            dimension="overall",
        )
        encounter = patient_medicine.encounters.first()
        at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
        # Five-level answers 5, 4, 3, 1: 2 of 4 satisfied; mean (100+75+50+0)/4 = 56.25 → 56.2
        for value in (5, 4, 3, 1):
            r = Response.objects.create(
                questionnaire=q,
                patient=patient_medicine,
                encounter=encounter,
                channel="phone",
                submitted_at=at,
            )
            Answer.objects.create(response=r, item=five, value=value, number=value)
            Answer.objects.create(
                response=r, item=three, value=3 if value > 2 else 1, number=3 if value > 2 else 1
            )
        voided = Response.objects.create(
            questionnaire=q,
            patient=patient_medicine,
            encounter=encounter,
            channel="phone",
            submitted_at=at,
            voided_at=at,
        )
        Answer.objects.create(response=voided, item=five, value=1, number=1)
        qs = summary(personas["manager"])["satisfaction"]["questionnaire"]
        assert qs["five_level_answers"] == 4
        assert qs["five_level_satisfaction_rate"] == pytest.approx(0.5)
        assert qs["five_level_mean_score"] == pytest.approx(56.2)
        assert qs["three_level_answers"] == 4
        assert qs["three_level_satisfaction_rate"] == pytest.approx(0.75)
        assert qs["by_dimension"]["doctors"]["answers"] == 4
        # Heads of surgery see none of these medicine answers.
        assert (
            summary(personas["head_surgery"])["satisfaction"]["questionnaire"]["five_level_answers"]
            == 0
        )


class TestComplaints:
    def test_counts_and_on_time_handling(self, month, personas, departments, patient_medicine):
        deadline = timezone.make_aware(datetime.datetime(2026, 11, 20, 17))

        def case(category, department, answered_days=None, verification=""):
            c = Case.objects.create(
                kind=Case.Kind.COMPLAINT,
                source="call",
                patient=patient_medicine,
                department=department,
                category=category,
                description="…",
                deadline_at=deadline,
                answered_at=deadline + datetime.timedelta(days=answered_days)
                if answered_days is not None
                else None,
                verification_result=verification,
            )
            Case.objects.filter(pk=c.pk).update(created_at=deadline - datetime.timedelta(days=5))
            return c

        case("attitude", departments["medicine_ward"], answered_days=-1, verification="satisfied")
        case(
            "attitude", departments["medicine_ward"], answered_days=2, verification="not_satisfied"
        )
        case("food", departments["surgery_ward"])  # unanswered, deadline passed
        suggestion = case("environment", departments["medicine_ward"])
        Case.objects.filter(pk=suggestion.pk).update(kind=Case.Kind.SUGGESTION)
        c = summary(personas["manager"])["complaints"]
        assert c["complaints"] == 3
        assert c["by_kind"] == {"complaint": 3, "suggestion": 1}
        assert c["suggestions_by_status"] == {"new": 1}
        assert c["by_category"] == {"attitude": 2, "food": 1}
        assert c["by_department"] == {"MED-W1": 2, "SUR-W1": 1}
        assert (c["answered_on_time"], c["late"]) == (1, 2)
        assert c["on_time_handling_rate"] == pytest.approx(1 / 3)
        assert c["verification_satisfaction_rate"] == pytest.approx(1 / 2)
        assert summary(personas["head_medicine"])["complaints"]["complaints"] == 2


class TestAgents:
    @pytest.mark.parametrize(
        ("achieved", "assigned", "expected"),
        [
            (95, 100, 0),
            (91, 100, 0),
            (90, 100, 1),
            (86, 100, 1),
            (85, 100, 2),
            (80, 100, 3),
            (0, 0, 0),
        ],
    )
    def test_one_deduction_per_full_five_percent_below(self, achieved, assigned, expected):
        required = Fraction(95, 100)
        assert (
            metrics.deductions(achieved=achieved, assigned=assigned, required=required) == expected
        )

    def test_agent_figures(self, month, personas, settings):
        settings.HUIFANG_AGENT_REQUIRED_RATE = "0.95"
        agents = {a["agent"]: a for a in summary(personas["manager"])["agents"]}
        assert agents["agent"]["assigned"] == 2
        assert agents["agent"]["attempted"] == 2
        assert agents["agent"]["reached"] == 1
        assert agents["agent"]["completion_rate"] == 1.0
        assert agents["agent"]["deductions"] == 0
        assert agents["agent"]["calls_timed"] == 0

    def test_mean_handling_time(self, month, personas):
        # Two of the agent's calls timed: 3 min and 5 min → 240 s; the untimed one is left out.
        for attempt, minutes in zip(
            ContactAttempt.objects.filter(agent=personas["agent"], task=month["t1"]).order_by("at"),
            (3, 5),
            strict=True,
        ):
            attempt.started_at = attempt.at - datetime.timedelta(minutes=minutes)
            attempt.save()
        agents = {a["agent"]: a for a in summary(personas["manager"])["agents"]}
        assert agents["agent"]["calls_timed"] == 2
        assert agents["agent"]["mean_handling_seconds"] == 240.0


class TestRecheck:
    def test_share_of_followed_up_checks_with_a_later_check(
        self, personas, patient_medicine, departments
    ):
        tp = make_touchpoint(plan_code="check", code="finding")
        ward = departments["medicine_ward"]
        first = EncounterFactory(
            patient=patient_medicine,
            kind=Encounter.Kind.HEALTH_CHECK,
            department=ward,
            visit_on=datetime.date(2026, 10, 1),
            discharged_on=None,
        )
        EncounterFactory(
            patient=patient_medicine,
            kind=Encounter.Kind.HEALTH_CHECK,
            department=ward,
            visit_on=datetime.date(2026, 12, 1),
            discharged_on=None,
        )
        other = EncounterFactory(
            kind=Encounter.Kind.HEALTH_CHECK,
            department=ward,
            visit_on=datetime.date(2026, 10, 2),
            discharged_on=None,
        )
        make_task(patient_medicine, touchpoint=tp, encounter=first)
        make_task(other.patient, touchpoint=tp, encounter=other, phone=None)
        r = summary(personas["manager"])["recheck"]
        assert (r["followed_up"], r["rechecked"]) == (2, 1)
        assert r["recheck_rate"] == pytest.approx(0.5)


def _cohort(encounter, touchpoint, reached, not_reached, due_from=datetime.date(2026, 11, 13)):
    """``reached + not_reached`` tasks of one encounter, one attempt each."""
    first_slot = timezone.make_aware(datetime.datetime.combine(due_from, datetime.time(10)))
    tasks = FollowUpTask.objects.bulk_create(
        FollowUpTask(
            patient=encounter.patient,
            encounter=encounter,
            plan=touchpoint.plan,
            plan_version=1,
            touchpoint=touchpoint,
            sequence=i,
            channel="phone",
            status="done",
            due_from=due_from,
            due_until=due_from + datetime.timedelta(days=5),
            first_slot=first_slot,
            next_attempt_at=first_slot,
        )
        for i in range(reached + not_reached)
    )
    ok, no = Outcome.objects.get(code="reached_patient"), Outcome.objects.get(code="no_answer")
    ContactAttempt.objects.bulk_create(
        ContactAttempt(task=t, outcome=ok if i < reached else no, at=first_slot)
        for i, t in enumerate(tasks)
    )


class TestPublishedFigures:
    def test_2961_discharges_2079_reached(self, personas, patient_medicine):
        _cohort(patient_medicine.encounters.first(), make_touchpoint(), 2079, 882)
        s = summary(personas["manager"])
        assert (s["due"], s["reached"], s["not_reached"]) == (2961, 2079, 882)
        assert round(100 * s["success_rate"], 2) == 70.21
        assert s["failure_reasons"] == {"no_answer": 882}

    def test_8830_discharges_707_unreachable(self, personas, patient_medicine):
        _cohort(patient_medicine.encounters.first(), make_touchpoint(), 8123, 707)
        s = summary(personas["manager"])
        assert (s["due"], s["reached"]) == (8830, 8123)
        assert round(100 * s["success_rate"]) == 92


class TestQueryBudget:
    def test_the_summary_costs_the_same_for_more_tasks(
        self, month, personas, django_assert_max_num_queries, patient_medicine
    ):
        user = personas["manager"]
        summary(user)  # the user's permissions are cached after the first call
        # 20, two each for satisfaction by doctor and by nurse, and one asking
        # whether the rollups cover the period.
        with django_assert_max_num_queries(25) as small:
            summary(user, breakdowns=list(metrics.BREAKDOWNS))
        _cohort(patient_medicine.encounters.first(), make_touchpoint(code="big"), 30, 30)
        with django_assert_max_num_queries(25) as big:
            summary(user, breakdowns=list(metrics.BREAKDOWNS))
        assert len(big.captured_queries) == len(small.captured_queries)
