"""Background jobs of the core. Thin: each calls a service and records the run."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from huifang.core import services


def _run_housekeeping() -> dict:
    return services.job_run_record(name="housekeeping", work=services.housekeeping_run)


@db_periodic_task(crontab(hour="3", minute="15"), name="core.housekeeping_nightly")
def housekeeping_nightly() -> dict:
    return _run_housekeeping()


@db_task(name="core.housekeeping_now")
def housekeeping_now() -> dict:
    return _run_housekeeping()
