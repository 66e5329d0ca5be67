"""Writes of feedback cases: capture, the loop's steps, notifications and the periodic job.

Every service checks the role allowed for its step (``feedback.workflow``),
writes a ``CaseEvent`` on the case's timeline and an audit entry, and
deletes nothing.
"""

from huifang.feedback.services.capture import cases_open_from_call, cases_open_from_response
from huifang.feedback.services.cases import (
    attachment_add,
    case_caller_phone_reveal,
    case_create,
    case_deadline,
    deadline_rule_for,
)
from huifang.feedback.services.jobs import cases_remind_and_escalate
from huifang.feedback.services.notifications import (
    notification_mark_read,
    notifications_send,
)
from huifang.feedback.services.transitions import (
    case_answer,
    case_assign,
    case_close,
    case_dispose,
    case_escalate,
    case_merge,
    case_reopen,
    case_return,
    case_triage,
    case_verification_requeue_merged,
    case_verification_start,
    case_verify,
    case_verify_from_response,
    case_withdraw,
    verification_result_from_answers,
)

__all__ = [
    "attachment_add",
    "case_answer",
    "case_assign",
    "case_caller_phone_reveal",
    "case_close",
    "case_create",
    "case_deadline",
    "case_dispose",
    "case_escalate",
    "case_merge",
    "case_reopen",
    "case_return",
    "case_triage",
    "case_verification_requeue_merged",
    "case_verification_start",
    "case_verify",
    "case_verify_from_response",
    "case_withdraw",
    "cases_open_from_call",
    "cases_open_from_response",
    "cases_remind_and_escalate",
    "deadline_rule_for",
    "notification_mark_read",
    "notifications_send",
    "verification_result_from_answers",
]
