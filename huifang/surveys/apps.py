from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        # Asks touchpoints' questionnaires on the workbench; stores the call's answers.
        from huifang.surveys import workbench  # noqa: F401
