"""Reads of the core: the audit log and job runs."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.core.errors import PermissionDenied
from huifang.core.models import AuditEntry, JobRun


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    patient_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def audit_list(*, user, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Audit entries for those whose role reviews them, newest first."""
    if not user.has_perm("core.view_auditentry"):
        raise PermissionDenied(_("Your role may not see the audit log"))
    qs = AuditEntry.objects.all()
    if filters.actor:
        qs = qs.filter(actor_name__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.patient_id is not None:
        qs = qs.filter(patient_id=filters.patient_id)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        qs = qs.filter(at__lt=end)
    return qs.order_by("-at", "-id")


def audit_target_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("target_type").values_list("target_type", flat=True).distinct()
    )


def job_run_recent(*, user, limit: int = 20) -> list[JobRun]:
    if not user.is_staff:
        raise PermissionDenied(_("Only system administrators may see background jobs"))
    return list(JobRun.objects.order_by("-started_at", "-id")[:limit])
