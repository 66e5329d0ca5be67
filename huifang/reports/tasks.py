"""Background jobs of reports. Thin: each calls a service and records the run."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from huifang.core import services as core_services
from huifang.reports import rollups


@db_periodic_task(crontab(minute="*/10"), name="reports.rollups")
def rollups_periodic() -> dict:
    """Every ten minutes: find the months changed since the last run, recompute them."""
    return core_services.job_run_record(
        name="reports.rollups", work=lambda: rollups.rollups_refresh()
    )
