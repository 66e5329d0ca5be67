"""Background jobs of the core. Thin: each calls a service and records the run."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from huifang.core import services

logger = logging.getLogger(__name__)


def _run_housekeeping() -> dict:
    run = services.job_run_start(name="housekeeping")
    try:
        removed = services.housekeeping_run()
    except Exception as exc:
        services.job_run_finish(run=run, error=f"{type(exc).__name__}: {exc}")
        logger.exception("housekeeping failed")
        raise
    services.job_run_finish(run=run, summary=removed)
    logger.info("housekeeping removed %s", removed)
    return removed


@db_periodic_task(crontab(hour="3", minute="15"), name="core.housekeeping_nightly")
def housekeeping_nightly() -> dict:
    return _run_housekeeping()


@db_task(name="core.housekeeping_now")
def housekeeping_now() -> dict:
    return _run_housekeeping()
