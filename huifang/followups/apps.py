from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "huifang.followups"
    label = "followups"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from huifang.followups import receivers  # noqa: F401  (connects to patients' signals)
