from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "huifang.reports"
    verbose_name = _("Reports and analytics")

    def ready(self) -> None:
        # Marks the months whose rollups a write changed (reports.receivers).
        from huifang.reports import receivers  # noqa: F401
