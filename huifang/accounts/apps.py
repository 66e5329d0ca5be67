from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "huifang.accounts"
    label = "accounts"
    verbose_name = _("Users and departments")

    def ready(self) -> None:
        from huifang.accounts import services

        # Roles are groups whose permissions are defined in code; keep the
        # database's groups in step after every migrate.
        post_migrate.connect(services.roles_sync_after_migrate, sender=self)

        from django.contrib.auth import signals as auth_signals

        from huifang.accounts import signals

        auth_signals.user_logged_in.connect(signals.on_logged_in, dispatch_uid="hf_login")
        auth_signals.user_logged_out.connect(signals.on_logged_out, dispatch_uid="hf_logout")
        auth_signals.user_login_failed.connect(
            signals.on_login_failed, dispatch_uid="hf_login_failed"
        )
