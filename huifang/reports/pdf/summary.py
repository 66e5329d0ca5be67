"""The summary and department report as PDF: what they show, read once, then drawn."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.reports import labels, metrics, selectors
from huifang.reports.pdf.layout import (
    FRAME_WIDTH,
    bar_chart,
    build,
    escape,
    interval,
    no_data,
    pct,
    pdf_font,
    section,
    styles,
    table,
    trend_chart,
)
from huifang.reports.periods import Period, trailing_months

# --- What the document shows ----------------------------------------------------------


@dataclass
class SummaryDocument:
    """Everything the summary PDF prints, read once for the user."""

    period: Period
    page: str  # "summary" or "department"
    scope_label: str
    data: dict
    months: list[dict]
    reason_labels: dict[str, str]
    generated_by: str
    generated_at: datetime


SUMMARY_PDF_BREAKDOWNS = ("department",)
DEPARTMENT_PDF_BREAKDOWNS = ("department", "doctor", "nurse")


def scope_label(*, user: User | None, department_code: str) -> str:
    """The department asked for, "All departments", a head's departments, or an agent's own."""
    if department_code:
        name = Department.objects.filter(code=department_code).values_list("name", flat=True)
        return name.first() or department_code
    if user is None:
        return _("All departments")
    if not user.has_perm(selectors.VIEW_REPORTS):
        return _("Own figures of %(name)s") % {"name": user.display_name or user.username}
    if user_department_scope(user) is ALL_DEPARTMENTS:
        return _("All departments")
    names = user.departments.order_by("name").values_list("name", flat=True)
    return "、".join(names) or _("All departments")


def outcome_labels(codes) -> dict[str, str]:
    """Failure-reason codes → words: ``reports.labels``, the one source of every report surface."""
    return labels.reason_labels(codes)


def summary_document(
    *,
    user: User | None,
    period: Period,
    department_code: str = "",
    page: str = "summary",
    scope=None,
    generated_by: str = "",
) -> SummaryDocument:
    """Read what the summary (or department report) PDF shows; scoped like the pages.

    The page's figures (``selectors.summary_page``), plus the follow-up and
    success rates of each of the 12 months ending with the period.
    """
    breakdowns = DEPARTMENT_PDF_BREAKDOWNS if page == "department" else SUMMARY_PDF_BREAKDOWNS
    if scope is None:
        scope = selectors.report_scope(user=user, department_code=department_code)
    data = selectors.summary_page(
        user=user,
        period=period,
        department_code=department_code,
        breakdowns=breakdowns,
        scope=scope,
    )
    trend_from, trend_to = trailing_months(period)
    by_month = {
        m.key[:7]: m
        for m in metrics.task_figures_by(
            selectors.report_tasks(scope=scope, date_from=trend_from, date_to=trend_to),
            "month",
            passed=selectors.report_passed(scope=scope, date_from=trend_from, date_to=trend_to),
        )
    }
    months = []
    year, month = trend_from.year, trend_from.month
    for _i in range(12):
        label = f"{year}-{month:02d}"
        figures = by_month.get(label)
        months.append(
            {
                "label": label,
                "due": figures.due if figures else 0,
                "follow_up_rate": figures.follow_up_rate if figures else None,
                "success_rate": figures.success_rate if figures else None,
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return SummaryDocument(
        period=period,
        page=page,
        scope_label=scope_label(user=user, department_code=department_code),
        data=data,
        months=months,
        reason_labels=outcome_labels(data["failure_reasons"]),
        generated_by=generated_by or (user.display_name or user.username if user else "system"),
        generated_at=timezone.localtime(),
    )


def _period_text(period: Period) -> str:
    if period.kind == "range":
        return _("%(start)s to %(end)s") % {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
    return _("%(label)s (%(start)s to %(end)s)") % {
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def _rates_table(st, data: dict) -> Table:
    names = {
        "follow_up_rate": _("Follow-up rate (attempted ÷ due)"),
        "success_rate": _("Success rate (reached ÷ due)"),
        "success_rate_of_attempted": _("Reached ÷ attempted"),
        "on_time_rate": _("On-time rate (first call in window)"),
    }
    rows = [
        [names[line.name], f"{line.part}/{line.whole}", pct(line.value, 2), interval(line)]
        for line in data["rates"]
    ]
    w = FRAME_WIDTH
    return table(
        st,
        [_("Rate"), _("Part / whole"), _("Rate"), _("95% Wilson interval")],
        rows,
        [0.42 * w, 0.18 * w, 0.16 * w, 0.24 * w],
        numeric=(1, 2, 3),
    )


def _figures_table(st, data: dict) -> Table:
    rows = [
        [
            data["due"],
            data["attempted"],
            data["reached"],
            data["not_reached"],
            data["excluded_deceased"],
            data["excluded_no_phone"],
            data["eligible"],
        ]
    ]
    headers = [
        _("Due for follow-up"),
        _("Attempted"),
        _("Reached"),
        _("Not reached"),
        _("Deceased before contact"),
        _("No phone on record"),
        _("Eligible"),
    ]
    return table(st, headers, rows, [FRAME_WIDTH / 7] * 7, numeric=tuple(range(7)))


def _breakdown_table(st, rows: list[dict], first: str) -> Table:
    headers = [
        first,
        _("Due for follow-up"),
        _("Attempted"),
        _("Reached"),
        _("Follow-up rate"),
        _("Success rate"),
        _("95% Wilson interval"),
    ]
    body = [
        [
            row.get("name") or row["key"] or "—",
            row["due"],
            row["attempted"],
            row["reached"],
            pct(row["follow_up_rate"]),
            pct(row["success_rate"]),
            interval(row.get("success")),
        ]
        for row in rows
    ]
    w = FRAME_WIDTH
    return table(
        st,
        headers,
        body,
        [0.22 * w, 0.11 * w, 0.11 * w, 0.11 * w, 0.13 * w, 0.13 * w, 0.19 * w],
        numeric=(1, 2, 3, 4, 5, 6),
    )


def summary_pdf(doc: SummaryDocument) -> bytes:
    """The summary or department report as a PDF: figures, rates with intervals, charts, tables."""
    font = pdf_font()
    st = styles(font)
    data = doc.data
    hospital = settings.HUIFANG_HOSPITAL_NAME
    title = _("Department follow-up report") if doc.page == "department" else _("Follow-up summary")
    w = FRAME_WIDTH
    story: list = [
        Paragraph(escape(f"{hospital} {title}"), st["title"]),
        Paragraph(
            escape(
                _("Period: %(period)s | Scope: %(scope)s")
                % {"period": _period_text(doc.period), "scope": doc.scope_label}
            ),
            st["subtitle"],
        ),
        Paragraph(
            escape(
                _(
                    "Prepared by %(name)s on %(at)s. How the figures are counted: "
                    "Reports → How the figures are counted, in Huifang."
                )
                % {"name": doc.generated_by, "at": f"{doc.generated_at:%Y-%m-%d %H:%M}"}
            ),
            ParagraphStyle("centred-note", parent=st["note"], alignment=TA_CENTER),
        ),
        Spacer(1, 4 * mm),
    ]
    story += section(st, _("Tasks due and exclusions"), _figures_table(st, data))
    story += section(
        st,
        _("Key rates with their 95% Wilson interval"),
        _rates_table(st, data),
        Paragraph(
            escape(
                _("Exclusions are shown, not subtracted: reached ÷ eligible is %(rate)s.")
                % {"rate": pct(data["success_rate_of_eligible"], 2)}
            ),
            st["note"],
        ),
    )
    months = doc.months
    chart = (
        trend_chart(font, months)
        if any(m["due"] for m in months)
        else no_data(font, w, 20 * mm, _("Nothing due in these 12 months."))
    )
    story += section(st, _("Follow-up and success rate, last 12 months"), chart)
    reasons = data["failure_reasons"]
    reason_items = [(doc.reason_labels.get(code, code), n) for code, n in reasons.items()]
    story += section(
        st,
        _("Why tasks were not reached"),
        bar_chart(font, reason_items)
        if reason_items
        else no_data(font, w, 12 * mm, _("Every task due was reached.")),
        Spacer(1, 2 * mm),
        table(
            st,
            [_("Reason"), _("Tasks"), _("Share of not reached")],
            [
                [label, n, pct(n / data["not_reached"]) if data["not_reached"] else "—"]
                for label, n in reason_items
            ],
            [0.5 * w, 0.2 * w, 0.3 * w],
            numeric=(1, 2),
        ),
    )
    breakdowns = data["breakdowns"]
    if "department" in breakdowns:
        story += section(
            st,
            _("Department ranking by success rate"),
            _breakdown_table(st, breakdowns["department"], _("Department")),
        )
    for name, heading, first in (
        ("doctor", _("By attending doctor"), _("Attending doctor")),
        ("nurse", _("By responsible nurse"), _("Responsible nurse")),
    ):
        if name in breakdowns:
            story += section(st, heading, _breakdown_table(st, breakdowns[name], first))
    story += _satisfaction(st, font, data)
    story += _agents(st, data)
    story += _complaints(st, data)
    story += _signals(st, data)
    return build(
        story,
        font=font,
        title=f"{hospital} {title} {doc.period.label}",
        footer_left=f"{hospital} | {title} | {doc.period.label} | {doc.scope_label}",
        footer_right=f"{doc.generated_at:%Y-%m-%d %H:%M}",
    )


def _satisfaction(st, font: str, data: dict) -> list:
    w = FRAME_WIDTH
    builtin = data["satisfaction"]["builtin"]
    questionnaire = data["satisfaction"]["questionnaire"]
    counts = builtin["counts"]
    satisfied = counts.get("satisfied", 0) + counts.get("fairly_satisfied", 0)
    line_calls = selectors.rate_line("satisfaction", satisfied, builtin["answers"])
    five_n = questionnaire["five_level_answers"]
    five_rate = questionnaire["five_level_satisfaction_rate"]
    line_five = selectors.rate_line(
        "five", round(five_rate * five_n) if five_rate is not None else 0, five_n
    )
    three_n = questionnaire["three_level_answers"]
    three_rate = questionnaire["three_level_satisfaction_rate"]
    line_three = selectors.rate_line(
        "three", round(three_rate * three_n) if three_rate is not None else 0, three_n
    )
    rows = [
        [
            _("On calls (three levels)"),
            builtin["answers"],
            pct(line_calls.value),
            interval(line_calls),
        ],
        [_("Questionnaires (five levels)"), five_n, pct(line_five.value), interval(line_five)],
        [_("Questionnaires (three levels)"), three_n, pct(line_three.value), interval(line_three)],
    ]
    flow = section(
        st,
        _("Satisfaction"),
        table(
            st,
            [_("Measure"), _("Answers"), _("Satisfaction rate"), _("95% Wilson interval")],
            rows,
            [0.4 * w, 0.15 * w, 0.2 * w, 0.25 * w],
            numeric=(1, 2, 3),
        ),
    )
    dimension_labels = labels.dimension_labels()
    dims = sorted(
        questionnaire["by_dimension"].items(),
        key=lambda kv: -(kv[1]["score"] if kv[1]["score"] is not None else -1),
    )
    dim_rows = [
        [
            dimension_labels.get(d, d),
            v["answers"],
            "—" if v["score"] is None else f"{v['score']:.1f}",
        ]
        for d, v in dims
    ]
    flow += section(
        st,
        _("Satisfaction by dimension (mean score 0–100)"),
        table(
            st,
            [_("Dimension"), _("Answers"), _("Mean score (0–100)")],
            dim_rows,
            [0.5 * w, 0.2 * w, 0.3 * w],
            numeric=(1, 2),
        ),
    )
    scored = [(dimension_labels.get(d, d), v["score"]) for d, v in dims if v["score"] is not None]
    if scored:
        flow += [Spacer(1, 2 * mm), bar_chart(font, scored, value_format="%.1f", value_max=100)]
    return flow


def _agents(st, data: dict) -> list:
    w = FRAME_WIDTH
    rows = [
        [
            a.get("name") or a["agent"],
            a["assigned"],
            a["attempted"],
            a["reached"],
            pct(a["completion_rate"]),
            pct(a["required_rate"]),
            a["deductions"],
            "—" if a["mean_handling_seconds"] is None else a["mean_handling_seconds"],
        ]
        for a in sorted(data["agents"], key=lambda a: (-a["deductions"], a["agent"]))
    ]
    return section(
        st,
        _("Agents against the required rate"),
        table(
            st,
            [
                _("Agent"),
                _("Assigned"),
                _("Attempted"),
                _("Reached"),
                _("Completion"),
                _("Required rate"),
                _("Deductions"),
                _("Mean handling time (s)"),
            ],
            rows,
            [0.18 * w] + [0.1 * w] * 5 + [0.11 * w, 0.21 * w],
            numeric=tuple(range(1, 8)),
        ),
        Paragraph(
            escape(
                _("One assessment point is deducted for every full 5% below the required rate.")
            ),
            st["note"],
        ),
    )


def _complaints(st, data: dict) -> list:
    w = FRAME_WIDTH
    c = data["complaints"]
    handled = selectors.rate_line(
        "on_time", c["answered_on_time"], c["answered_on_time"] + c["late"]
    )
    verified_ok = (
        round(c["verification_satisfaction_rate"] * c["verified"])
        if c["verification_satisfaction_rate"] is not None
        else 0
    )
    verified = selectors.rate_line("verified", verified_ok, c["verified"])
    categories = labels.category_labels()
    flow = section(
        st,
        _("Complaints"),
        table(
            st,
            [_("Measure"), _("Count"), _("Rate"), _("95% Wilson interval")],
            [
                [_("Complaints"), c["complaints"], "", ""],
                [
                    _("Answered on time"),
                    f"{handled.part}/{handled.whole}",
                    pct(handled.value),
                    interval(handled),
                ],
                [
                    _("Satisfied at verification"),
                    f"{verified.part}/{verified.whole}",
                    pct(verified.value),
                    interval(verified),
                ],
            ]
            + [
                [
                    f"  {categories.get(code, code)}",
                    n,
                    pct(n / c["complaints"]) if c["complaints"] else "",
                    "",
                ]
                for code, n in sorted(c["by_category"].items(), key=lambda kv: -kv[1])
            ],
            [0.4 * w, 0.15 * w, 0.2 * w, 0.25 * w],
            numeric=(1, 2, 3),
        ),
    )
    case_widths = [0.13 * w, 0.15 * w, 0.46 * w, 0.13 * w, 0.13 * w]
    case_headers = [_("Category"), _("Department"), _("Description"), _("Status"), _("Recorded")]
    flow += section(
        st,
        _("Top complaints"),
        table(
            st,
            case_headers,
            [
                [x.category or None, x.department or None, x.excerpt, x.status, x.opened_on]
                for x in data.get("top_complaints", [])
            ],
            case_widths,
        ),
    )
    flow += section(
        st,
        _("Suggestions and their status"),
        table(
            st,
            case_headers,
            [
                [x.category or None, x.department or None, x.excerpt, x.status, x.opened_on]
                for x in data.get("suggestions", [])
            ],
            case_widths,
        ),
    )
    return flow


def _signals(st, data: dict) -> list:
    w = FRAME_WIDTH
    departments = labels.department_names(s["department"] for s in data.get("signals", []))
    rows = [
        [
            departments.get(s["department"], s["department"]),
            s["label"],
            pct(s["rate"]),
            f"{pct(s['lower'])}–{pct(s['upper'])}",
        ]
        for s in data.get("signals", [])
    ]
    return section(
        st,
        _("Departments outside their control limits this period"),
        table(
            st,
            [_("Department"), _("Month"), _("Success rate"), _("Control limits")],
            rows,
            [0.3 * w, 0.2 * w, 0.2 * w, 0.3 * w],
            numeric=(2, 3),
        ),
    )
