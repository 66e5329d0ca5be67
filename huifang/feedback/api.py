"""Complaint, suggestion and praise cases in the JSON API (read-only, scoped, numbers masked)."""

from uuid import UUID

from django.utils import timezone
from ninja import Query, Router

from huifang.core.errors import ApplicationError
from huifang.core.masking import mask_numbers_in_text
from huifang.core.pagination import PageQuery, api_page
from huifang.feedback.models import Case
from huifang.feedback.schemas import CaseOut, CasePage
from huifang.feedback.selectors import CaseFilters, case_get, case_list
from huifang.patients.api import ErrorOut

router = Router(tags=["feedback"])


class CaseQuery(PageQuery):
    kind: str = ""
    status: str = "all"  # "all", "open" or one status
    department: int | None = None
    overdue: bool = False


def _case_out(case: Case, now) -> dict:
    return {
        "uuid": case.uuid,
        "kind": case.kind,
        "status": case.status,
        "source": case.source,
        "channel": case.channel,
        "category": case.category,
        "severity": case.severity,
        "patient": case.patient.uuid if case.patient_id else None,
        "department_code": case.department.code if case.department_id else None,
        "department_name": case.department.name if case.department_id else None,
        # What the patient said, as staff wrote it: numbers in it masked.
        "description": mask_numbers_in_text(case.description),
        "deadline_at": case.deadline_at,
        "overdue": bool(
            case.deadline_at and case.status in Case.AWAITING_ANSWER and case.deadline_at < now
        ),
        "answered_at": case.answered_at,
        "verification_result": case.verification_result,
        "closed_at": case.closed_at,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


@router.get(
    "",
    response={200: CasePage, 400: ErrorOut, 403: ErrorOut},
    summary="Cases led by or involving your departments, earliest deadline first",
)
def case_list_endpoint(request, query: Query[CaseQuery]):
    allowed = ["all", "open", *Case.Status.values]
    if query.status not in allowed:
        raise ApplicationError(
            f"unknown case status {query.status!r}",
            code="invalid_status",
            details={"allowed": allowed},
        )
    if query.kind and query.kind not in Case.Kind.values:
        raise ApplicationError(
            f"unknown case kind {query.kind!r}",
            code="invalid_kind",
            details={"allowed": Case.Kind.values},
        )
    filters = CaseFilters(
        kind=query.kind,
        status=query.status,
        department_id=query.department,
        overdue=query.overdue,
    )
    now = timezone.now()
    return api_page(
        case_list(user=request.user, filters=filters),
        page=query.page,
        page_size=query.page_size,
        render=lambda case: _case_out(case, now),
    )


@router.get(
    "/{case_uuid}",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut},
    summary="One case",
)
def case_detail(request, case_uuid: UUID):
    return _case_out(case_get(user=request.user, case_uuid=case_uuid), timezone.now())
