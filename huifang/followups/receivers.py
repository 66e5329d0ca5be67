"""Listens to the patients app: encounters written → their tasks (re)planned.

The signal is sent once the transaction that wrote the encounters has
committed, so the worker sees the rows; the planning itself runs in the
task queue, never in the request or the import.
"""

from django.dispatch import receiver

from huifang.patients.signals import encounters_written


@receiver(encounters_written, dispatch_uid="followups.plan_written_encounters")
def plan_written_encounters(sender, encounter_ids, **kwargs) -> None:
    # Imported here: the task module needs huey configured, which the app
    # registry guarantees only once every app is ready.
    from huifang.followups.tasks import generate_tasks_task

    ids = [int(pk) for pk in encounter_ids or ()]
    if ids:
        generate_tasks_task(ids)
