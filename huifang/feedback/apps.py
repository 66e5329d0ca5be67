from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "huifang.feedback"
    label = "feedback"
    verbose_name = _("Complaints and suggestions")

    def ready(self) -> None:
        # Connects to follow-ups' signals and adds the workbench's complaints panel.
        from huifang.core.context_processors import register_badge
        from huifang.feedback import receivers  # noqa: F401
        from huifang.feedback.selectors import notification_unread_count

        # The unread notifications of whoever must act, on the navigation entry.
        register_badge("feedback", lambda user: notification_unread_count(user=user))

        from huifang.feedback.selectors import case_timeline_for_patient
        from huifang.patients import timeline

        timeline.register("case", case_timeline_for_patient)
