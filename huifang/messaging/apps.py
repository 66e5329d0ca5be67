from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "huifang.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from huifang.messaging import checks, receivers  # noqa: F401
