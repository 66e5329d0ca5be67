"""Reads of feedback cases, scoped by the acting user's departments."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.feedback.models import Case


@dataclass(frozen=True)
class CaseFilters:
    kind: str = ""
    status: str = "open"  # "open", "all" or one status
    department_id: int | None = None
    overdue: bool = False


def _scoped(user) -> QuerySet[Case]:
    if not user.has_perm("feedback.view_case"):
        raise PermissionDenied
    cases = Case.objects.all()
    scope = user_department_scope(user)
    if scope is not ALL_DEPARTMENTS:
        cases = cases.filter(department_id__in=scope)
    return cases


def case_list(*, user, filters: CaseFilters) -> QuerySet[Case]:
    """Cases of the user's departments (every department for managers and quality)."""
    cases = _scoped(user)
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.status == "open":
        cases = cases.filter(status__in=Case.OPEN)
    elif filters.status and filters.status != "all":
        cases = cases.filter(status=filters.status)
    if filters.department_id:
        cases = cases.filter(department_id__in=department_descendant_ids([filters.department_id]))
    if filters.overdue:
        cases = cases.filter(status__in=Case.OPEN, deadline_at__lt=timezone.now())
    now = timezone.now()
    return (
        cases.select_related("patient", "department", "reported_by")
        .annotate(
            overdue=SqlCase(
                When(status__in=Case.OPEN, deadline_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("deadline_at", "-created_at", "-id")
    )


def case_open_counts(*, user) -> dict[str, int]:
    """Open escalations and overdue cases in the user's scope (for the start page)."""
    if not user.has_perm("feedback.view_case"):
        return {}
    cases = _scoped(user).filter(status__in=Case.OPEN)
    now = timezone.now()
    return cases.aggregate(
        escalations=Count("pk", filter=Q(kind=Case.Kind.ESCALATION)),
        overdue=Count("pk", filter=Q(deadline_at__lt=now)),
        open=Count("pk"),
    )


def case_list_for_patient(*, user, patient, limit: int = 20) -> list[Case]:
    """The patient's earlier cases the user may see, newest first (the workbench panel)."""
    if not user.has_perm("feedback.view_case"):
        return []
    return list(
        _scoped(user)
        .filter(patient=patient)
        .select_related("department")
        .order_by("-created_at", "-id")[:limit]
    )
