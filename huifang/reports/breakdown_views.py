"""Report pages by patient and department group, answer tables and the responses export."""

from django.http import HttpResponse
from django.shortcuts import render

from huifang.accounts.selectors import department_list
from huifang.reports import breakdown_excel, breakdown_selectors, services
from huifang.reports.periods import parse_period
from huifang.reports.responses import response_sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _args(request):
    return parse_period(request.GET.get("period")), request.GET.get("department", "").strip()


def _context(request, **extra):
    return {
        "departments": department_list(user=request.user),
        "nav_active": "reports",
        **extra,
    }


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def breakdowns(request):
    """By sex, age band, department group; plans against their required rate; dimensions;
    the return-visit rate."""
    period, department = _args(request)
    data = breakdown_selectors.breakdowns_page(
        user=request.user, period=period, department_code=department, days=request.GET.get("days")
    )
    context = _context(request, period=period, department=department, data=data, page="breakdowns")
    return render(request, "reports/breakdowns.html", context)


def breakdowns_xlsx(request):
    """The breakdowns page as Excel; audited."""
    period, department = _args(request)
    data = breakdown_selectors.breakdowns_page(
        user=request.user, period=period, department_code=department, days=request.GET.get("days")
    )
    content = breakdown_excel.breakdowns_workbook(data=data)
    services.report_export_audit(
        actor=request.user,
        report="reports_breakdowns",
        title=f"分组统计 {period.label}",
        details={"period": period.label, "department": department or None},
    )
    suffix = f"-{department}" if department else ""
    return _xlsx(content, f"followup-breakdowns-{period.label}{suffix}.xlsx")


def answer_tables(request):
    """Counts and shares per option of the non-scale answers, by department."""
    period, department = _args(request)
    data = breakdown_selectors.answer_tables_page(
        user=request.user, period=period, department_code=department
    )
    context = _context(request, period=period, department=department, data=data, page="answers")
    return render(request, "reports/answer_tables.html", context)


def answer_tables_xlsx(request):
    """The answer tables as Excel; audited."""
    period, department = _args(request)
    data = breakdown_selectors.answer_tables_page(
        user=request.user, period=period, department_code=department
    )
    content = breakdown_excel.answer_tables_workbook(tables=data["tables"])
    services.report_export_audit(
        actor=request.user,
        report="reports_answer_tables",
        title=f"选项统计 {period.label}",
        details={
            "period": period.label,
            "department": department or None,
            "questions": len(data["tables"]),
        },
    )
    suffix = f"-{department}" if department else ""
    return _xlsx(content, f"followup-answers-{period.label}{suffix}.xlsx")


def responses_xlsx(request):
    """Questionnaire responses, one row each, numbers masked; audited with the count."""
    period, department = _args(request)
    questionnaire = request.GET.get("questionnaire", "").strip()
    responses = breakdown_selectors.responses_for_export(
        user=request.user, period=period, department_code=department, questionnaire=questionnaire
    )
    sheets = response_sheets(responses)
    content = breakdown_excel.responses_workbook(sheets=sheets)
    services.report_export_audit(
        actor=request.user,
        report="reports_responses",
        title=f"问卷答卷 {period.label}",
        details={
            "period": period.label,
            "department": department or None,
            "questionnaire": questionnaire or None,
            "responses": sum(len(s.rows) for s in sheets),
        },
    )
    suffix = f"-{department}" if department else ""
    return _xlsx(content, f"questionnaire-responses-{period.label}{suffix}.xlsx")
