"""Background jobs of feedback. Thin: each calls a service and records the run."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from huifang.core import services as core_services
from huifang.feedback import services


def _run_deadlines() -> dict:
    return core_services.job_run_record(
        name="feedback.deadlines", work=lambda: services.cases_remind_and_escalate()
    )


@db_periodic_task(crontab(minute="*/15"), name="feedback.deadlines")
def deadlines_periodic() -> dict:
    """Every quarter of an hour: reminders before deadlines, overdue cases to the office."""
    return _run_deadlines()
