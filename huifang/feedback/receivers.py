"""Opens cases from what agents capture on calls (follow-ups' ``attempt_recorded``)."""

from django.dispatch import receiver

from huifang.feedback.models import Case
from huifang.feedback.services import case_create
from huifang.followups import panels
from huifang.followups.signals import attempt_recorded


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


@panels.register
def previous_cases_panel(*, user, patient):
    """The workbench's "previous complaints and escalations" panel."""
    from huifang.feedback.selectors import case_list_for_patient

    return {
        "title": Case._meta.verbose_name_plural,
        "template": "feedback/_patient_cases.html",
        "context": {"cases": case_list_for_patient(user=user, patient=patient)},
    }
