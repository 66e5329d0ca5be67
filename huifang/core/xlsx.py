"""Excel workbooks as staff print and file them: one helper every workbook the product writes uses.

Each sheet gets a title row (and an optional line under it), a header row
repeated on every printed page, column widths, numbers stored as numbers
with a number format (counts ``0``, rates ``0.00%``, dates ``yyyy-mm-dd``),
frozen panes, and a page setup: A4, portrait or landscape by the width of
its columns, fitted to one page wide (as many pages tall as it takes).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

TEXT, COUNT, NUMBER, PERCENT, DATE, DATETIME = "text", "count", "number", "percent", "date", "dt"
FORMATS = {
    COUNT: "0",
    NUMBER: "0.0",
    PERCENT: "0.00%",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
# Wider than this (in Excel's character widths) prints landscape: an A4 portrait
# page holds about 90 characters at 100 %.
PORTRAIT_WIDTH = 95

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, width (characters) and what its cells hold."""

    header: str
    width: float = 12
    kind: str = TEXT


def workbook() -> Workbook:
    """A workbook with no sheet yet: each ``sheet_write`` adds one."""
    book = Workbook()
    book.remove(book.active)
    return book


def _sheet_title(book: Workbook, text: str) -> str:
    title = "".join(ch for ch in str(text) if ch not in "[]:*?/\\")[:28] or "-"
    base, n = title, 2
    while title in book.sheetnames:
        title = f"{base[:26]}{n}"
        n += 1
    return title


def _number(value, kind: str):
    """A cell's value as Excel should store it: numbers as numbers, never their text."""
    if value is None or value == "":
        return None
    if kind in (COUNT, NUMBER, PERCENT) and isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            number = float(text)
        except ValueError:
            return value
        if value.strip().endswith("%"):
            number /= 100
        return int(number) if kind == COUNT and number.is_integer() else number
    if kind == DATETIME and isinstance(value, datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return value


def sheet_write(
    book: Workbook,
    *,
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    subtitle: str = "",
    totals: Sequence | None = None,
    footer: Iterable[Sequence] = (),
) -> Worksheet:
    """Write one sheet: title, subtitle, header, ``rows``, a bold ``totals`` row, ``footer`` lines.

    ``rows`` and ``totals`` are cell values in the order of ``columns``;
    ``footer`` lines (who filled it in, the date…) go below, a label and its
    values each. Returns the sheet.
    """
    sheet = book.create_sheet(_sheet_title(book, name))
    width = len(columns)
    last = get_column_letter(width)
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    if width > 1:
        sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 24
    header_row = 2
    if subtitle:
        sheet.append([subtitle])
        sheet["A2"].alignment = Alignment(horizontal="center")
        if width > 1:
            sheet.merge_cells(f"A2:{last}2")
        header_row = 3
    sheet.append([c.header for c in columns])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER

    def put(values, bold=False):
        sheet.append(
            [_number(v, c.kind) for v, c in zip(values, columns, strict=False)]
            + list(values[len(columns) :])
        )
        for cell, column in zip(sheet[sheet.max_row], columns, strict=False):
            cell.border = _BORDER
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
                cell.alignment = Alignment(vertical="top")
            else:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            if bold:
                cell.font = Font(bold=True)

    for row in rows:
        put(list(row))
    if totals is not None:
        put(list(totals), bold=True)
    footer = list(footer)
    if footer:
        sheet.append([])
        for line in footer:
            sheet.append([_number(v, COUNT) if isinstance(v, int) else v for v in line])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            for cell in sheet[sheet.max_row][1:]:
                if isinstance(cell.value, date):
                    cell.number_format = FORMATS[DATE]
                    cell.alignment = Alignment(horizontal="left")
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = f"A{header_row + 1}"
    _page_setup(sheet, header_row=header_row, total_width=sum(c.width for c in columns))
    return sheet


def _page_setup(sheet: Worksheet, *, header_row: int, total_width: float) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = (
        sheet.ORIENTATION_LANDSCAPE if total_width > PORTRAIT_WIDTH else sheet.ORIENTATION_PORTRAIT
    )
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&P / &N"


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
