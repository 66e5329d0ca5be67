from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "huifang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from huifang.core import (
            checks,  # noqa: F401  (registers the checks)
            lookups,  # noqa: F401  (registers field__any_of)
        )
