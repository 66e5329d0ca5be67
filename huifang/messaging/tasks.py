"""Background jobs of messaging. Thin: each calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from huifang.messaging.services import sending
from huifang.messaging.services.tasks import task_messages_enqueue
from huifang.messaging.services.web_surveys import web_survey_tasks_send


@db_periodic_task(crontab(minute="*"), name="messaging.send_due")
def send_due() -> dict:
    """Every minute: queue due SMS and web-survey follow-up tasks, then send what is due."""
    summary = {"tasks_queued": task_messages_enqueue(), "web_surveys": web_survey_tasks_send()}
    for channel in ("sms", "email"):
        summary[channel] = sending.messages_send_due(channel=channel)
    return summary
