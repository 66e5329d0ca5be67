"""What the API says about complaint, suggestion and praise cases (read-only)."""

from datetime import datetime
from uuid import UUID

from ninja import Schema


class CaseOut(Schema):
    uuid: UUID
    kind: str
    status: str
    source: str
    channel: str
    category: str
    severity: str
    patient: UUID | None
    department_code: str | None
    department_name: str | None
    description: str
    deadline_at: datetime | None
    overdue: bool
    answered_at: datetime | None
    verification_result: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CasePage(Schema):
    count: int
    page: int
    pages: int
    results: list[CaseOut]
