"""Background jobs of the patients app: thin, each calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from huifang.patients import services


@db_task(name="patients.import_run")
def import_run_task(run_id: int) -> None:
    services.import_run_execute(run_id=run_id)


@db_periodic_task(crontab(minute="*/10"), name="patients.interrupted_imports")
def interrupted_imports_task() -> int:
    return services.import_runs_mark_interrupted()
