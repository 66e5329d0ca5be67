"""Report pages: the monthly/quarterly summary and the department report, with Excel."""

from django.http import HttpResponse
from django.shortcuts import render

from huifang.accounts.selectors import department_list
from huifang.reports import daily, excel, labels, pdf, satisfaction, selectors, services
from huifang.reports.periods import parse_day, parse_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_BREAKDOWNS = ("department", "agent", "plan")
DEPARTMENT_BREAKDOWNS = ("doctor", "nurse", "plan", "month")


def _args(request):
    return parse_period(request.GET.get("period")), request.GET.get("department", "").strip()


def _context(request, *, period, department, data, breakdowns, page):
    return {
        "period": period,
        "department": department,
        "data": data,
        "labels": labels.summary_labels(data),
        "breakdowns": breakdowns,
        "page": page,
        "departments": department_list(user=request.user)
        if request.user.has_perm(selectors.VIEW_REPORTS)
        else [],
        "nav_active": "reports",
    }


def definitions(request):
    """How the figures are counted: the help page the report pages and the PDF point to."""
    return render(request, "reports/definitions.html", {"nav_active": "reports"})


def summary(request):
    """Monthly or quarterly summary: rates with intervals, ranking, reasons, satisfaction."""
    period, department = _args(request)
    data = selectors.summary_page(
        user=request.user, period=period, department_code=department, breakdowns=SUMMARY_BREAKDOWNS
    )
    return render(
        request,
        "reports/summary.html",
        _context(
            request,
            period=period,
            department=department,
            data=data,
            breakdowns=SUMMARY_BREAKDOWNS,
            page="summary",
        ),
    )


def department_report(request):
    """One department's figures by doctor, nurse, plan and month."""
    period, department = _args(request)
    data = selectors.summary_page(
        user=request.user,
        period=period,
        department_code=department,
        breakdowns=DEPARTMENT_BREAKDOWNS,
    )
    return render(
        request,
        "reports/summary.html",
        _context(
            request,
            period=period,
            department=department,
            data=data,
            breakdowns=DEPARTMENT_BREAKDOWNS,
            page="department",
        ),
    )


def _filters(request, prefix: str = "") -> selectors.ReportFilters:
    get = request.GET
    return selectors.report_filters(
        plan=get.get(f"{prefix}plan", ""),
        kind=get.get(f"{prefix}kind", ""),
        tag=get.get(f"{prefix}tag", ""),
        agent=get.get(f"{prefix}agent", ""),
    )


def dashboard(request):
    """Charts (ECharts, vendored): trends, failure reasons, department × dimension heat map.

    Filters (department, plan, encounter kind, tag, agent) stay in the URL;
    an htmx request gets the charts' part of the page only.
    """
    period, department = _args(request)
    filters = _filters(request)
    data = selectors.dashboard(
        user=request.user, period=period, department_code=department, filters=filters
    )
    context = {
        "period": period,
        "department": department,
        "filters": filters,
        "choices": selectors.filter_choices(user=request.user),
        "data": data,
        "page": "dashboard",
        "nav_active": "reports",
    }
    if request.htmx:
        return render(request, "reports/dashboard.html#charts", context)
    return render(request, "reports/dashboard.html", context)


def compare(request):
    """Two cohorts (period, department, plan and tag each) compared on one rate."""
    get = request.GET
    a, b = (
        selectors.Cohort(
            period=parse_period(get.get(f"{side}_period")),
            department=get.get(f"{side}_department", "").strip(),
            plan=get.get(f"{side}_plan", "").strip(),
            tag=get.get(f"{side}_tag", "").strip(),
        )
        for side in ("a", "b")
    )
    result = selectors.compare_cohorts(
        user=request.user, a=a, b=b, measure=get.get("measure") or "success_rate"
    )
    choices = selectors.filter_choices(user=request.user)
    return render(
        request,
        "reports/compare.html",
        {
            "a": a,
            "b": b,
            "result": result,
            "departments": choices["departments"],
            "choices": choices,
            "nav_active": "reports",
        },
    )


def daily_xlsx(request):
    """回访日报表 of every agent in the user's scope for one day, as Excel; audited."""
    day = parse_day(request.GET.get("date"))
    scope = selectors.report_scope(user=request.user)
    rows = daily.register_rows(scope=scope, day=day)
    content = excel.register_workbook(
        rows=rows,
        day=day,
        filled_in_by=request.user.display_name or request.user.username,
        scope_text=pdf.scope_label(user=request.user, department_code=""),
    )
    services.report_export_audit(
        actor=request.user,
        report="reports_daily_register",
        title=f"回访日报表 {day:%Y-%m-%d}",
        details={"date": day.isoformat(), "calls": len(rows)},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="daily-register-{day:%Y-%m-%d}.xlsx"'
    return response


def summary_xlsx(request):
    """The summary (or department report) as Excel; every download is audited."""
    period, department = _args(request)
    breakdown = "doctor" if request.GET.get("by") == "doctor" else "department"
    data = selectors.summary_page(
        user=request.user, period=period, department_code=department, breakdowns=(breakdown,)
    )
    content = excel.summary_workbook(
        summary=data,
        breakdown=breakdown,
        rows=data["breakdowns"][breakdown],
        scope_text=pdf.scope_label(user=request.user, department_code=department),
    )
    services.report_export_audit(
        actor=request.user,
        report="reports_summary",
        title=f"回访统计报表 {period.label}",
        details={"period": period.label, "department": department or None, "due": data["due"]},
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"followup-report-{period.label}{'-' + department if department else ''}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


PDF = "application/pdf"


def summary_pdf(request):
    """The summary (or, with ``page=department``, the department report) as PDF; audited."""
    period, department = _args(request)
    page = "department" if request.GET.get("page") == "department" else "summary"
    document = pdf.summary_document(
        user=request.user, period=period, department_code=department, page=page
    )
    content = pdf.summary_pdf(document)
    services.report_export_audit(
        actor=request.user,
        report="reports_summary",
        title=f"回访统计报表 {period.label}",
        details={
            "period": period.label,
            "department": department or None,
            "due": document.data["due"],
            "format": "pdf",
        },
    )
    response = HttpResponse(content, content_type=PDF)
    name = f"followup-report-{period.label}{'-' + department if department else ''}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def daily_pdf(request):
    """回访日报表 of every agent in the user's scope for one day, as PDF; audited."""
    day = parse_day(request.GET.get("date"))
    scope = selectors.report_scope(user=request.user)
    rows = daily.register_rows(scope=scope, day=day)
    content = pdf.register_pdf(
        rows=rows,
        day=day,
        filled_in_by=request.user.display_name or request.user.username,
        scope_text=pdf.scope_label(user=request.user, department_code=""),
    )
    services.report_export_audit(
        actor=request.user,
        report="reports_daily_register",
        title=f"回访日报表 {day:%Y-%m-%d}",
        details={"date": day.isoformat(), "calls": len(rows), "format": "pdf"},
    )
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="daily-register-{day:%Y-%m-%d}.pdf"'
    return response


def satisfaction_page(request):
    """Satisfaction by department, doctor, nurse and dimension for a period, in the user's scope."""
    period, department = _args(request)
    data = satisfaction.satisfaction_report(
        user=request.user,
        period=period,
        department_code=department,
        scale=request.GET.get("scale", ""),
    )
    return render(
        request,
        "reports/satisfaction.html",
        {
            "period": period,
            "department": department,
            "data": data,
            "sections": [
                (key, data[key]) for key in ("department", "doctor", "nurse", "dimension")
            ],
            "departments": department_list(user=request.user),
            "nav_active": "surveys",
        },
    )


def satisfaction_xlsx(request):
    """The satisfaction report as Excel, scoped like the page; every download is audited."""
    period, department = _args(request)
    data = satisfaction.satisfaction_report(
        user=request.user,
        period=period,
        department_code=department,
        scale=request.GET.get("scale", ""),
    )
    content = excel.satisfaction_workbook(
        data=data, scope_text=pdf.scope_label(user=request.user, department_code=department)
    )
    services.report_export_audit(
        actor=request.user,
        report="reports_satisfaction",
        title=f"满意度报表 {period.label}",
        details={
            "period": period.label,
            "department": department or None,
            "answers": data["total"].five.answers + data["total"].three.answers,
        },
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"satisfaction-{period.label}{'-' + department if department else ''}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
