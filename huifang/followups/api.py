"""Follow-up tasks and contact attempts in the JSON API (read-only, scoped, phones masked)."""

from datetime import date
from uuid import UUID

from django.utils.translation import get_language
from ninja import Query, Router

from huifang.core.errors import ApplicationError
from huifang.core.masking import mask_numbers_in_text, mask_phone
from huifang.core.pagination import PageQuery, api_page
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.schemas import AttemptPage, TaskOut, TaskPage
from huifang.followups.selectors.tasks import (
    AttemptFilters,
    TaskFilters,
    attempt_list,
    task_get,
    task_list,
)
from huifang.patients.api import ErrorOut

router = Router(tags=["follow-ups"])


class TaskQuery(PageQuery):
    status: str = ""
    plan: str = ""
    department: int | None = None
    due_from: date | None = None
    due_to: date | None = None


class AttemptQuery(PageQuery):
    task: UUID | None = None
    after: int | None = None  # the last attempt id seen: only newer ones
    department: int | None = None


def _task_out(task: FollowUpTask) -> dict:
    return {
        "uuid": task.uuid,
        "patient": task.patient.uuid,
        "patient_name": task.patient.name,
        "encounter": task.encounter.uuid,
        "encounter_number": task.encounter.number,
        "department_code": task.encounter.department.code,
        "department_name": task.encounter.department.name,
        "plan": task.plan.code,
        "touchpoint": task.touchpoint.code,
        "touchpoint_name": task.touchpoint.name,
        "sequence": task.sequence,
        "channel": task.channel,
        "status": task.status,
        "due_from": task.due_from,
        "due_until": task.due_until,
        "next_attempt_at": task.next_attempt_at,
        "attempts": task.attempts,
        "max_attempts": task.max_attempts,
        "phone_masked": mask_phone(task.phone.number) if task.phone else None,
        "assigned_to": task.assigned_to.username if task.assigned_to else None,
        "closed_reason": task.closed_reason,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def _attempt_out(attempt: ContactAttempt) -> dict:
    outcome = attempt.outcome
    chinese = (get_language() or "").startswith("zh")
    return {
        "id": attempt.pk,
        "task": attempt.task.uuid,
        "patient": attempt.task.patient.uuid,
        "outcome": outcome.code,
        "outcome_label": outcome.label_zh if chinese else outcome.label_en,
        "reached": outcome.counts_as_success,
        "at": attempt.at,
        "agent": attempt.agent.username if attempt.agent else attempt.agent_name,
        "phone_masked": mask_phone(attempt.phone.number) if attempt.phone else None,
        "callback_at": attempt.callback_at,
        # Staff write numbers into notes ("家属电话 139…"): masked like every list.
        "note": mask_numbers_in_text(attempt.note),
        "red_flag": bool(attempt.red_flag),
        "recorded_at": attempt.created_at,
    }


@router.get(
    "/tasks",
    response={200: TaskPage, 400: ErrorOut, 403: ErrorOut},
    summary="Follow-up tasks within your departments, by due date",
)
def task_list_endpoint(request, query: Query[TaskQuery]):
    if query.status and query.status not in FollowUpTask.Status.values:
        raise ApplicationError(
            f"unknown task status {query.status!r}",
            code="invalid_status",
            details={"allowed": FollowUpTask.Status.values},
        )
    filters = TaskFilters(
        status=query.status,
        plan=query.plan,
        department_id=query.department,
        due_from=query.due_from,
        due_to=query.due_to,
    )
    tasks = task_list(user=request.user, filters=filters)
    return api_page(tasks, page=query.page, page_size=query.page_size, render=_task_out)


@router.get(
    "/tasks/{task_uuid}",
    response={200: TaskOut, 403: ErrorOut, 404: ErrorOut},
    summary="One follow-up task",
)
def task_detail(request, task_uuid: UUID):
    return _task_out(task_get(user=request.user, task_uuid=task_uuid))


@router.get(
    "/attempts",
    response={200: AttemptPage, 403: ErrorOut},
    summary="Calls recorded on tasks within your departments, in the order recorded",
)
def attempt_list_endpoint(request, query: Query[AttemptQuery]):
    filters = AttemptFilters(
        task_uuid=query.task, after_id=query.after, department_id=query.department
    )
    attempts = attempt_list(user=request.user, filters=filters)
    return api_page(attempts, page=query.page, page_size=query.page_size, render=_attempt_out)
