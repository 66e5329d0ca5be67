"""A task's references keep their rules though most hold no constraint in the database.

Patient, plan, touchpoint, phone, user and merged-into references of a task are
kept by the ORM alone (``db_constraint=False``, so a back-fill's million
history rows cost no checks at commit): deleting what an open task points
at is refused or clears the reference, as before. The encounter keeps its
constraint, and through it the patient.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from huifang.followups.models import FollowUpTask
from huifang.patients.models import Encounter
from huifang.testing.factories import make_task, make_touchpoint

pytestmark = pytest.mark.django_db


def test_a_plan_or_touchpoint_with_tasks_cannot_be_deleted(patient_medicine):
    task = make_task(patient_medicine)
    with pytest.raises(ProtectedError):
        task.touchpoint.delete()
    with pytest.raises(ProtectedError):
        task.plan.delete()
    assert FollowUpTask.objects.filter(pk=task.pk, touchpoint=task.touchpoint).exists()


def test_deleting_a_number_leaves_the_task_without_one(patient_medicine):
    task = make_task(patient_medicine)
    assert task.phone is not None
    task.phone.delete()
    task.refresh_from_db()
    assert task.phone_id is None


def test_a_user_with_tasks_cannot_be_deleted_and_merges_clear(personas, patient_medicine):
    agent = personas["agent"]
    keeper = make_task(patient_medicine)
    merged = make_task(patient_medicine, touchpoint=make_touchpoint(code="second"))
    FollowUpTask.objects.filter(pk=keeper.pk).update(assigned_to=agent)
    FollowUpTask.objects.filter(pk=merged.pk).update(status="merged", merged_into=keeper)
    with pytest.raises(ProtectedError):
        agent.delete()
    keeper.delete()
    merged.refresh_from_db()
    assert merged.merged_into_id is None


def test_a_patient_with_tasks_cannot_be_deleted(patient_medicine):
    task = make_task(patient_medicine)
    with pytest.raises(ProtectedError):
        task.patient.delete()
    assert FollowUpTask.objects.filter(pk=task.pk, patient=task.patient).exists()


def test_the_database_still_refuses_a_task_of_no_encounter(patient_medicine):
    task = make_task(patient_medicine)
    missing = Encounter.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpTask.objects.filter(pk=task.pk).update(encounter_id=missing)
        connection.check_constraints(table_names=[FollowUpTask._meta.db_table])
