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
