"""``huifang send-messages``: a long-running sender (as many as you like, side by side)."""

import time

from django.core.management.base import BaseCommand

from huifang.messaging.services import sending
from huifang.messaging.services.tasks import task_messages_enqueue
from huifang.messaging.services.web_surveys import web_survey_tasks_send


class Command(BaseCommand):
    help = "Queue due SMS and web-survey tasks and send due SMS and e-mail messages in a loop (or until nothing is due with --until-idle)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", choices=["sms", "email"], action="append")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--until-idle", action="store_true")
        parser.add_argument("--idle-sleep", type=float, default=5.0)

    def handle(self, *args, channel=None, batch=500, until_idle=False, idle_sleep=5.0, **opts):
        channels = channel or ["sms", "email"]
        while True:
            task_messages_enqueue()
            web_survey_tasks_send()
            worked = False
            for name in channels:
                counts = sending.messages_send_due(channel=name, limit=batch)
                handled = sum(
                    n for k, n in counts.items() if k in ("sent", "failed") or k.startswith("skip")
                )
                worked |= bool(handled or counts.get("rate_limited"))
                if counts.get("rate_limited") and not handled:
                    time.sleep(0.05)
            if not worked:
                if until_idle:
                    return
                time.sleep(idle_sleep)
