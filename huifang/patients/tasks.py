"""Background jobs of the patients app: thin, each calls a service."""

from huey.contrib.djhuey import db_task

from huifang.patients import services


@db_task(name="patients.import_run")
def import_run_task(run_id: int) -> None:
    services.import_run_execute(run_id=run_id)
