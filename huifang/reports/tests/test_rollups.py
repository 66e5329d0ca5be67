"""Rollups give exactly the live figures, by hand, after corrections, and per role.

The month is the one of ``conftest.py`` (November 2026, worked out by
hand there), plus questionnaire answers and complaints made here.
"""

import datetime
import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask, Outcome
from huifang.followups.services.outcomes import attempt_record
from huifang.patients.services import patient_update
from huifang.reports import metrics, rollup_reads, rollups, selectors
from huifang.reports.models import RollupDirty, RollupMonth, TaskRollup
from huifang.reports.periods import parse_period
from huifang.reports.tests.test_dashboard import data_of
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response
from huifang.testing.factories import make_task, make_touchpoint

NOV1, NOV30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
NOV = parse_period("2026-11")


@pytest.fixture
def answers_and_cases(month, patient_medicine, patient_surgery, departments):
    q = Questionnaire.objects.create(code="sat", title="满意度", status="active")
    doctors = Item.objects.create(
        questionnaire=q, code="d", kind=ItemKind.SATISFACTION5, text="医生", dimension="doctors"
    )
    nurses = Item.objects.create(
        questionnaire=q, code="n", kind=ItemKind.SATISFACTION3, text="护士", dimension="nurses"
    )
    at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
    # 内科: doctors 5 and 3, nurses 3; 外科: doctors 1; a voided 5 in 外科 counts nowhere.
    for patient, item, value, voided in (
        (patient_medicine, doctors, 5, None),
        (patient_medicine, doctors, 3, None),
        (patient_medicine, nurses, 3, None),
        (patient_surgery, doctors, 1, None),
        (patient_surgery, doctors, 5, at),
    ):
        r = Response.objects.create(
            questionnaire=q,
            patient=patient,
            encounter=patient.encounters.first(),
            channel="phone",
            submitted_at=at,
            voided_at=voided,
        )
        Answer.objects.create(response=r, item=item, value=value, number=value)
    created = timezone.make_aware(datetime.datetime(2026, 11, 12, 9))
    cases = []
    for department, answered, status in (
        (departments["medicine_ward"], True, Case.Status.CLOSED),
        (departments["medicine_ward"], False, Case.Status.NEW),
        (departments["surgery_ward"], True, Case.Status.ANSWERED),
        (None, False, Case.Status.NEW),
    ):
        c = Case.objects.create(
            kind=Case.Kind.COMPLAINT,
            source="call",
            patient=patient_medicine,
            department=department,
            category="attitude",
            description="…",
            status=status,
            answered_at=created if answered else None,
            verification_result="satisfied" if status == Case.Status.CLOSED else "",
        )
        Case.objects.filter(pk=c.pk).update(created_at=created)
        cases.append(c)
    return cases


def live(scope) -> dict:
    """What metrics.py says straight from the live tables."""
    tasks = selectors.report_tasks(scope=scope, date_from=NOV1, date_to=NOV30)
    answers = selectors.report_answers(scope=scope, date_from=NOV1, date_to=NOV30)
    cases = selectors.report_cases(scope=scope, date_from=NOV1, date_to=NOV30)
    return {
        "figures": metrics.task_figures(tasks).as_dict(),
        "by": {
            name: [f.as_dict() for f in metrics.task_figures_by(tasks, name)]
            for name in sorted(rollup_reads.ROLLUP_BREAKDOWNS)
        },
        "failure_reasons": metrics.failure_reasons(tasks),
        "builtin": metrics.builtin_satisfaction(tasks),
        "questionnaire": metrics.questionnaire_satisfaction(answers),
        "heatmap": metrics.dimension_by_department(answers),
        "funnel": metrics.complaint_funnel(cases),
        "agents": metrics.agent_figures(tasks),
    }


def rolled(scope) -> dict:
    """The same figures through the read path, which must answer from the rollups."""
    source = selectors.figure_source(scope=scope, date_from=NOV1, date_to=NOV30)
    assert source.from_rollups
    source._tasks = source._answers = source._cases = None  # a live query would now fail
    return {
        "figures": source.task_figures().as_dict(),
        "by": {
            name: [f.as_dict() for f in source.task_figures_by(name)]
            for name in sorted(rollup_reads.ROLLUP_BREAKDOWNS)
        },
        "failure_reasons": source.failure_reasons(),
        "builtin": source.builtin_satisfaction(),
        "questionnaire": source.questionnaire_satisfaction(),
        "heatmap": source.dimension_by_department(),
        "funnel": source.complaint_funnel(),
        "agents": source.agent_figures(),
    }


EVERYONE = selectors.Scope(department_ids=None)


def build():
    rollups.rollups_rebuild(
        date_from=datetime.date(2026, 10, 1), date_to=datetime.date(2026, 12, 31)
    )


class TestRollupsEqualLive:
    def test_it_gives_the_hand_computed_month(self, answers_and_cases):
        build()
        result = rolled(EVERYONE)
        assert result == live(EVERYONE)
        figures = result["figures"]
        assert (figures["due"], figures["attempted"], figures["reached"]) == (4, 3, 1)
        assert (figures["on_time"], figures["excluded_deceased"]) == (2, 1)
        assert figures["excluded_no_phone"] == 1
        assert result["failure_reasons"] == {"deceased": 1, "no_answer": 1, "no_phone": 1}
        assert result["builtin"]["counts"] == {
            "satisfied": 1,
            "fairly_satisfied": 0,
            "dissatisfied": 1,
        }
        assert result["heatmap"] == {
            "MED-W1": {"doctors": 75.0, "nurses": 100.0},
            "SUR-W1": {"doctors": 0.0},
        }
        assert result["funnel"] == {
            "recorded": 4,
            "forwarded": 3,
            "answered": 2,
            "verified": 1,
            "closed": 1,
        }
        assert [(a["agent"], a["assigned"], a["reached"]) for a in result["agents"]] == [
            ("agent", 2, 1),
            ("manager", 1, 0),
        ]

    def test_a_head_sees_only_their_department(self, answers_and_cases, personas):
        build()
        scope = selectors.report_scope(user=personas["head_surgery"])
        result = rolled(scope)
        assert result == live(scope)
        assert result["figures"]["due"] == 2  # t3 and t4, both surgery
        assert result["failure_reasons"] == {"deceased": 1, "no_phone": 1}
        assert set(result["heatmap"]) == {"SUR-W1"}
        assert result["funnel"]["recorded"] == 1

    def test_rebuilding_twice_changes_nothing(self, answers_and_cases):
        build()
        first = sorted(TaskRollup.objects.values_list("month", "agent", "reason", "due"), key=repr)
        build()
        assert (
            sorted(TaskRollup.objects.values_list("month", "agent", "reason", "due"), key=repr)
            == first
        )


class TestCorrections:
    def test_an_attempt_on_an_old_task_is_served_live_until_the_job_ran(
        self, answers_and_cases, month, personas
    ):
        build()
        attempt_record(
            task=month["t2"],
            outcome=Outcome.objects.get(code="reached_patient"),
            agent=personas["agent"],
            at=timezone.now(),
        )
        # Marked dirty in the same transaction: the page reads live, and is right.
        source = selectors.figure_source(scope=EVERYONE, date_from=NOV1, date_to=NOV30)
        assert not source.from_rollups
        assert source.task_figures().reached == 2
        rollups.rollups_refresh()
        assert rolled(EVERYONE) == live(EVERYONE)
        assert rolled(EVERYONE)["figures"]["reached"] == 2
        assert "no_answer" not in rolled(EVERYONE)["failure_reasons"]

    def test_a_patient_recorded_deceased(self, answers_and_cases, month, patient_medicine):
        build()
        patient_update(
            actor=None, patient=patient_medicine, deceased_on=datetime.date(2026, 11, 15)
        )
        assert RollupDirty.objects.filter(month=NOV1).exists()
        rollups.rollups_refresh()
        result = rolled(EVERYONE)
        assert result == live(EVERYONE)
        # Recording the death cancels the patient's open calls: t2 (not reached,
        # due until the 18th) and t5 (merged) join t4 among the deceased.
        assert FollowUpTask.objects.get(pk=month["t5"].pk).closed_reason == "deceased"
        assert result["figures"]["excluded_deceased"] == 3

    def test_a_complaint_closed(self, answers_and_cases):
        build()
        case = answers_and_cases[2]
        case.refresh_from_db()
        case.status = Case.Status.CLOSED
        case.save()
        rollups.rollups_refresh()
        assert rolled(EVERYONE)["funnel"]["closed"] == 2
        assert rolled(EVERYONE) == live(EVERYONE)

    def test_bulk_writes_without_a_signal_are_found_by_the_scan(self, answers_and_cases, month):
        build()
        rollups.rollups_refresh()  # sets the watermark
        now = timezone.now()
        FollowUpTask.objects.filter(pk=month["t3"].pk).update(
            status=FollowUpTask.Status.WINDOW_PASSED, updated_at=now
        )
        # Moved to December without touching updated_at: the fingerprint notices.
        FollowUpTask.objects.filter(pk=month["t1"].pk).update(
            due_from=datetime.date(2026, 12, 2), due_until=datetime.date(2026, 12, 8)
        )
        result = rollups.rollups_refresh()
        assert result["months_marked"] >= 2
        assert rolled(EVERYONE) == live(EVERYONE)
        figures = rolled(EVERYONE)["figures"]
        assert (figures["due"], figures["reached"], figures["excluded_no_phone"]) == (3, 0, 0)
        assert rolled(EVERYONE)["failure_reasons"]["window_passed"] == 1

    def test_the_first_scan_looks_back_to_the_build(self, answers_and_cases, month):
        build()
        FollowUpTask.objects.filter(pk=month["t3"].pk).update(
            status=FollowUpTask.Status.WINDOW_PASSED, updated_at=timezone.now()
        )
        rollups.rollups_refresh()
        assert rolled(EVERYONE)["failure_reasons"] == {
            "deceased": 1,
            "no_answer": 1,
            "window_passed": 1,
        }


class TestReadPath:
    def test_the_dashboard_reads_the_rollups(self, client, login, answers_and_cases):
        build()
        login("manager")
        before = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert before["failure_reasons"] == {"deceased": 1, "no_answer": 1, "no_phone": 1}
        # Proof the page reads the rollup table: change it behind the product's back.
        TaskRollup.objects.filter(month=NOV1, reason="no_answer").update(due=7)
        after = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert after["failure_reasons"]["no_answer"] == 7

    def test_the_head_of_surgery_sees_their_rollup_figures_only(
        self, client, login, answers_and_cases
    ):
        build()
        login("head_surgery")
        data = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert data["failure_reasons"] == {"deceased": 1, "no_phone": 1}
        assert set(data["heatmap"]) == {"SUR-W1"}
        assert data["funnel"]["recorded"] == 1

    def test_an_agent_gets_their_own_figures_live(self, answers_and_cases, personas):
        build()
        scope = selectors.report_scope(user=personas["agent"])
        source = selectors.figure_source(scope=scope, date_from=NOV1, date_to=NOV30)
        assert not source.from_rollups
        assert source.task_figures().due == 2

    def test_the_trend_mixes_covered_and_live_months(self, answers_and_cases, month, personas):
        build()
        RollupMonth.objects.filter(month=datetime.date(2026, 12, 1)).delete()
        rows = selectors.trend_figures(
            scope=EVERYONE, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31)
        )
        assert [(r.key, r.due, r.reached) for r in rows] == [
            ("2026-11-01", 4, 1),
            ("2026-12-01", 1, 1),
        ]

    def test_a_plan_filter_is_answered_by_the_rollups(self, answers_and_cases, month):
        build()

        def due(codes):
            source = rollup_reads.FigureSource(
                scope=EVERYONE,
                date_from=NOV1,
                date_to=NOV30,
                tasks=lambda: None,
                filters=rollup_reads.Filters(plan_codes=frozenset(codes)),
            )
            assert source.from_rollups
            return source.task_figures().due

        assert due({month["t1"].plan.code}) == 4
        assert due({"another-plan"}) == 0

    def test_a_filter_the_rollups_cannot_answer_goes_live(self, answers_and_cases):
        build()
        source = rollup_reads.FigureSource(
            scope=EVERYONE,
            date_from=NOV1,
            date_to=NOV30,
            tasks=lambda: selectors.report_tasks(scope=EVERYONE, date_from=NOV1, date_to=NOV30),
            filters=rollup_reads.Filters(other=True),
        )
        assert not source.from_rollups
        assert source.task_figures().due == 4


class TestDashboardFilters:
    """The dashboard's plan and kind filters are answered by the rollups, with the live figures."""

    @pytest.mark.parametrize("which", ["plan", "kind", "plan and kind", "another plan"])
    def test_it_gives_the_live_figures(self, answers_and_cases, month, which):
        plan = "another-plan" if which == "another plan" else month["t1"].plan.code
        filters = selectors.ReportFilters(
            plan="" if which == "kind" else plan,
            kind="" if which == "plan" else month["t1"].encounter.kind,
        )
        build()
        source = selectors.figure_source(
            scope=EVERYONE, date_from=NOV1, date_to=NOV30, filters=filters
        )
        assert source.from_rollups
        assert source.task_figures().due == (0 if which == "another plan" else 4)
        from_rollups = selectors.dashboard_numbers(scope=EVERYONE, period=NOV, filters=filters)
        RollupMonth.objects.all().delete()
        assert not selectors.figure_source(
            scope=EVERYONE, date_from=NOV1, date_to=NOV30, filters=filters
        ).from_rollups
        assert from_rollups == selectors.dashboard_numbers(
            scope=EVERYONE, period=NOV, filters=filters
        )

    def test_a_tag_or_an_agent_goes_live(self, answers_and_cases, personas):
        build()
        for filters in (
            selectors.ReportFilters(tag="lipids"),
            selectors.ReportFilters(agent=personas["agent"].username),
        ):
            source = selectors.figure_source(
                scope=EVERYONE, date_from=NOV1, date_to=NOV30, filters=filters
            )
            assert not source.from_rollups


class TestCommand:
    def test_rebuild_rollups(self, answers_and_cases, capsys):
        call_command(
            "reports", "rebuild-rollups", "--from", "2026-11-01", "--to", "2026-12-31", "--json"
        )
        assert json.loads(capsys.readouterr().out) == {"months": 2, "skipped_busy": 0}
        assert rolled(EVERYONE) == live(EVERYONE)

    def test_a_range_backwards_is_refused(self, db):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="before"):
            call_command("reports", "rebuild-rollups", "--from", "2026-12-01", "--to", "2026-11-01")

    def test_status_lists_the_tables(self, answers_and_cases, capsys):
        build()
        call_command("reports", "rollups-status", "--json")
        tables = {t["table"]: t["rows"] for t in json.loads(capsys.readouterr().out)["tables"]}
        assert tables["reports_taskrollup"] > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestTwoWorkers:
    def test_a_month_held_by_another_worker_is_passed_over(self):
        RollupMonth.objects.create(month=NOV1)
        held, release = threading.Event(), threading.Event()

        def other_worker():
            try:
                with transaction.atomic():
                    RollupMonth.objects.select_for_update().get(month=NOV1)
                    held.set()
                    release.wait(10)
            finally:
                connection.close()

        thread = threading.Thread(target=other_worker)
        thread.start()
        held.wait(10)
        try:
            assert rollups.rollup_month_recompute(month=NOV1) is False
        finally:
            release.set()
            thread.join()
        assert rollups.rollup_month_recompute(month=NOV1) is True


class TestMixedData:
    """Many tasks of every kind, made at random (seeded): rollups and live always agree."""

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_rollups_equal_live_for_everyone_and_each_head(
        self, seed, personas, patient_medicine, patient_surgery
    ):
        import random

        from huifang.reports.tests.conftest import attempt

        rng = random.Random(seed)
        codes = list(Outcome.objects.values_list("code", flat=True))
        agents = [personas["agent"], personas["manager"], None]
        statuses = [s for s, _ in FollowUpTask.Status.choices]
        for i in range(40):
            patient = rng.choice([patient_medicine, patient_surgery])
            due = datetime.date(2026, 10, 25) + datetime.timedelta(days=rng.randint(0, 45))
            task = make_task(
                patient,
                touchpoint=make_touchpoint(
                    plan_code=rng.choice(["plan-a", "plan-b"]), code=f"c{i}"
                ),
                due_from=due,
                due_until=due + datetime.timedelta(days=rng.randint(0, 6)),
            )
            FollowUpTask.objects.filter(pk=task.pk).update(
                status=rng.choice(statuses),
                closed_reason=rng.choice(["", "deceased", "plan_changed"]),
                assigned_to=rng.choice(agents),
            )
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                day = due + datetime.timedelta(days=rng.randint(-1, 8))
                hour = rng.randint(0, 23)
                at = attempt(
                    task,
                    rng.choice(codes),
                    day,
                    hour=hour,
                    agent=rng.choice(agents),
                    answers=rng.choice(
                        [{}, {"satisfaction": "satisfied"}, {"satisfaction": "dissatisfied"}]
                    ),
                )
                if rng.random() < 0.5:
                    at.started_at = at.at - datetime.timedelta(seconds=rng.randint(-30, 900))
                    at.save(update_fields=["started_at"])
        if seed == 2:
            patient_update(
                actor=None, patient=patient_surgery, deceased_on=datetime.date(2026, 11, 10)
            )
        build()
        for scope in (
            EVERYONE,
            selectors.report_scope(user=personas["head_medicine"]),
            selectors.report_scope(user=personas["head_surgery"]),
        ):
            assert rolled(scope) == live(scope)


class TestPeriodicJob:
    def test_it_builds_the_recent_months_and_serves_them(self, answers_and_cases):
        import time_machine

        from huifang.core.models import JobRun
        from huifang.reports import tasks

        with time_machine.travel(datetime.datetime(2026, 12, 15, 10, tzinfo=datetime.UTC)):
            tasks.rollups_periodic()
        assert JobRun.objects.filter(name="reports.rollups", status="succeeded").exists()
        months = set(RollupMonth.objects.exclude(built_at=None).values_list("month", flat=True))
        assert {datetime.date(2025, 12, 1), NOV1, datetime.date(2027, 1, 1)} <= months
        assert rolled(EVERYONE) == live(EVERYONE)
