"""The only writes reports make: an audit entry for every export."""

from huifang.accounts.models import User
from huifang.core.models import AuditAction
from huifang.core.services import audit_record


def report_export_audit(*, actor: User, report: str, title: str, details: dict) -> None:
    """Record that ``actor`` downloaded ``report`` (what period, which department)."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        field=report,
        target_repr=title,
        changes=details,
    )
