"""Migration 0012: untried window-passed tasks become passed records; going back restores them."""

import datetime
import importlib

import pytest
from django.apps import apps

from huifang.followups import slots
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome, PassedTouchpoint
from huifang.testing.factories import make_task, make_touchpoint

migration = importlib.import_module("huifang.followups.migrations.0012_passed_touchpoints")

pytestmark = pytest.mark.django_db


def passed_task(patient, code):
    task = make_task(patient, touchpoint=make_touchpoint(code=code))
    FollowUpTask.objects.filter(pk=task.pk).update(status=FollowUpTask.Status.WINDOW_PASSED)
    task.refresh_from_db()
    return task


def test_untried_window_passed_tasks_move_and_tried_ones_stay(patient_medicine):
    untried = passed_task(patient_medicine, "call-a")
    tried = passed_task(patient_medicine, "call-b")
    ContactAttempt.objects.create(
        task=tried,
        outcome=Outcome.objects.get(code="no_answer"),
        at=slots.at(datetime.date(2026, 11, 13), datetime.time(10, 0)),
    )
    pending = make_task(patient_medicine, touchpoint=make_touchpoint(code="call-c"))

    migration.move_passed_tasks(apps, None)

    record = PassedTouchpoint.objects.get()
    assert (record.encounter_id, record.touchpoint_id, record.due_from, record.due_until) == (
        untried.encounter_id,
        untried.touchpoint_id,
        untried.due_from,
        untried.due_until,
    )
    assert record.recorded_at == untried.created_at
    assert set(FollowUpTask.objects.values_list("pk", flat=True)) == {tried.pk, pending.pk}

    migration.restore_passed_tasks(apps, None)
    restored = FollowUpTask.objects.get(touchpoint=untried.touchpoint)
    assert (restored.status, restored.due_until, restored.patient_id) == (
        FollowUpTask.Status.WINDOW_PASSED,
        untried.due_until,
        patient_medicine.pk,
    )
