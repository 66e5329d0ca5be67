"""Which column of a follow-up register (回访登记本) is which.

Registers are kept by hand in Excel, so the same column goes by many names
(回访日期 / 日期, 回访结果 / 结果 …). Headers are compared the way the HIS
import compares them (``normalize_header``: half-width, lower case, no
spaces or brackets).
"""

from dataclasses import dataclass

from huifang.patients.importing.mapping import normalize_header

# field -> aliases; the first alias is the label shown to clerks.
FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("回访日期", "日期", "回访时间", "随访日期", "随访时间", "电话回访日期", "date"),
    "name": ("姓名", "患者姓名", "病人姓名", "患者", "name", "patientname"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "phone"),
    "department": ("科室", "出院科室", "所在科室", "病区", "department"),
    "discharged_on": ("出院日期", "出院时间", "dischargedate"),
    "encounter_number": (
        "住院号",
        "住院号码",
        "门诊号",
        "就诊号",
        "encounternumber",
        "admissionnumber",
    ),
    "record_number": ("病案号", "病历号", "病案编号", "患者编号", "档案号", "mrn", "recordnumber"),
    "outcome": ("回访结果", "结果", "随访结果", "回访情况", "接听情况", "outcome", "result"),
    "satisfaction": ("满意度", "满意程度", "满意度评价", "是否满意", "satisfaction"),
    "agent": ("回访人", "回访人员", "回访者", "随访人", "随访人员", "操作员", "agent"),
    "note": ("备注", "回访内容", "回访记录", "说明", "note", "notes", "remark"),
}

LABELS = {name: aliases[0] for name, aliases in FIELDS.items()}

_ALIASES: dict[str, str] = {}
for _field, _names in FIELDS.items():
    for _name in _names:
        _ALIASES.setdefault(normalize_header(_name), _field)


@dataclass
class RegisterColumns:
    """The header as read, and for each field the first column holding it."""

    headers: list[str]
    index: dict[str, int]

    def missing(self) -> list[str]:
        """Labels of the columns a register cannot do without."""
        needed = ["date", "name", "outcome"]
        return [LABELS[name] for name in needed if name not in self.index]


def map_register_headers(headers: list, overrides: dict | None = None) -> RegisterColumns:
    """Map a header row to register fields; a field named twice keeps the first column.

    ``overrides``: column header → field, or ``None`` to ignore that column,
    over what the aliases detect (the upload page lets a clerk correct them).
    """
    overrides = overrides or {}
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        if str(header) in overrides:
            name = overrides[str(header)] or None
        else:
            name = _ALIASES.get(normalize_header(header))
        if name is not None and name in FIELDS and name not in index:
            index[name] = position
    return RegisterColumns(headers=[str(h) for h in headers], index=index)


def detected_fields(headers: list, overrides: dict | None = None) -> list[str | None]:
    """For each column, the register field it holds (``None``: not used), for the upload page."""
    columns = map_register_headers(headers, overrides)
    by_position = {position: name for name, position in columns.index.items()}
    return [by_position.get(position) for position in range(len(headers))]
