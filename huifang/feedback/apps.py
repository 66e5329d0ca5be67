from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "huifang.feedback"
    label = "feedback"
    verbose_name = _("Complaints and suggestions")

    def ready(self) -> None:
        # Connects to follow-ups' signals and adds the workbench's complaints panel.
        from huifang.feedback import receivers  # noqa: F401
