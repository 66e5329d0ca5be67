"""What the breakdown, answer-table and responses reports show a user, scoped like the summary.

These reports need ``reports.view_reports`` (heads for their departments;
managers, quality office and administrators for all): they are about
departments and patients, not an agent's own figures.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import ALL_DEPARTMENTS
from huifang.reports import answer_tables, assessment, breakdowns, return_visits
from huifang.reports.selectors import (
    VIEW_REPORTS,
    ReportDenied,
    Scope,
    figure_source,
    rate_line,
    report_answers,
    report_cases,
    report_passed,
    report_scope,
    report_tasks,
)


def department_report_scope(*, user: User, department_code: str = "") -> Scope:
    """``report_scope`` for the reports about departments: agents' own figures are not enough."""
    if user.is_authenticated and not user.has_perm(VIEW_REPORTS):
        raise ReportDenied(
            _("Your role may not see the reports by department."), code="report_denied"
        )
    return report_scope(user=user, department_code=department_code)


def _with_intervals(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["follow_up"] = rate_line("follow_up_rate", row["attempted"], row["due"])
        row["success"] = rate_line("success_rate", row["reached"], row["due"])
        row["call"] = rate_line(
            "call_satisfaction_rate", row["call_satisfied"], row["call_answers"]
        )
        row["five_level"] = rate_line(
            "five_level_satisfaction_rate", row["five_level_satisfied"], row["five_level_answers"]
        )
    return rows


def breakdowns_page(*, user: User, period, department_code: str = "", days=None) -> dict:
    """By sex, age band and department group; plans against their required rate;
    satisfaction by dimension; the return-visit rate within ``days`` of discharge.

    A constant number of queries, whatever the number of rows.
    """
    from huifang.patients.models import Encounter

    scope = department_report_scope(user=user, department_code=department_code)
    days = return_visits.return_days(days)
    bounds = {"scope": scope, "date_from": period.start, "date_to": period.end}
    tasks, passed, answers = (
        report_tasks(**bounds),
        report_passed(**bounds),
        report_answers(**bounds),
    )
    data = {
        name: _with_intervals(breakdowns.figures_by_patient(tasks, answers, name, passed))
        for name in breakdowns.PATIENT_BREAKDOWNS
    }
    source = figure_source(**bounds)
    data["plans"] = breakdowns.plan_targets(source.task_figures_by("plan"))
    data["dimensions"] = breakdowns.dimension_rows(answers)
    discharges = Encounter.objects.filter(
        discharged_on__gte=period.start, discharged_on__lte=period.end
    )
    if scope.department_ids is not ALL_DEPARTMENTS:
        discharges = discharges.filter(department_id__in=scope.department_ids)
    total, by_department = return_visits.return_visit_figures(
        discharges, days=days, today=timezone.localdate()
    )
    for row in (total, *by_department):
        row["rate_line"] = rate_line("return_rate", row["returned"], row["discharges"])
    data["return_visits"] = {"days": days, "total": total, "departments": by_department}
    data["age_bands"] = breakdowns.age_bands()
    return data


def _department_names() -> dict[str, str]:
    return dict(Department.objects.values_list("code", "name"))


def answer_tables_page(*, user: User, period, department_code: str = "") -> dict:
    """The non-scale answers by department, for questionnaires and the built-in call questions.

    Tables with no answer are left out. A constant number of queries.
    """
    scope = department_report_scope(user=user, department_code=department_code)
    bounds = {"scope": scope, "date_from": period.start, "date_to": period.end}
    names = _department_names()
    tables = [
        *answer_tables.call_option_tables(report_tasks(**bounds), names),
        *answer_tables.questionnaire_option_tables(report_answers(**bounds), names),
    ]
    return {"tables": [t for t in tables if t.total.answered]}


def responses_for_export(*, user: User, period, department_code: str = "", questionnaire: str = ""):
    """The responses submitted in the period in the user's scope, voided ones left out."""
    from datetime import datetime, time, timedelta

    from huifang.surveys.models import Response

    scope = department_report_scope(user=user, department_code=department_code)
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    responses = Response.objects.filter(
        submitted_at__gte=start, submitted_at__lt=end, voided_at__isnull=True
    )
    if scope.department_ids is not ALL_DEPARTMENTS:
        responses = responses.filter(encounter__department_id__in=scope.department_ids)
    if questionnaire:
        responses = responses.filter(questionnaire__code=questionnaire)
    return responses


def department_points(*, scope: Scope, period) -> dict:
    """The period's assessment points per department from late and reopened cases, and the rules."""
    rules = assessment.point_rules()
    cases = report_cases(scope=scope, date_from=period.start, date_to=period.end)
    return {
        "rows": assessment.department_points(cases, now=timezone.now(), rules=rules),
        "rules": rules,
    }
