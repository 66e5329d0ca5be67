"""django-axes, the sign-in lock-out, as installed here (``INSTALLED_APPS``).

In a module of its own: a second configuration in ``accounts/apps.py``
would stop Django from picking ``AccountsConfig`` for ``huifang.accounts``.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SignInLockoutConfig(AxesAppConfig):
    """django-axes under a name staff can read in the administration.

    Its own catalogue has no Chinese; the project catalogue translates its
    model and field names.
    """

    verbose_name = _("Sign-in lock-out")
