"""Listens to the patients app: encounters written → their tasks (re)planned;
patients deceased → their open tasks cancelled; a patient's preferred time,
refused channels or phone numbers changed → their open tasks planned again; and to the core:
the holiday table changed → the open tasks it may move planned again.

``encounters_written`` is sent once the transaction that wrote the
encounters has committed, so the worker sees the rows; the planning itself
runs in the task queue, never in the request or the import.
``patients_deceased`` is sent inside the transaction that records the
death, and the cancelling happens right there: no queued call to a dead
patient survives the commit, whatever later planning does.
``patients_contact_changed`` is sent once the patient's change has
committed; the re-planning runs in the task queue.
``calendar_changed`` is sent once the edit of the holiday table has
committed; the re-planning runs in the task queue, from the earliest day
changed.
"""

from django.dispatch import receiver

from huifang.core.signals import calendar_changed
from huifang.patients.signals import (
    encounters_written,
    patients_contact_changed,
    patients_deceased,
)


@receiver(encounters_written, dispatch_uid="followups.plan_written_encounters")
def plan_written_encounters(sender, encounter_ids, **kwargs) -> None:
    # Imported here: the task module needs huey configured, which the app
    # registry guarantees only once every app is ready.
    from huifang.followups.tasks import generate_tasks_task

    ids = [int(pk) for pk in encounter_ids or ()]
    if ids:
        generate_tasks_task(ids)


@receiver(patients_deceased, dispatch_uid="followups.cancel_for_deceased")
def cancel_for_deceased(sender, patient_ids, **kwargs) -> None:
    from huifang.followups.services.generation import tasks_cancel_for_patient

    for patient_id in patient_ids:
        tasks_cancel_for_patient(patient_id=patient_id, reason="deceased")


@receiver(patients_contact_changed, dispatch_uid="followups.replan_for_contact_change")
def replan_for_contact_change(sender, patient_ids, **kwargs) -> None:
    from huifang.followups.tasks import replan_for_patients_task

    ids = [int(pk) for pk in patient_ids or ()]
    if ids:
        replan_for_patients_task(ids)


@receiver(calendar_changed, dispatch_uid="followups.replan_for_calendar")
def replan_for_calendar(sender, days, **kwargs) -> None:
    from huifang.followups.tasks import replan_for_calendar_task

    if days:
        replan_for_calendar_task(min(days).isoformat())
