"""Opens cases from what agents capture on calls and from flagged questionnaire answers."""

from django.dispatch import receiver

from huifang.feedback.models import Case
from huifang.feedback.services import (
    case_create,
    case_verification_requeue_merged,
    case_verify_from_response,
)
from huifang.followups import panels
from huifang.followups.signals import attempt_recorded
from huifang.surveys.signals import response_recorded


@receiver(attempt_recorded, dispatch_uid="feedback.cases_from_call")
def cases_from_call(sender, attempt, task, agent, feedback, red_flag, **kwargs) -> None:
    # Inside the call's transaction: a case that does not validate undoes the whole call.
    if red_flag:
        case_create(
            actor=agent,
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description=red_flag,
            severity=Case.Severity.HIGH,
            encounter=task.encounter,
            task=task,
            attempt=attempt,
            now=attempt.at,
        )
    for item in feedback:
        case_create(
            actor=agent,
            kind=item["kind"],
            source=Case.Source.AGENT,
            description=item.get("description", ""),
            category=item.get("category", ""),
            encounter=task.encounter,
            department=item.get("department"),
            task=task,
            attempt=attempt,
            now=attempt.at,
        )


@receiver(attempt_recorded, dispatch_uid="feedback.verification_calls_merged_away")
def verification_calls_merged_away(sender, attempt, task, agent, **kwargs) -> None:
    """A call that ends takes no merged verification with it: those are queued again."""
    from huifang.followups.models import FollowUpTask

    if task.status not in FollowUpTask.OPEN:
        case_verification_requeue_merged(keeper=task, actor=agent, now=attempt.at)


@panels.register
def previous_cases_panel(*, user, patient):
    """The workbench's "previous complaints and escalations" panel."""
    from huifang.feedback.selectors import case_list_for_patient

    return {
        "title": Case._meta.verbose_name_plural,
        "template": "feedback/_patient_cases.html",
        "context": {"cases": case_list_for_patient(user=user, patient=patient)},
    }


@receiver(response_recorded, dispatch_uid="feedback.cases_from_answers")
def cases_from_answers(sender, response, flagged, **kwargs) -> None:
    """Answers flagged in the questionnaire open cases: one escalation, one complaint at most.

    The answers of a verification call close or reopen the case they verify
    instead: "not solved" there is the same complaint, not a new one.
    """
    verified = case_verify_from_response(response=response)
    red_flags = [answer for answer in flagged if answer.red_flag]
    feedback = [answer for answer in flagged if answer.opens_feedback and not answer.red_flag]
    if verified is not None:
        feedback = []
    common = {
        "actor": response.recorded_by,
        "source": Case.Source.QUESTIONNAIRE,
        "patient": response.patient,
        "encounter": response.encounter,
        "task": response.task,
        "now": response.submitted_at,
    }
    if red_flags:
        case_create(
            kind=Case.Kind.ESCALATION,
            severity=Case.Severity.HIGH,
            description=_answers_text(red_flags),
            **common,
        )
    if feedback:
        case_create(kind=Case.Kind.COMPLAINT, description=_answers_text(feedback), **common)


def _answers_text(answers) -> str:
    from huifang.surveys.answers import answer_label

    return "\n".join(f"{a.item.text} {answer_label(a.item, a.value)}" for a in answers)
