from datetime import datetime
from uuid import UUID

from ninja import Schema


class CampaignReportOut(Schema):
    uuid: UUID
    name: str
    status: str
    recipients: int
    done: int
    by_status: dict[str, int]
    skipped_by_reason: dict[str, int]


class OptOutIn(Schema):
    channel: str
    category: str = ""


class OptOutOut(Schema):
    patient: UUID
    channel: str
    category: str
    source: str


class MessageOut(Schema):
    id: int
    key: str
    patient: UUID
    channel: str
    category: str
    status: str
    skip_reason: str
    to_masked: str | None
    body: str
    campaign: UUID | None
    task: UUID | None
    not_before: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class MessagePage(Schema):
    count: int
    page: int
    pages: int
    results: list[MessageOut]
