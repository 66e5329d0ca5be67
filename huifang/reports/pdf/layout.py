"""Layout of the PDF reports: the font, styles, tables, charts, page footer and build.

Drawn with ReportLab: ``platypus`` lays out the flow (title, tables, page
footers), ``reportlab.graphics.charts`` draws the charts as vector drawings.
"""

import hashlib
from datetime import date
from io import BytesIO
from math import ceil
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
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
    Table,
    TableStyle,
)

from huifang.core.errors import ApplicationError

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


def styles(font: str) -> dict[str, ParagraphStyle]:
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


def cell_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(st, headers, rows, widths, *, numeric=(), bold_last=False) -> Table:
    """A bordered table with a shaded header row, repeated on each page it spans."""
    data = [[Paragraph(escape(h), st["head"]) for h in headers]]
    for row in rows:
        data.append(
            [
                Paragraph(escape(cell_text(v)), st["num"] if i in numeric else st["cell"])
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


def section(st, title: str, *flowables) -> list:
    """A heading kept on the page of what follows it."""
    return [
        CondPageBreak(40 * mm),
        KeepTogether([Paragraph(escape(title), st["h2"]), *flowables[:1]]),
        *flowables[1:],
    ]


def no_data(font: str, width: float, height: float, text: str) -> Drawing:
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


class Footer:
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


def build(flowables: list, *, font: str, title: str, footer_left: str, footer_right: str) -> bytes:
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
    footer = Footer(font, footer_left, footer_right)
    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
