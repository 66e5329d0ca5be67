"""Background jobs of questionnaires. Thin: each calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from huifang.core import services as core_services
from huifang.surveys import services


@db_periodic_task(crontab(minute="17"), name="surveys.expire_links")
def expire_links() -> dict:
    """Hourly: links past their expiry and not answered are marked expired."""
    return core_services.job_run_record(
        name="surveys.expire_links",
        work=lambda: {"expired": services.dispatch_expire_due()},
    )
