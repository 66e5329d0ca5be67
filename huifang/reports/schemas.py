"""What the API says about the summary figures (definitions: 报表 › 指标口径)."""

from datetime import date

from ninja import Schema


class SatisfactionOut(Schema):
    call_answers: int
    call_satisfaction_rate: float | None
    five_level_answers: int
    five_level_satisfaction_rate: float | None
    five_level_mean_score: float | None
    three_level_answers: int
    three_level_satisfaction_rate: float | None


class ComplaintsOut(Schema):
    complaints: int
    with_deadline: int
    answered_on_time: int
    late: int
    on_time_handling_rate: float | None
    verified: int
    verification_satisfaction_rate: float | None
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_department: dict[str, int]


class SummaryOut(Schema):
    period: str
    date_from: date
    date_to: date
    department: str | None
    due: int
    attempted: int
    reached: int
    not_reached: int
    on_time: int
    excluded_deceased: int
    excluded_no_phone: int
    eligible: int
    follow_up_rate: float | None
    success_rate: float | None
    success_rate_of_attempted: float | None
    success_rate_of_eligible: float | None
    on_time_rate: float | None
    failure_reasons: dict[str, int]
    satisfaction: SatisfactionOut
    complaints: ComplaintsOut
