from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        # Asks touchpoints' questionnaires on the workbench; stores the call's answers.
        from huifang.patients import actions, timeline
        from huifang.surveys import workbench  # noqa: F401
        from huifang.surveys.selectors import response_timeline_for_patient

        actions.register(_patient_actions)
        timeline.register("response", response_timeline_for_patient)


def _patient_actions(*, user, patient) -> list[dict]:
    """The patient page's "questionnaire link / QR" button, for those who may send one."""
    from django.urls import reverse
    from django.utils.translation import gettext

    if not user.has_perm("surveys.add_dispatch") or patient.is_deceased:
        return []
    return [
        {
            "label": gettext("Questionnaire QR code"),
            "url": reverse("surveys:invite", args=[patient.uuid]),
            "icon": "qr-code",
        }
    ]
