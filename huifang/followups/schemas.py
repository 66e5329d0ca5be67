"""What the API says about follow-up tasks and contact attempts (read-only)."""

from datetime import date, datetime
from uuid import UUID

from ninja import Schema


class TaskOut(Schema):
    uuid: UUID
    patient: UUID
    patient_name: str
    encounter: UUID
    encounter_number: str
    department_code: str
    department_name: str
    plan: str
    touchpoint: str
    touchpoint_name: str
    sequence: int
    channel: str
    status: str
    due_from: date
    due_until: date
    next_attempt_at: datetime
    attempts: int
    max_attempts: int
    phone_masked: str | None
    assigned_to: str | None
    closed_reason: str
    created_at: datetime
    updated_at: datetime


class TaskPage(Schema):
    count: int
    page: int
    pages: int
    results: list[TaskOut]


class AttemptOut(Schema):
    id: int
    task: UUID
    patient: UUID
    outcome: str
    outcome_label: str
    reached: bool
    at: datetime
    agent: str
    phone_masked: str | None
    callback_at: datetime | None
    note: str
    red_flag: bool
    recorded_at: datetime


class AttemptPage(Schema):
    count: int
    page: int
    pages: int
    results: list[AttemptOut]
