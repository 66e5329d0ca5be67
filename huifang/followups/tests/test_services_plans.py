"""Changing plans and touchpoints: versions, audit entries, open tasks kept or re-planned."""

import datetime
from datetime import timedelta

import pytest

from huifang.core.errors import Conflict, NotFound, PermissionDenied
from huifang.core.models import AuditEntry
from huifang.followups.models import FollowUpTask, Plan, Touchpoint
from huifang.followups.services import plans as services
from huifang.followups.services.plans import (
    plan_create,
    plan_list,
    plan_update,
    touchpoint_delete,
    touchpoint_save,
)
from huifang.followups.slots import at
from huifang.testing.factories import EncounterFactory

DUE = datetime.date(2026, 11, 13)


def make_plan(code="test-plan", **fields) -> Plan:
    fields.setdefault("name", "测试计划")
    fields.setdefault("encounter_kinds", ["inpatient"])
    return Plan.objects.create(code=code, **fields)


def make_touchpoint(plan, code="first-call", **fields) -> Touchpoint:
    fields.setdefault("name", "出院首次回访")
    fields.setdefault("offset_days", 3)
    fields.setdefault("window_days", 4)
    fields.setdefault("channel", "phone")
    return Touchpoint.objects.create(plan=plan, code=code, **fields)


def make_task(touchpoint, encounter=None, *, status="pending", sequence=0, due=DUE):
    encounter = encounter or EncounterFactory()
    slot = at(due, datetime.time(10, 0))
    return FollowUpTask.objects.create(
        patient=encounter.patient,
        encounter=encounter,
        plan=touchpoint.plan,
        plan_version=touchpoint.plan.version,
        touchpoint=touchpoint,
        sequence=sequence,
        channel=touchpoint.channel,
        status=status,
        due_from=due,
        due_until=due + timedelta(days=5),
        first_slot=slot,
        next_attempt_at=slot,
    )


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def touchpoint(plan):
    return make_touchpoint(plan)


@pytest.fixture
def replan_calls(monkeypatch):
    """Stands in for the generation service: records the calls, re-plans nothing."""
    from huifang.followups.services import generation

    calls = []

    def fake(*, plan, actor):
        calls.append((plan.pk, plan.version, actor))
        return 7

    monkeypatch.setattr(generation, "tasks_replan_for_plan", fake)
    return calls


class TestPlanUpdate:
    def test_it_makes_a_new_version_and_audits_before_and_after(self, personas, plan):
        manager = personas["manager"]

        change = plan_update(
            actor=manager,
            plan=plan,
            data={"name": "住院出院随访", "age_min": 18},
            replan=False,
        )

        plan.refresh_from_db()
        assert change.changed
        assert plan.version == 2
        assert plan.name == "住院出院随访"
        entry = AuditEntry.objects.get(action="update", target_type="followups.plan", field="")
        assert entry.actor == manager
        assert entry.target_id == str(plan.pk)
        assert entry.changes["name"] == ["测试计划", "住院出院随访"]
        assert entry.changes["age_min"] == [None, 18]
        assert entry.changes["version"] == [1, 2]
        assert entry.changes["open_tasks"] == {"open": 0, "choice": "keep", "replanned": 0}

    def test_it_audits_departments_by_code(self, personas, departments, plan):
        plan_update(
            actor=personas["admin"],
            plan=plan,
            data={"departments": [departments["surgery"], departments["medicine"]]},
            replan=False,
        )

        assert set(plan.departments.values_list("code", flat=True)) == {"MED", "SUR"}
        entry = AuditEntry.objects.get(action="update", target_type="followups.plan", field="")
        assert entry.changes["departments"] == [[], ["MED", "SUR"]]

    def test_it_changes_nothing_when_nothing_differs(self, personas, plan):
        change = plan_update(
            actor=personas["manager"],
            plan=plan,
            data={"name": plan.name, "encounter_kinds": ["inpatient"], "departments": []},
            replan=True,
        )

        plan.refresh_from_db()
        assert not change.changed
        assert plan.version == 1
        assert not AuditEntry.objects.filter(target_type="followups.plan").exists()

    def test_it_keeps_open_tasks_as_they_were_when_asked_to(self, personas, touchpoint):
        task = make_task(touchpoint)

        change = plan_update(
            actor=personas["manager"], plan=touchpoint.plan, data={"age_max": 80}, replan=False
        )

        task.refresh_from_db()
        assert change.open_tasks == 1
        assert change.replanned == 0
        assert task.plan_version == 1
        assert task.due_from == DUE
        entry = AuditEntry.objects.get(action="update", target_type="followups.plan", field="")
        assert entry.changes["open_tasks"] == {"open": 1, "choice": "keep", "replanned": 0}

    def test_it_hands_the_new_version_to_the_generation_service_to_replan(
        self, personas, plan, replan_calls
    ):
        manager = personas["manager"]

        change = plan_update(actor=manager, plan=plan, data={"priority": 5}, replan=True)

        assert replan_calls == [(plan.pk, 2, manager)]
        assert change.replanned == 7
        entry = AuditEntry.objects.get(action="update", target_type="followups.plan", field="")
        assert entry.changes["open_tasks"]["choice"] == "replan"

    def test_it_refuses_a_change_made_on_an_old_version(self, personas, plan):
        plan_update(actor=personas["admin"], plan=plan, data={"priority": 1}, replan=False)

        with pytest.raises(Conflict) as info:
            plan_update(
                actor=personas["manager"],
                plan=plan,
                data={"priority": 2},
                replan=False,
                expected_version=1,
            )

        assert info.value.code == "plan_changed_meanwhile"
        plan.refresh_from_db()
        assert (plan.priority, plan.version) == (1, 2)

    @pytest.mark.parametrize("username", ["quality", "agent", "head_medicine", "nobody"])
    def test_it_refuses_roles_that_do_not_manage_plans(self, personas, plan, username):
        with pytest.raises(PermissionDenied):
            plan_update(actor=personas[username], plan=plan, data={"priority": 3}, replan=False)

        plan.refresh_from_db()
        assert (plan.priority, plan.version) == (0, 1)

    def test_it_refuses_to_change_the_code(self, personas, plan):
        with pytest.raises(ValueError, match="code"):
            plan_update(actor=personas["manager"], plan=plan, data={"code": "x"}, replan=False)


class TestPlanCreate:
    def test_it_creates_version_one_and_audits_it(self, personas, departments):
        plan = plan_create(
            actor=personas["manager"],
            code="day-surgery-check",
            data={
                "name": "日间手术复查",
                "encounter_kinds": ["day_surgery"],
                "departments": [departments["surgery"]],
            },
        )

        assert plan.version == 1
        assert list(plan.departments.all()) == [departments["surgery"]]
        entry = AuditEntry.objects.get(action="create", target_type="followups.plan")
        assert entry.changes["code"] == [None, "day-surgery-check"]
        assert entry.changes["departments"] == [None, ["SUR"]]

    def test_it_refuses_the_quality_office(self, personas):
        with pytest.raises(PermissionDenied):
            plan_create(actor=personas["quality"], code="x", data={"name": "x"})


class TestTouchpointSave:
    def test_it_adds_a_touchpoint_as_a_new_plan_version(self, personas, plan):
        change = touchpoint_save(
            actor=personas["manager"],
            plan=plan,
            data={
                "code": "month-call",
                "name": "一个月回访",
                "offset_days": 30,
                "window_days": 5,
                "channel": "phone",
                "call_windows": [["09:00", "11:00"]],
            },
            replan=False,
        )

        touchpoint = plan.touchpoints.get(code="month-call")
        assert touchpoint.call_windows == [["09:00", "11:00"]]
        assert change.plan.version == 2
        entry = AuditEntry.objects.get(action="create", target_type="followups.touchpoint")
        assert entry.changes["offset_days"] == [None, 30]
        assert entry.changes["plan_version"] == [1, 2]

    def test_it_changes_a_touchpoint_and_keeps_its_tasks(self, personas, touchpoint):
        task = make_task(touchpoint)

        change = touchpoint_save(
            actor=personas["admin"],
            plan=touchpoint.plan,
            touchpoint=touchpoint,
            data={"offset_days": 7},
            replan=False,
        )

        touchpoint.refresh_from_db()
        task.refresh_from_db()
        assert touchpoint.offset_days == 7
        assert change.open_tasks == 1
        assert (task.due_from, task.plan_version) == (DUE, 1)
        entry = AuditEntry.objects.get(action="update", target_type="followups.touchpoint")
        assert entry.changes["offset_days"] == [3, 7]

    def test_it_replans_when_asked(self, personas, touchpoint, replan_calls):
        touchpoint_save(
            actor=personas["manager"],
            plan=touchpoint.plan,
            touchpoint=touchpoint,
            data={"window_days": 2},
            replan=True,
        )

        assert replan_calls == [(touchpoint.plan_id, 2, personas["manager"])]

    def test_it_saves_nothing_unchanged(self, personas, touchpoint):
        change = touchpoint_save(
            actor=personas["manager"],
            plan=touchpoint.plan,
            touchpoint=touchpoint,
            data={"offset_days": 3},
            replan=False,
        )

        assert not change.changed
        assert Plan.objects.get(pk=touchpoint.plan_id).version == 1

    def test_it_refuses_the_quality_office(self, personas, touchpoint):
        with pytest.raises(PermissionDenied):
            touchpoint_save(
                actor=personas["quality"],
                plan=touchpoint.plan,
                touchpoint=touchpoint,
                data={"offset_days": 9},
                replan=False,
            )


class TestTouchpointDelete:
    def test_it_removes_a_touchpoint_without_tasks(self, personas, touchpoint):
        plan = touchpoint_delete(actor=personas["manager"], touchpoint=touchpoint)

        assert plan.version == 2
        assert not Touchpoint.objects.filter(pk=touchpoint.pk).exists()
        entry = AuditEntry.objects.get(action="delete", target_type="followups.touchpoint")
        assert entry.changes["code"] == ["first-call", None]
        assert entry.changes["plan_version"] == [1, 2]

    @pytest.mark.parametrize("status", ["pending", "done", "cancelled"])
    def test_it_refuses_a_touchpoint_that_has_tasks(self, personas, touchpoint, status):
        make_task(touchpoint, status=status)

        with pytest.raises(Conflict) as info:
            touchpoint_delete(actor=personas["manager"], touchpoint=touchpoint)

        assert info.value.code == "touchpoint_has_tasks"
        assert "停用该计划" in info.value.message
        assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
        assert Plan.objects.get(pk=touchpoint.plan_id).version == 1
        assert not AuditEntry.objects.filter(action="delete").exists()

    def test_it_refuses_the_quality_office(self, personas, touchpoint):
        with pytest.raises(PermissionDenied):
            touchpoint_delete(actor=personas["quality"], touchpoint=touchpoint)


class TestPlanReads:
    def test_it_counts_only_open_tasks_per_plan(self, personas, touchpoint):
        encounter = EncounterFactory()
        for sequence, status in enumerate(["pending", "no_phone", "done", "cancelled"]):
            make_task(touchpoint, encounter, status=status, sequence=sequence)
        other = make_touchpoint(make_plan("other-plan"))
        make_task(other, encounter)

        counts = {p.code: p.open_task_count for p in plan_list(user=personas["quality"])}

        assert counts["test-plan"] == 2
        assert counts["other-plan"] == 1

    def test_it_refuses_the_list_to_roles_without_plans(self, personas):
        with pytest.raises(PermissionDenied):
            plan_list(user=personas["agent"])

    def test_it_does_not_find_an_unknown_plan(self, personas):
        with pytest.raises(NotFound):
            services.plan_get(user=personas["manager"], code="no-such-plan")
