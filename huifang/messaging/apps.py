from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "huifang.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from huifang.messaging import checks, receivers  # noqa: F401
        from huifang.messaging.selectors import message_timeline_for_patient
        from huifang.patients import timeline

        timeline.register("message", message_timeline_for_patient)
