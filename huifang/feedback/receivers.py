"""The workbench panel of earlier cases, and cases from answers given outside a call.

A recorded call opens its cases through the call-recording workflow
(``huifang.workflows.call_record`` → ``services.cases_open_from_call``),
not here. Surveys cannot import feedback, so answers recorded elsewhere (a
patient's link, the API, FHIR, typed in on the surveys pages) still arrive
through ``response_recorded``.
"""

from django.dispatch import receiver

from huifang.feedback.models import Case
from huifang.feedback.services import case_verify_from_response, cases_open_from_response
from huifang.followups import panels
from huifang.surveys.signals import response_recorded


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
    """Answers given outside a call: a verification's verdict, else one case per topic."""
    if case_verify_from_response(response=response) is not None:
        flagged = [answer for answer in flagged if answer.red_flag]
    cases_open_from_response(response=response, flagged=flagged)
