"""Excel workbooks of the breakdown, answer-table and responses reports.

Built with the shared helpers of ``excel`` (headers, borders, frozen panes),
so they look like the other report downloads.
"""

from openpyxl import Workbook

from huifang.reports.excel import _bytes, _sheet

PERCENT = "0.00%"

GROUP_HEADERS = [
    "分组",
    "应回访数",
    "已回访数",
    "回访成功数",
    "回访率",
    "回访成功率",
    "电话满意度回答数",
    "电话满意度",
    "问卷回答数（五级）",
    "问卷满意率",
]


def _percent(ws, columns: tuple[int, ...]) -> None:
    for row in ws.iter_rows(min_row=2):
        for index in columns:
            if index < len(row):
                row[index].number_format = PERCENT


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
    """按性别 / 按年龄段 / 按科室分组 / 计划达标 / 满意度维度 / 复诊率: one sheet each."""
    wb = Workbook()
    widths = [16] + [12] * (len(GROUP_HEADERS) - 1)
    for key, title in (("sex", "按性别"), ("age", "按年龄段"), ("department_group", "按科室分组")):
        ws = _sheet(wb, title, GROUP_HEADERS, _group_rows(data[key]), widths)
        _percent(ws, (4, 5, 7, 9))
    plans = [
        [
            p["name"],
            p["key"],
            p["due"],
            p["attempted"],
            p["follow_up_rate"],
            p["required_rate"],
            "计划目标" if p["own_target"] else "全院统一",
            p["shortfall"],
            p["points"],
        ]
        for p in data["plans"]
    ]
    ws = _sheet(
        wb,
        "计划达标",
        [
            "计划",
            "代码",
            "应回访数",
            "已回访数",
            "回访率",
            "要求回访率",
            "要求来源",
            "差额",
            "扣分",
        ],
        plans,
        [20, 16, 10, 10, 10, 12, 10, 10, 8],
    )
    _percent(ws, (4, 5, 7))
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
    ws = _sheet(
        wb,
        "满意度维度",
        ["维度", "回答数", "平均分（0–100）", "五级回答数", "满意率"],
        dimensions,
        [18, 10, 14, 12, 10],
    )
    _percent(ws, (4,))
    visits = data["return_visits"]
    rows = [
        [
            r["name"] or r["key"] or "（未登记）",
            r["discharges"],
            r["returned"],
            r["return_rate"],
            r["window_open"],
        ]
        for r in visits["departments"]
    ]
    total = visits["total"]
    rows.append(
        ["合计", total["discharges"], total["returned"], total["return_rate"], total["window_open"]]
    )
    ws = _sheet(
        wb,
        f"{visits['days']}天复诊率",
        ["科室", "出院人数", f"{visits['days']}天内复诊", "复诊率", "尚未满期"],
        rows,
        [18, 10, 12, 10, 10],
    )
    _percent(ws, (3,))
    return _bytes(wb)


def answer_tables_workbook(*, tables) -> bytes:
    """One sheet per question: a row per department, count and share per option."""
    wb = Workbook()
    if not tables:
        _sheet(wb, "选项统计", ["说明"], [["本期没有选项类回答。"]], [40])
        return _bytes(wb)
    used: set[str] = set()
    for table in tables:
        base = f"{table.source}-{table.code}"[:28]
        title, n = base, 2
        while title in used:
            title, n = f"{base[:26]}~{n}", n + 1
        used.add(title)
        headers = ["科室", "回答数"]
        for _value, label in table.options:
            headers += [f"{label}（例）", f"{label}（占比）"]
        rows = []
        for row in [*table.rows, table.total]:
            cells = [row.name or row.key or "（未登记）", row.answered]
            for count, share in row.cells(table.options):
                cells += [count, share]
            rows.append(cells)
        rows[-1][0] = "合计"
        ws = _sheet(wb, title, headers, rows, [18, 10] + [12] * (len(headers) - 2))
        _percent(ws, tuple(range(3, len(headers), 2)))
        ws.insert_rows(1)
        ws["A1"] = f"{table.source_title} · {table.text}"
        ws.freeze_panes = "A3"
    return _bytes(wb)


def responses_workbook(*, sheets) -> bytes:
    """One sheet per questionnaire: a row per response, a column per item."""
    from huifang.reports.responses import FIXED_HEADERS

    wb = Workbook()
    if not sheets:
        _sheet(wb, "问卷答卷", FIXED_HEADERS, [], [16] * len(FIXED_HEADERS))
        return _bytes(wb)
    used: set[str] = set()
    for sheet in sheets:
        title = (sheet.title or sheet.code)[:31]
        if title in used:
            title = sheet.code[:31]
        used.add(title)
        headers = [*FIXED_HEADERS, *(text for _code, text in sheet.items)]
        _sheet(
            wb,
            title,
            headers,
            sheet.rows,
            [16, 8, 10, 12, 14, 20, 14, 14, 10] + [18] * len(sheet.items),
        )
    return _bytes(wb)


def points_sheet(wb: Workbook, points: dict | None) -> None:
    """科室考核扣分 on the summary workbook: late and reopened cases and the points."""
    if not points:
        return
    rows = [
        [r["name"], r["key"], r["cases"], r["late"], r["reopened"], float(r["points"])]
        for r in points["rows"]
    ]
    _sheet(
        wb,
        "科室考核扣分",
        ["科室", "代码", "投诉建议数", "超期件数", "重新打开件数", "扣分"],
        rows,
        [18, 12, 12, 10, 12, 8],
    )
