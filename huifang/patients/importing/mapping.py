"""Which column is which: header aliases, detection, and saved per-source mappings.

Hospitals name their export columns differently (姓名 / 患者姓名 / 病人姓名 …).
Each field below lists the headers we recognise, Chinese and English; a
source can save its own mapping on top, and ``--mapping FILE`` overrides
both. Columns no field claims are kept in the encounter's raw record.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from huifang.core.errors import ApplicationError

# field -> (label shown to staff, aliases)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "record_number": (
        "病案号",
        (
            "病案号",
            "病历号",
            "病案编号",
            "住院病案号",
            "患者编号",
            "患者id",
            "病人id",
            "档案号",
            "mrn",
            "medicalrecordnumber",
            "recordnumber",
            "patientid",
        ),
    ),
    "name": ("姓名", ("姓名", "患者姓名", "病人姓名", "客户姓名", "name", "patientname")),
    "sex": ("性别", ("性别", "sex", "gender")),
    "age": ("年龄", ("年龄", "age")),
    "birth_date": ("出生日期", ("出生日期", "出生年月", "生日", "birthdate", "dateofbirth", "dob")),
    "ethnicity": ("民族", ("民族", "ethnicity", "nation")),
    "occupation": ("职业", ("职业", "工作", "occupation", "job")),
    "address": (
        "家庭住址",
        ("家庭住址", "住址", "地址", "现住址", "家庭地址", "联系地址", "address"),
    ),
    "id_number": (
        "身份证号",
        (
            "身份证号",
            "身份证号码",
            "身份证",
            "证件号码",
            "证件号",
            "idnumber",
            "idcard",
            "residentid",
        ),
    ),
    "phone": (
        "联系电话",
        (
            "联系电话",
            "手机号码",
            "手机号",
            "手机",
            "电话",
            "电话号码",
            "本人电话",
            "患者电话",
            "phone",
            "mobile",
            "telephone",
            "tel",
        ),
    ),
    "family_phone": (
        "家属电话",
        ("家属电话", "家属联系电话", "亲属电话", "紧急联系电话", "familyphone", "emergencyphone"),
    ),
    "contact": (
        "联系人及电话",
        (
            "联系人及电话",
            "联系人电话",
            "联系人",
            "紧急联系人",
            "家属联系人",
            "contact",
            "emergencycontact",
        ),
    ),
    "encounter_number": (
        "住院号/门诊号",
        (
            "住院号",
            "门诊号",
            "就诊号",
            "就诊流水号",
            "流水号",
            "住院流水号",
            "体检号",
            "体检编号",
            "登记号",
            "encounternumber",
            "visitnumber",
            "admissionnumber",
            "visitid",
        ),
    ),
    "visit_type": (
        "初诊/复诊",
        ("初复诊", "初诊复诊", "初诊/复诊", "就诊性质", "初复诊标志", "visittype2", "firstvisit"),
    ),
    "kind": (
        "就诊类型",
        ("就诊类型", "就诊类别", "患者类型", "类型", "encounterkind", "visittype"),
    ),
    "department": (
        "科室",
        (
            "出院科室",
            "科室",
            "就诊科室",
            "所在科室",
            "病区",
            "出院病区",
            "科别",
            "department",
            "ward",
        ),
    ),
    "attending_doctor": (
        "主治医师",
        (
            "主治医师",
            "主治医生",
            "经治医师",
            "经治医生",
            "主管医师",
            "主管医生",
            "接诊医生",
            "就诊医生",
            "医生",
            "attendingdoctor",
            "doctor",
            "physician",
        ),
    ),
    "responsible_nurse": (
        "责任护士",
        ("责任护士", "主管护士", "护士", "nurse", "responsiblenurse"),
    ),
    "admitted_on": ("入院日期", ("入院日期", "入院时间", "admissiondate", "admittedon")),
    "discharged_on": (
        "出院日期",
        ("出院日期", "出院时间", "dischargedate", "dischargedon"),
    ),
    "visit_on": (
        "就诊日期",
        ("就诊日期", "就诊时间", "门诊日期", "挂号日期", "体检日期", "visitdate", "visiton"),
    ),
    "diagnoses": (
        "诊断",
        (
            "出院诊断",
            "诊断",
            "门诊诊断",
            "主要诊断",
            "诊断名称",
            "临床诊断",
            "diagnosis",
            "diagnoses",
        ),
    ),
    "diagnosis_codes": (
        "诊断编码",
        ("诊断编码", "诊断代码", "icd10", "icd编码", "icd", "diagnosiscode"),
    ),
    "procedures": (
        "手术名称",
        ("手术名称", "手术", "手术及操作", "手术操作名称", "procedure", "procedures"),
    ),
    "procedure_date": ("手术日期", ("手术日期", "手术时间", "proceduredate")),
    "chief_complaint": ("入院症状", ("入院症状", "主诉", "入院情况", "chiefcomplaint")),
    "treatment": ("治疗经过", ("治疗经过", "诊疗经过", "治疗", "treatment")),
    "discharge_orders": ("出院医嘱", ("出院医嘱", "医嘱", "dischargeorders")),
    "discharge_medication": (
        "出院带药",
        ("出院带药", "带药", "出院用药", "dischargemedication", "medication"),
    ),
    "findings": (
        "体检异常项",
        (
            "体检异常项",
            "异常项目",
            "异常结果",
            "体检异常",
            "阳性结果",
            "异常指标",
            "abnormalfindings",
            "findings",
        ),
    ),
    "deceased_on": ("死亡日期", ("死亡日期", "死亡时间", "dateofdeath")),
}

_STRIP = re.compile(r"[\s\(\)（）\[\]【】:：*＊_\-—/·.]+")


def normalize_header(text) -> str:
    """A header as compared with aliases: half-width, lower-case, no spaces or brackets."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _STRIP.sub("", text)


# Fields a file may give in several columns, all of which are read: a
# 手机号码 and a 联系电话 column both hold the patient's numbers. Any other
# field is read from its first column; later ones stay in the raw record.
MULTI_COLUMN_FIELDS = frozenset({"phone", "family_phone", "contact"})

_ALIASES: dict[str, str] = {}
for _field, (_label, _names) in FIELDS.items():
    for _name in _names:
        _ALIASES.setdefault(normalize_header(_name), _field)


class UnknownMappingField(ApplicationError):
    code = "unknown_field"


def check_mapping(mapping: dict, *, origin: str = "列映射") -> None:
    """Refuse a mapping that names a field the import does not know.

    Such a column would otherwise be read as nothing, and every row rejected
    for a reason that hides the typo (e.g. "出院日期为空").
    """
    unknown = [
        (str(header), value)
        for header, value in (mapping or {}).items()
        if value is not None and value != "" and (type(value) is not str or value not in FIELDS)
    ]
    if unknown:
        shown = "、".join(f"{value}（列“{header}”）" for header, value in unknown)
        raise UnknownMappingField(
            f"{origin}中有未知的字段：{shown}；可用的字段：{', '.join(FIELDS)}",
            details={"unknown": dict(unknown), "fields": list(FIELDS)},
        )


@dataclass
class ColumnMapping:
    """For each column index, the field it feeds (or None: kept raw only)."""

    headers: list[str]
    fields: list[str | None]
    unknown: list[str] = field(default_factory=list)

    def index(self) -> dict[str, int]:
        """field -> first column holding it."""
        found: dict[str, int] = {}
        for position, name in enumerate(self.fields):
            if name is not None and name not in found:
                found[name] = position
        return found

    def extra_columns(self) -> list[tuple[int, str]]:
        """(column, field) of the second and later columns of a multi-column field."""
        first = self.index()
        return [
            (position, name)
            for position, name in enumerate(self.fields)
            if name in MULTI_COLUMN_FIELDS and first[name] != position
        ]

    def as_dict(self) -> dict[str, str | None]:
        return {header: name for header, name in zip(self.headers, self.fields, strict=True)}


def map_headers(
    headers: list[str], overrides: dict[str, str | None] | None = None
) -> ColumnMapping:
    """Map a header row to fields: overrides (saved or given) first, then aliases.

    A field claimed by two columns keeps the first and the second stays raw,
    except the phone fields (``MULTI_COLUMN_FIELDS``), which read every column.
    """
    check_mapping(overrides or {})
    overrides = {normalize_header(k): v for k, v in (overrides or {}).items()}
    fields: list[str | None] = []
    taken: set[str] = set()
    unknown = []
    for header in headers:
        key = normalize_header(header)
        name = (overrides[key] or None) if key in overrides else _ALIASES.get(key)
        if name is not None and name in taken and name not in MULTI_COLUMN_FIELDS:
            name = None
        if name is None:
            if key:
                unknown.append(str(header))
        else:
            taken.add(name)
        fields.append(name)
    return ColumnMapping(
        headers=[str(h) if h is not None else "" for h in headers], fields=fields, unknown=unknown
    )


def header_score(cells: list) -> int:
    """How much a row looks like a header: the number of distinct fields it names."""
    return len({_ALIASES[k] for k in (normalize_header(c) for c in cells) if k in _ALIASES})


def looks_usable(mapping: ColumnMapping) -> bool:
    """A header we can import with: a name and an encounter number at least."""
    index = mapping.index()
    return "name" in index and "encounter_number" in index
