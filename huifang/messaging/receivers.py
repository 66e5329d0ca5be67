"""Listening to follow-ups: a call that failed often enough sends the call-us-back SMS."""

from django.dispatch import receiver

from huifang.followups.models import Outcome
from huifang.followups.signals import attempt_recorded


@receiver(attempt_recorded, dispatch_uid="messaging.call_us_back")
def call_us_back_after_failed_calls(sender, attempt, task, **kwargs):
    from huifang.messaging.services.tasks import call_us_back_enqueue

    if attempt.outcome.category == Outcome.Category.NOT_REACHED:
        call_us_back_enqueue(task=task)
