"""PDF versions of the reports: the summary, the department report and the daily register.

Drawn with ReportLab: ``platypus`` lays out the flow (title, tables, page
footers), ``reportlab.graphics.charts`` draws the charts as vector drawings.

Chinese text is set in Adobe's ``STSong-Light`` CID font by default: the PDF
names the font without carrying it (a report stays a few tens of kilobytes,
the project ships no font files), its text is extractable, and every reader
with Chinese support — Adobe Reader, Foxit, WPS, browsers, poppler with a CJK
font installed — supplies a Song face for it. Where a reader lacks one, or
for archiving, ``HUIFANG_PDF_FONT`` names a TrueType file (``.ttf``, or the
first face of a ``.ttc``) whose glyphs are then embedded (subset) instead.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from math import ceil
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
from huifang.core.errors import ApplicationError
from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask, Outcome
from huifang.reports import metrics, selectors
from huifang.reports.periods import Period, trailing_months
from huifang.surveys.models import Dimension

CID_FONT = "STSong-Light"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
BLUE = colors.HexColor("#1F4E79")
HEADER_FILL = colors.HexColor("#DDEBF7")
STRIPE = colors.HexColor("#F5F8FC")
GRID = colors.HexColor("#9AA5B1")
SERIES = (colors.HexColor("#2F6DB5"), colors.HexColor("#2E9A5B"), colors.HexColor("#C0504D"))

_registered: dict[str, str] = {}
# Characters STSong-Light's Unicode map lacks, and a look-alike it has.
_CID_SAFE = str.maketrans({"·": "・", "²": "2", "³": "3"})


def clean(text) -> str:
    """``text`` with the characters the CID font cannot show replaced by look-alikes."""
    return str(text).translate(_CID_SAFE)


def escape(text) -> str:
    return xml_escape(clean(text))


def pdf_font() -> str:
    """The registered font name for Chinese text: ``HUIFANG_PDF_FONT``'s, or STSong-Light."""
    path = getattr(settings, "HUIFANG_PDF_FONT", "") or ""
    if path in _registered:
        return _registered[path]
    if not path:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        name = CID_FONT
    else:
        name = "HuifangPDF-" + hashlib.sha256(path.encode()).hexdigest()[:10]
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except (OSError, TTFError) as exc:
            raise ApplicationError(
                _(
                    "The PDF font %(path)s cannot be used (%(reason)s). Set HUIFANG_PDF_FONT to a "
                    "TrueType font file (.ttf, or .ttc with TrueType outlines) that has Chinese "
                    "glyphs, or leave it empty for the built-in Chinese font."
                )
                % {"path": path, "reason": exc},
                code="pdf_font_unusable",
            ) from exc
    _registered[path] = name
    return name


# --- Building blocks ------------------------------------------------------------------


def _styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=17, leading=24, alignment=TA_CENTER, textColor=BLUE
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=9.5, leading=14, alignment=TA_CENTER
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontSize=11.5,
            leading=16,
            spaceBefore=9,
            spaceAfter=4,
            textColor=BLUE,
        ),
        "body": body,
        "note": ParagraphStyle(
            "note", parent=body, fontSize=7.5, leading=10, textColor=colors.grey
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10.5),
        "num": ParagraphStyle("num", parent=body, fontSize=8, leading=10.5, alignment=TA_RIGHT),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=8, leading=10.5, alignment=TA_CENTER, textColor=BLUE
        ),
    }


def pct(value, digits: int = 1) -> str:
    """0.25 → "25.0%"; "—" when there is no rate."""
    return "—" if value is None else f"{100 * float(value):.{digits}f}%"


def interval(line) -> str:
    if line is None or line.low is None:
        return "—"
    return f"{100 * line.low:.1f}%–{100 * line.high:.1f}%"


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table(st, headers, rows, widths, *, numeric=(), bold_last=False) -> Table:
    """A bordered table with a shaded header row, repeated on each page it spans."""
    data = [[Paragraph(escape(h), st["head"]) for h in headers]]
    for row in rows:
        data.append(
            [
                Paragraph(escape(_text(v)), st["num"] if i in numeric else st["cell"])
                for i, v in enumerate(row)
            ]
        )
    if not rows:
        data.append(
            [Paragraph(escape(_("None in this period.")), st["cell"])] + [""] * (len(headers) - 1)
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    if bold_last and rows:
        style += [
            ("BACKGROUND", (0, -1), (-1, -1), HEADER_FILL),
            ("LINEABOVE", (0, -1), (-1, -1), 1, BLUE),
        ]
    table.setStyle(TableStyle(style))
    return table


def _section(st, title: str, *flowables) -> list:
    """A heading kept on the page of what follows it."""
    return [
        CondPageBreak(40 * mm),
        KeepTogether([Paragraph(escape(title), st["h2"]), *flowables[:1]]),
        *flowables[1:],
    ]


def _no_data(font: str, width: float, height: float, text: str) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(
        String(
            width / 2,
            height / 2,
            text,
            fontName=font,
            fontSize=9,
            textAnchor="middle",
            fillColor=colors.grey,
        )
    )
    return drawing


def trend_chart(font: str, months: list[dict], width: float = FRAME_WIDTH) -> Drawing:
    """Line chart of the follow-up and success rates (%) over the trailing 12 months."""
    height = 62 * mm
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 34, 38
    chart.width, chart.height = width - 50, height - 58
    chart.data = [
        [None if m["follow_up_rate"] is None else 100 * m["follow_up_rate"] for m in months],
        [None if m["success_rate"] is None else 100 * m["success_rate"] for m in months],
    ]
    chart.categoryAxis.categoryNames = [clean(m["label"]) for m in months]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.dy = -2
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E7EC")
    chart.valueAxis.gridStrokeWidth = 0.4
    for i in range(2):
        chart.lines[i].strokeColor = SERIES[i]
        chart.lines[i].strokeWidth = 1.6
        chart.lines[i].symbol = makeMarker("FilledCircle", size=3.5, fillColor=SERIES[i])
    drawing.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = font, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.x, legend.y = 40, height - 6
    legend.colorNamePairs = [
        (SERIES[0], clean(_("Follow-up rate (attempted ÷ due)"))),
        (SERIES[1], clean(_("Success rate (reached ÷ due)"))),
    ]
    legend.dxTextSpace = 4
    legend.boxAnchor = "nw"
    drawing.add(legend)
    return drawing


def bar_chart(
    font: str,
    items: list[tuple[str, float]],
    *,
    value_format: str = "%d",
    value_max: float | None = None,
    width: float = FRAME_WIDTH,
) -> Drawing:
    """Horizontal bars, one per ``(label, value)``, the value printed at the bar's end."""
    bar = 15
    height = bar * len(items) + 34
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 130, 22
    chart.width, chart.height = width - 170, bar * len(items)
    # The first category is drawn at the bottom: reverse, so the largest is on top.
    chart.data = [[v for _, v in reversed(items)]]
    chart.categoryAxis.categoryNames = [clean(label) for label, _ in reversed(items)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    elif value_format == "%d":
        # Counts: whole-number steps, at most about six of them.
        top = max([v for _, v in items] + [1])
        chart.valueAxis.valueStep = max(1, ceil(top / 6))
        chart.valueAxis.valueMax = chart.valueAxis.valueStep * ceil(top / chart.valueAxis.valueStep)
        chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E3E7EC")
    chart.bars[0].fillColor = SERIES[0]
    chart.bars[0].strokeColor = None
    chart.barWidth = 9
    chart.barLabelFormat = value_format
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


class _Footer:
    """Hospital, title and period at the foot of every page, with the page number."""

    def __init__(self, font: str, left: str, right: str):
        self.font, self.left, self.right = font, clean(left), clean(right)

    def __call__(self, canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, 12 * mm, PAGE_WIDTH - MARGIN, 12 * mm)
        canvas.setFont(self.font, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 8 * mm, self.left)
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, 8 * mm, self.right + "  " + _("Page %(n)d") % {"n": doc.page}
        )
        canvas.restoreState()


def _build(flowables: list, *, font: str, title: str, footer_left: str, footer_right: str) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=settings.HUIFANG_HOSPITAL_NAME,
        creator="Huifang",
    )
    footer = _Footer(font, footer_left, footer_right)
    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- What the documents show ----------------------------------------------------------


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
    """Failure-reason codes → the outcome's label (or the task status's), in the active language."""
    english = not (get_language() or "zh").startswith("zh")
    labels = {
        code: (en if english and en else zh)
        for code, zh, en in Outcome.objects.filter(code__in=list(codes)).values_list(
            "code", "label_zh", "label_en"
        )
    }
    statuses = dict(FollowUpTask.Status.choices)
    return {code: labels.get(code) or str(statuses.get(code, code)) for code in codes}


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
            selectors.report_tasks(scope=scope, date_from=trend_from, date_to=trend_to), "month"
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
    return _table(
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
    return _table(st, headers, rows, [FRAME_WIDTH / 7] * 7, numeric=tuple(range(7)))


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
    return _table(
        st,
        headers,
        body,
        [0.22 * w, 0.11 * w, 0.11 * w, 0.11 * w, 0.13 * w, 0.13 * w, 0.19 * w],
        numeric=(1, 2, 3, 4, 5, 6),
    )


def summary_pdf(doc: SummaryDocument) -> bytes:
    """The summary or department report as a PDF: figures, rates with intervals, charts, tables."""
    font = pdf_font()
    st = _styles(font)
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
                _("Prepared by %(name)s on %(at)s. Definitions: docs/metrics.md.")
                % {"name": doc.generated_by, "at": f"{doc.generated_at:%Y-%m-%d %H:%M}"}
            ),
            ParagraphStyle("centred-note", parent=st["note"], alignment=TA_CENTER),
        ),
        Spacer(1, 4 * mm),
    ]
    story += _section(st, _("Tasks due and exclusions"), _figures_table(st, data))
    story += _section(
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
        else _no_data(font, w, 20 * mm, _("Nothing due in these 12 months."))
    )
    story += _section(st, _("Follow-up and success rate, last 12 months"), chart)
    reasons = data["failure_reasons"]
    reason_items = [(doc.reason_labels.get(code, code), n) for code, n in reasons.items()]
    story += _section(
        st,
        _("Why tasks were not reached"),
        bar_chart(font, reason_items)
        if reason_items
        else _no_data(font, w, 12 * mm, _("Every task due was reached.")),
        Spacer(1, 2 * mm),
        _table(
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
        story += _section(
            st,
            _("Department ranking by success rate"),
            _breakdown_table(st, breakdowns["department"], _("Department")),
        )
    for name, heading, first in (
        ("doctor", _("By attending doctor"), _("Attending doctor")),
        ("nurse", _("By responsible nurse"), _("Responsible nurse")),
    ):
        if name in breakdowns:
            story += _section(st, heading, _breakdown_table(st, breakdowns[name], first))
    story += _satisfaction(st, font, data)
    story += _agents(st, data)
    story += _complaints(st, data)
    story += _signals(st, data)
    return _build(
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
    flow = _section(
        st,
        _("Satisfaction"),
        _table(
            st,
            [_("Measure"), _("Answers"), _("Satisfaction rate"), _("95% Wilson interval")],
            rows,
            [0.4 * w, 0.15 * w, 0.2 * w, 0.25 * w],
            numeric=(1, 2, 3),
        ),
    )
    labels = dict(Dimension.choices)
    dims = sorted(
        questionnaire["by_dimension"].items(),
        key=lambda kv: -(kv[1]["score"] if kv[1]["score"] is not None else -1),
    )
    dim_rows = [
        [str(labels.get(d, d)), v["answers"], "—" if v["score"] is None else f"{v['score']:.1f}"]
        for d, v in dims
    ]
    flow += _section(
        st,
        _("Satisfaction by dimension (mean score 0–100)"),
        _table(
            st,
            [_("Dimension"), _("Answers"), _("Mean score (0–100)")],
            dim_rows,
            [0.5 * w, 0.2 * w, 0.3 * w],
            numeric=(1, 2),
        ),
    )
    scored = [(str(labels.get(d, d)), v["score"]) for d, v in dims if v["score"] is not None]
    if scored:
        flow += [Spacer(1, 2 * mm), bar_chart(font, scored, value_format="%.1f", value_max=100)]
    return flow


def _agents(st, data: dict) -> list:
    w = FRAME_WIDTH
    rows = [
        [
            a["agent"],
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
    return _section(
        st,
        _("Agents against the required rate"),
        _table(
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
    categories = dict(Case.Category.choices)
    flow = _section(
        st,
        _("Complaints"),
        _table(
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
    flow += _section(
        st,
        _("Top complaints"),
        _table(
            st,
            case_headers,
            [
                [x.category or None, x.department or None, x.excerpt, x.status, x.opened_on]
                for x in data.get("top_complaints", [])
            ],
            case_widths,
        ),
    )
    flow += _section(
        st,
        _("Suggestions and their status"),
        _table(
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
    rows = [
        [s["department"], s["label"], pct(s["rate"]), f"{pct(s['lower'])}–{pct(s['upper'])}"]
        for s in data.get("signals", [])
    ]
    return _section(
        st,
        _("Departments outside their control limits this period"),
        _table(
            st,
            [_("Department"), _("Month"), _("Success rate"), _("Control limits")],
            rows,
            [0.3 * w, 0.2 * w, 0.2 * w, 0.3 * w],
            numeric=(2, 3),
        ),
    )


# --- The daily register ----------------------------------------------------------------


def register_pdf(*, rows, day: date, filled_in_by: str, scope_text: str) -> bytes:
    """回访日报表: one row per call (phones masked), a 合计 row, who filled it in and the date."""
    font = pdf_font()
    st = _styles(font)
    hospital = settings.HUIFANG_HOSPITAL_NAME
    title = pgettext("daily register", "Daily follow-up report")
    w = FRAME_WIDTH
    reached = sum(1 for r in rows if r.reached)
    body = [
        [i, r.name, r.phone, r.content, r.agent, r.satisfaction, r.remarks]
        for i, r in enumerate(rows, start=1)
    ]
    body.append(
        [
            pgettext("daily register", "Total"),
            _("%(n)d calls") % {"n": len(rows)},
            _("%(n)d reached") % {"n": reached},
            "",
            "",
            "",
            "",
        ]
    )
    table = _table(
        st,
        [
            pgettext("daily register", "No."),
            pgettext("daily register", "Name"),
            pgettext("daily register", "Phone number"),
            pgettext("daily register", "Follow-up content"),
            pgettext("daily register", "Agent"),
            pgettext("daily register", "Satisfaction"),
            pgettext("daily register", "Notes"),
        ],
        body,
        [0.06 * w, 0.1 * w, 0.14 * w, 0.3 * w, 0.11 * w, 0.1 * w, 0.19 * w],
        numeric=(0,),
        bold_last=True,
    )
    story = [
        Paragraph(escape(f"{hospital} {title}"), st["title"]),
        Paragraph(
            escape(
                _("Date: %(day)s | Scope: %(scope)s")
                % {"day": day.isoformat(), "scope": scope_text}
            ),
            st["subtitle"],
        ),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 8 * mm),
        Table(
            [
                [
                    Paragraph(
                        escape(_("Filled in by: %(name)s") % {"name": filled_in_by}), st["body"]
                    ),
                    Paragraph(escape(_("Date: %(day)s") % {"day": day.isoformat()}), st["body"]),
                ]
            ],
            colWidths=[w / 2, w / 2],
        ),
    ]
    return _build(
        story,
        font=font,
        title=f"{hospital} {title} {day.isoformat()}",
        footer_left=f"{hospital} | {title} | {day.isoformat()}",
        footer_right=filled_in_by,
    )
