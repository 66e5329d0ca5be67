"""Workflows that touch several apps: one explicit function each, calling their services in order.

In the style of Zulip's actions: what a recorded call sets off in surveys
and feedback is written here, in order, not in signal receivers (those stay
for rollups and caches). Apps lower down (follow-ups) call these through
the project, so their own modules never import the apps above them.
"""

from django.db import transaction

from huifang.feedback.services import (
    case_verification_requeue_merged,
    case_verify_from_response,
    cases_open_from_call,
)
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.services.outcomes import attempt_record
from huifang.surveys.workbench import response_record_from_call


def call_record(*, task: FollowUpTask, agent, feedback: list[dict] | None = None, **attempt):
    """Record a call and everything captured on it, all or nothing; returns the ``ContactAttempt``.

    In one transaction, in this order:

    1. ``followups.attempt_record`` — the attempt and its outcome's rules
       (its ``attempt_recorded`` signal feeds the rollups and the
       call-us-back SMS);
    2. ``surveys.response_record_from_call`` — the questionnaire asked on
       the call, stored as a phone response;
    3. ``feedback.case_verify_from_response`` — a verification call's
       answers close or reopen the case they verify;
    4. ``feedback.cases_open_from_call`` — the cases: one per call and
       topic, a dissatisfied answer joining the agent's complaint of the
       same topic, one clinical red flag at most;
    5. ``feedback.case_verification_requeue_merged`` — a call that ended
       takes no verification folded into it along.

    ``attempt`` holds ``attempt_record``'s other keyword arguments
    (``outcome``, ``at``, ``note``, ``red_flag``, ``answers``, …). Any
    ``ApplicationError`` on the way rolls the whole call back.
    """
    red_flag = attempt.get("red_flag", "")
    with transaction.atomic():
        recorded: ContactAttempt = attempt_record(
            task=task, agent=agent, feedback=feedback, **attempt
        )
        saved = task  # attempt_record refreshed it: the task as saved
        response = response_record_from_call(attempt=recorded, task=saved, agent=agent)
        flagged = []
        if response is not None:
            flagged = list(
                response.answers.select_related("item").filter(item__isnull=False).order_by("pk")
            )
            flagged = [a for a in flagged if a.opens_feedback or a.red_flag]
            if case_verify_from_response(response=response) is not None:
                # "Not solved" is the same complaint; only a red flag opens a case.
                flagged = [a for a in flagged if a.red_flag]
        cases_open_from_call(
            attempt=recorded,
            task=saved,
            agent=agent,
            feedback=list(feedback or []),
            red_flag=(red_flag or "").strip(),
            response=response,
            flagged=flagged,
        )
        if saved.status not in FollowUpTask.OPEN:
            case_verification_requeue_merged(keeper=saved, actor=agent, now=recorded.at)
    return recorded


__all__ = ["call_record"]
