"""The summary figures in the JSON API: one month or quarter, within the caller's scope."""

from ninja import Query, Router, Schema

from huifang.patients.api import ErrorOut
from huifang.reports import selectors
from huifang.reports.periods import parse_period
from huifang.reports.schemas import SummaryOut

router = Router(tags=["reports"])


class SummaryQuery(Schema):
    period: str = ""  # 2026-11 or 2026-Q4; empty: this month
    department: str = ""  # a department code; empty: all in scope


@router.get(
    "/summary",
    response={200: SummaryOut, 400: ErrorOut, 403: ErrorOut},
    summary="Follow-up, success and satisfaction figures of a month or quarter",
)
def summary(request, query: Query[SummaryQuery]):
    period = parse_period(query.period)
    data = selectors.summary(
        user=request.user,
        date_from=period.start,
        date_to=period.end,
        department_code=query.department.strip(),
    )
    builtin = data["satisfaction"]["builtin"]
    questionnaire = data["satisfaction"]["questionnaire"]
    complaints = data["complaints"]
    return {
        "period": period.label,
        "date_from": period.start,
        "date_to": period.end,
        "department": data["department"],
        **{
            name: data[name]
            for name in (
                "due",
                "attempted",
                "reached",
                "not_reached",
                "on_time",
                "excluded_deceased",
                "excluded_no_phone",
                "eligible",
                "follow_up_rate",
                "success_rate",
                "success_rate_of_attempted",
                "success_rate_of_eligible",
                "on_time_rate",
                "failure_reasons",
            )
        },
        "satisfaction": {
            "call_answers": builtin["answers"],
            "call_satisfaction_rate": builtin["satisfaction_rate"],
            "five_level_answers": questionnaire["five_level_answers"],
            "five_level_satisfaction_rate": questionnaire["five_level_satisfaction_rate"],
            "five_level_mean_score": questionnaire["five_level_mean_score"],
            "three_level_answers": questionnaire["three_level_answers"],
            "three_level_satisfaction_rate": questionnaire["three_level_satisfaction_rate"],
        },
        "complaints": {
            name: complaints[name]
            for name in (
                "complaints",
                "with_deadline",
                "answered_on_time",
                "late",
                "on_time_handling_rate",
                "verified",
                "verification_satisfaction_rate",
                "by_kind",
                "by_category",
                "by_department",
            )
        },
    }
