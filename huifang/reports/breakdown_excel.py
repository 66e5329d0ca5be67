"""Excel workbooks of the breakdown, answer-table and responses reports.

Laid out by ``core.xlsx`` like every other workbook the product writes (a
title row, the header repeated on each printed page, A4 fitted to width,
numbers as numbers and rates as percents).
"""

from django.utils.translation import pgettext
from openpyxl import Workbook

from huifang.core import xlsx
from huifang.core.xlsx import COUNT, NUMBER, PERCENT, TEXT, Column


def _kind(values: list) -> str:
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return COUNT
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return NUMBER
    return TEXT


def _sheet(book: Workbook, name: str, headers, rows, widths, *, percent=(), title: str = ""):
    """One sheet through ``core.xlsx``: ``percent`` lists the 0-based columns holding rates."""
    rows = [list(row) for row in rows]
    columns = [
        Column(
            header,
            widths[i] if i < len(widths) else 12,
            PERCENT if i in percent else _kind([row[i] for row in rows if i < len(row)]),
        )
        for i, header in enumerate(headers)
    ]
    return xlsx.sheet_write(book, name=name, title=title or name, columns=columns, rows=rows)


def group_headers() -> list[str]:
    return [
        pgettext("report sheet", "Group"),
        pgettext("report sheet", "Due"),
        pgettext("report sheet", "Attempted"),
        pgettext("report sheet", "Reached"),
        pgettext("report sheet", "Follow-up rate"),
        pgettext("report sheet", "Success rate"),
        pgettext("report sheet", "Call satisfaction answers"),
        pgettext("report sheet", "Call satisfaction rate"),
        pgettext("report sheet", "Questionnaire answers (five levels)"),
        pgettext("report sheet", "Questionnaire satisfaction rate"),
    ]


def _group_rows(rows: list[dict]) -> list[list]:
    return [
        [
            r["label"],
            r["due"],
            r["attempted"],
            r["reached"],
            r["follow_up_rate"],
            r["success_rate"],
            r["call_answers"],
            r["call_satisfaction_rate"],
            r["five_level_answers"],
            r["five_level_satisfaction_rate"],
        ]
        for r in rows
    ]


def breakdowns_workbook(*, data: dict) -> bytes:
    """By sex, age band, department group; plans; dimensions; return visits: a sheet each."""
    wb = xlsx.workbook()
    headers = group_headers()
    widths = [16] + [12] * (len(headers) - 1)
    for key, title in (
        ("sex", pgettext("report sheet", "By sex")),
        ("age", pgettext("report sheet", "By age band")),
        ("department_group", pgettext("report sheet", "By department group")),
    ):
        _sheet(wb, title, headers, _group_rows(data[key]), widths, percent=(4, 5, 7, 9))
    plans = [
        [
            p["name"],
            p["due"],
            p["attempted"],
            p["follow_up_rate"],
            p["required_rate"],
            pgettext("report sheet", "The plan's own")
            if p["own_target"]
            else pgettext("report sheet", "Hospital-wide"),
            p["shortfall"],
            p["points"],
        ]
        for p in data["plans"]
    ]
    _sheet(
        wb,
        pgettext("report sheet", "Plans against targets"),
        [
            pgettext("report sheet", "Plan"),
            pgettext("report sheet", "Due"),
            pgettext("report sheet", "Attempted"),
            pgettext("report sheet", "Follow-up rate"),
            pgettext("report sheet", "Required follow-up rate"),
            pgettext("report sheet", "Required by"),
            pgettext("report sheet", "Shortfall"),
            pgettext("report sheet", "Points deducted"),
        ],
        plans,
        [24, 10, 10, 10, 12, 10, 10, 8],
        percent=(3, 4, 6),
    )
    dimensions = [
        [
            d["label"],
            d["answers"],
            d["score"],
            d["five_level_answers"],
            d["five_level_satisfaction_rate"],
        ]
        for d in data["dimensions"]
    ]
    _sheet(
        wb,
        pgettext("report sheet", "Satisfaction by dimension"),
        [
            pgettext("report sheet", "Dimension"),
            pgettext("report sheet", "Answers"),
            pgettext("report sheet", "Mean score (0–100)"),
            pgettext("report sheet", "Five-level answers"),
            pgettext("report sheet", "Satisfaction rate"),
        ],
        dimensions,
        [18, 10, 14, 12, 10],
        percent=(4,),
    )
    visits = data["return_visits"]
    rows = [
        [
            r["name"] or r["key"] or pgettext("report sheet", "(not recorded)"),
            r["discharges"],
            r["returned"],
            r["return_rate"],
            r["window_open"],
        ]
        for r in visits["departments"]
    ]
    total = visits["total"]
    rows.append(
        [
            pgettext("report sheet", "Total"),
            total["discharges"],
            total["returned"],
            total["return_rate"],
            total["window_open"],
        ]
    )
    _sheet(
        wb,
        pgettext("report sheet", "Return visits in %(days)d days") % {"days": visits["days"]},
        [
            pgettext("report sheet", "Department"),
            pgettext("report sheet", "Discharged"),
            pgettext("report sheet", "Came back within %(days)d days") % {"days": visits["days"]},
            pgettext("report sheet", "Return-visit rate"),
            pgettext("report sheet", "Window still open"),
        ],
        rows,
        [18, 10, 12, 10, 10],
        percent=(3,),
    )
    return xlsx.workbook_bytes(wb)


def answer_tables_workbook(*, tables) -> bytes:
    """One sheet per question: a row per department, count and share per option."""
    wb = xlsx.workbook()
    if not tables:
        _sheet(
            wb,
            pgettext("report sheet", "Answers by option"),
            [pgettext("report sheet", "Note")],
            [[pgettext("report sheet", "No choice answers in this period.")]],
            [40],
        )
        return xlsx.workbook_bytes(wb)
    for table in tables:
        # The tab shows the question's words (core.xlsx shortens and numbers repeats).
        title = table.text
        headers = [pgettext("report sheet", "Department"), pgettext("report sheet", "Answers")]
        for _value, label in table.options:
            headers += [
                pgettext("report sheet", "%(option)s (count)") % {"option": label},
                pgettext("report sheet", "%(option)s (share)") % {"option": label},
            ]
        rows = []
        for row in [*table.rows, table.total]:
            cells = [
                row.name or row.key or pgettext("report sheet", "(not recorded)"),
                row.answered,
            ]
            for count, share in row.cells(table.options):
                cells += [count, share]
            rows.append(cells)
        rows[-1][0] = pgettext("report sheet", "Total")
        _sheet(
            wb,
            title,
            headers,
            rows,
            [18, 10] + [12] * (len(headers) - 2),
            percent=tuple(range(3, len(headers), 2)),
            title=f"{table.source_title} · {table.text}",
        )
    return xlsx.workbook_bytes(wb)


def responses_workbook(*, sheets) -> bytes:
    """One sheet per questionnaire: a row per response, a column per item."""
    from huifang.reports.responses import fixed_headers

    wb = xlsx.workbook()
    if not sheets:
        _sheet(
            wb,
            pgettext("report sheet", "Questionnaire responses"),
            fixed_headers(),
            [],
            [16] * len(fixed_headers()),
        )
        return xlsx.workbook_bytes(wb)
    used: set[str] = set()
    for sheet in sheets:
        title = (sheet.title or sheet.code)[:31]
        if title in used:
            title = sheet.code[:31]
        used.add(title)
        headers = [*fixed_headers(), *(text for _code, text in sheet.items)]
        _sheet(
            wb,
            title,
            headers,
            sheet.rows,
            [16, 8, 10, 12, 14, 20, 14, 14, 10] + [18] * len(sheet.items),
        )
    return xlsx.workbook_bytes(wb)


def points_sheet(wb: Workbook, points: dict | None) -> None:
    """Department points (科室考核扣分) on the summary workbook: late and reopened cases."""
    if not points:
        return
    rows = [
        [r["name"], r["cases"], r["late"], r["reopened"], float(r["points"])]
        for r in points["rows"]
    ]
    _sheet(
        wb,
        pgettext("report sheet", "Department assessment points"),
        [
            pgettext("report sheet", "Department"),
            pgettext("report sheet", "Cases recorded"),
            pgettext("report sheet", "Late cases"),
            pgettext("report sheet", "Cases reopened"),
            pgettext("report sheet", "Points deducted"),
        ],
        rows,
        [18, 12, 10, 12, 8],
    )
