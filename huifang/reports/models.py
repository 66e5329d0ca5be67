"""Reports keep no data of their own yet: one unmanaged model carries the permissions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    """No table: the permissions the roles grant for reports."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_reports", _("Can see follow-up reports for the departments in scope")),
            ("view_own_figures", _("Can see one's own follow-up figures")),
        ]

    def __str__(self) -> str:
        return "reports"
