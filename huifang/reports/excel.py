"""Excel workbooks of the reports: Chinese headers, formatted, frozen panes."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

REGISTER_HEADERS = ["序号", "姓名", "电话号码", "回访内容", "回访人员", "满意度", "备注"]


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list], widths: list[int]):
    ws = wb.active if wb.active.max_row == 1 and wb.active.title == "Sheet" else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BORDER
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    return ws


def _bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def register_workbook(*, rows, day, filled_in_by: str) -> bytes:
    """回访日报表: one row per call, a 合计 row, who filled it in and the date."""
    wb = Workbook()
    data = [
        [i, r.name, r.phone, r.content, r.agent, r.satisfaction, r.remarks]
        for i, r in enumerate(rows, start=1)
    ]
    ws = _sheet(wb, "回访日报表", REGISTER_HEADERS, data, [6, 12, 16, 40, 12, 10, 30])
    reached = sum(1 for r in rows if r.reached)
    ws.append(["合计", f"{len(rows)} 次回访", f"接通 {reached} 次"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([])
    ws.append(["填表人", filled_in_by, "日期", day.isoformat()])
    return _bytes(wb)


SUMMARY_COLUMNS = [
    ("key", "分组"),
    ("due", "应回访数"),
    ("attempted", "已回访数"),
    ("reached", "回访成功数"),
    ("follow_up_rate", "回访率"),
    ("success_rate", "回访成功率"),
    ("success_rate_of_attempted", "成功率（占已回访）"),
    ("on_time", "按时回访数"),
    ("on_time_rate", "按时率"),
    ("excluded_deceased", "已故（未接通）"),
    ("excluded_no_phone", "无电话"),
]


def summary_workbook(*, summary: dict, breakdown: str, rows: list[dict]) -> bytes:
    """The summary's headline figures, one sheet per breakdown, and the failure reasons."""
    wb = Workbook()
    headers = [label for _, label in SUMMARY_COLUMNS]
    total = {k: summary.get(k) for k, _ in SUMMARY_COLUMNS}
    total["key"] = "合计"
    data = [[row.get(k) for k, _ in SUMMARY_COLUMNS] for row in rows]
    data.append([total.get(k) for k, _ in SUMMARY_COLUMNS])
    ws = _sheet(wb, "汇总", headers, data, [18] + [12] * (len(headers) - 1))
    for row in ws.iter_rows(min_row=2):
        for cell, (key, _) in zip(row, SUMMARY_COLUMNS, strict=False):
            if key.endswith("rate"):
                cell.number_format = "0.00%"
    reasons = [[code, n] for code, n in summary["failure_reasons"].items()]
    _sheet(wb, "失败原因", ["原因", "例数"], reasons, [24, 10])
    complaints = summary["complaints"]
    cat_rows = [[k, v] for k, v in complaints["by_category"].items()]
    _sheet(wb, "投诉分类", ["类别", "例数"], cat_rows, [24, 10])
    satisfaction = summary["satisfaction"]
    for name, title, label in (
        ("doctor", "医生满意度", "主治医师"),
        ("nurse", "护士满意度", "责任护士"),
    ):
        if f"by_{name}" in satisfaction:
            _satisfaction_sheet(wb, title, label, satisfaction[f"by_{name}"])
    case_headers = ["类别", "科室", "内容摘要", "状态", "登记日期"]
    widths = [14, 16, 60, 14, 12]
    for title, key in (("主要投诉", "top_complaints"), ("意见建议", "suggestions")):
        cases = [
            [c.category, c.department, c.excerpt, c.status, c.opened_on]
            for c in summary.get(key, [])
        ]
        ws = _sheet(wb, title, case_headers, cases, widths)
        for cell in ws["E"][1:]:
            cell.number_format = "yyyy-mm-dd"
    from huifang.reports.breakdown_excel import points_sheet

    points_sheet(wb, summary.get("department_points"))
    return _bytes(wb)


SATISFACTION_HEADERS = [
    "电话满意度回答数",
    "满意+基本满意",
    "电话满意度",
    "95%下限",
    "95%上限",
    "问卷回答数（五级）",
    "非常满意+满意",
    "问卷满意率",
    "95%下限",
    "95%上限",
]


def _satisfaction_sheet(wb: Workbook, title: str, label: str, rows: list[dict]) -> None:
    """Satisfaction per doctor or nurse: each rate beside its sample size and Wilson interval."""
    from huifang.reports.stats import wilson_interval

    def line(part: int, whole: int) -> list:
        interval = wilson_interval(part, whole)
        return [
            whole,
            part,
            part / whole if whole else None,
            *(interval if interval else (None, None)),
        ]

    data = [
        [
            row["key"] or "（未登记）",
            *line(row["call_satisfied"], row["call_answers"]),
            *line(row["five_level_satisfied"], row["five_level_answers"]),
        ]
        for row in rows
    ]
    ws = _sheet(wb, title, [label, *SATISFACTION_HEADERS], data, [14] + [12] * 10)
    for row in ws.iter_rows(min_row=2):
        for index in (3, 4, 5, 8, 9, 10):
            row[index].number_format = "0.00%"
