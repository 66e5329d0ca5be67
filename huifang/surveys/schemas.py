from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str
    message: str
    details: dict


class ItemOut(Schema):
    code: str
    position: int
    kind: str
    text: str
    help_text: str
    required: bool
    options: list[dict]
    dimension: str
    condition: dict
    feedback_values: list[Any]
    red_flag_values: list[Any]
    agent_only: bool


class QuestionnaireListOut(Schema):
    id: int
    code: str
    version: int
    title: str
    status: str


class QuestionnaireOut(QuestionnaireListOut):
    description: str
    items: list[ItemOut]


class DispatchIn(Schema):
    questionnaire: str = Field(description="Questionnaire code; its active version is sent")
    patient: UUID
    encounter: UUID | None = None
    task: UUID | None = None
    channel: str = Field(description="phone, sms, qr or web")


class DispatchOut(Schema):
    uuid: UUID
    questionnaire: str
    version: int
    patient: UUID
    channel: str
    status: str
    sent_at: datetime
    opened_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None


class DispatchCreatedOut(DispatchOut):
    url: str | None = Field(description="The one-time link (/s/<token>); shown only now")


class ResponseIn(Schema):
    questionnaire: str = Field(description="Questionnaire code; answered on its active version")
    patient: UUID
    encounter: UUID | None = None
    task: UUID | None = None
    dispatch: UUID | None = None
    channel: str = "phone"
    answers: dict[str, Any]


class AnswerOut(Schema):
    item: str
    value: Any
    opens_feedback: bool
    red_flag: bool


class ResponseOut(Schema):
    uuid: UUID
    questionnaire: str
    version: int
    patient: UUID
    channel: str
    submitted_at: datetime
    voided: bool
    void_reason: str
    answers: list[AnswerOut]


class ResponsePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ResponseOut]


class VoidIn(Schema):
    reason: str


class DimensionScoreOut(Schema):
    dimension: str
    count: int
    score: float | None


class ItemScoreOut(Schema):
    code: str
    kind: str
    dimension: str
    count: int
    score: float | None
    top_box: float | None
    satisfaction_rate: float | None
    three_level: dict | None
    nps: float | None


class ScoresOut(Schema):
    code: str
    responses: int
    voided: int
    dispatched: int
    completed: int
    response_rate: float | None
    by_status: dict[str, int]
    dimensions: list[DimensionScoreOut]
    items: list[ItemScoreOut]
