"""Background jobs of follow-ups. Thin: each calls a generation service."""

from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from huifang.core import services as core_services
from huifang.followups.services import generation


@db_task(name="followups.generate_tasks")
def generate_tasks_task(encounter_ids: list[int]) -> dict:
    """Plan the tasks of encounters just written (import, API, HL7)."""
    return generation.tasks_generate_for_encounters(encounter_ids).as_dict()


def _run_nightly() -> dict:
    return core_services.job_run_record(
        name="followups.generate_nightly",
        work=lambda: generation.tasks_generate_nightly().as_dict(),
    )


@db_periodic_task(crontab(hour="2", minute="30"), name="followups.generate_nightly")
def generate_tasks_nightly() -> dict:
    """Each night: the next repeats that are due, and recent encounters never planned."""
    return _run_nightly()


@db_task(name="followups.replan_for_patients")
def replan_for_patients_task(patient_ids: list[int]) -> dict:
    """Re-plan the open tasks of patients whose preferred time or refused channels changed."""
    return generation.tasks_replan_for_patients(patient_ids).as_dict()


@db_task(name="followups.replan_for_calendar")
def replan_for_calendar_task(changed_on: str) -> dict:
    """Re-plan the open tasks an edit of the holiday table may move (``changed_on``: ISO date)."""
    day = date.fromisoformat(changed_on)
    return core_services.job_run_record(
        name="followups.replan_for_calendar",
        work=lambda: generation.tasks_replan_for_calendar(changed_on=day).as_dict(),
    )


@db_task(name="followups.register_import")
def register_import_task(run_id: int) -> None:
    """Run a register uploaded from the web (``services.registers``)."""
    from huifang.followups.services import registers

    registers.register_import_execute(run_id=run_id)
