"""One raw row → a normalised record ready to write, or a reason to reject it.

Every decision a clerk might question is made here, row by row, without
touching the database: which fields are missing, which dates are
impossible, which phone numbers are unusable. The writer only writes.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from huifang.core.idnumbers import id_number_valid, normalize_id_number
from huifang.core.phones import InvalidPhoneNumber, normalize_phone
from huifang.patients.importing import normalize as n
from huifang.patients.importing.mapping import ColumnMapping
from huifang.patients.importing.reader import RawRow
from huifang.patients.models import Encounter, PhoneNumber

# Encounter kinds as HIS files write them.
KIND_WORDS = [
    ("新生儿", Encounter.Kind.NEWBORN),
    ("日间", Encounter.Kind.DAY_SURGERY),
    ("产", Encounter.Kind.MATERNITY),
    ("体检", Encounter.Kind.HEALTH_CHECK),
    ("急诊", Encounter.Kind.EMERGENCY),
    ("门诊", Encounter.Kind.OUTPATIENT),
    ("住院", Encounter.Kind.INPATIENT),
    ("出院", Encounter.Kind.INPATIENT),
]
STAY_KINDS = {Encounter.Kind.INPATIENT, Encounter.Kind.MATERNITY, Encounter.Kind.NEWBORN}

LIMITS = {
    "name": 50,
    "ethnicity": 20,
    "occupation": 50,
    "address": 200,
    "attending_doctor": 50,
    "responsible_nurse": 50,
}


class Rejected(Exception):
    """The row cannot be a follow-up record; ``reason`` is for the clerk."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Warning_:
    field: str
    code: str
    message: str


@dataclass
class PhoneData:
    number: str
    line_type: str
    owner: str
    relation: str
    contact_name: str
    status: str


@dataclass
class Prepared:
    row: RawRow
    number: str
    kind: str
    patient: dict
    phones: list[PhoneData]
    encounter: dict
    department: str
    diagnoses: list[tuple[str, str]]
    procedures: list[tuple[str, date | None]]
    findings: list[tuple[str, str]]
    raw: dict
    warnings: list[Warning_] = field(default_factory=list)
    fingerprint: str = ""


def kind_from_text(text: str) -> str:
    text = n.clean_text(text)
    if text in Encounter.Kind.values:
        return text
    for word, kind in KIND_WORDS:
        if word in text:
            return kind
    return ""


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


class RowPreparer:
    """Turns raw rows of one file into ``Prepared`` records."""

    def __init__(self, mapping: ColumnMapping, *, default_kind: str, today: date):
        self.mapping = mapping
        self.columns = mapping.index()
        self.default_kind = default_kind
        self.today = today
        self.headers = mapping.headers

    def _cell(self, cells: list, name: str):
        position = self.columns.get(name)
        if position is None or position >= len(cells):
            return ""
        return cells[position]

    def _text(self, cells, name: str) -> str:
        return n.clean_text(self._cell(cells, name))

    def _date(self, cells, name: str, label: str, *, required=False) -> date | None:
        try:
            value = n.parse_date(self._cell(cells, name))
        except n.FieldProblem as exc:
            raise Rejected(exc.code, f"{label}：{exc.message}") from exc
        if value is not None and value > self.today:
            raise Rejected("future_date", f"{label}在未来：{value.isoformat()}")
        if value is None and required:
            raise Rejected("missing_date", f"{label}为空")
        return value

    def prepare(self, row: RawRow) -> Prepared:
        cells = row.cells
        warnings: list[Warning_] = []
        name = self._text(cells, "name")
        if not name:
            raise Rejected("missing_name", "姓名为空")
        number = self._text(cells, "encounter_number").replace(" ", "")
        if not number:
            raise Rejected("missing_encounter_number", "住院号/门诊号为空")
        if len(number) > 40:
            raise Rejected(
                "encounter_number_too_long", f"住院号/门诊号过长（{len(number)} 个字符）"
            )

        kind = kind_from_text(self._text(cells, "kind")) or self.default_kind
        admitted_on = self._date(cells, "admitted_on", "入院日期")
        discharged_on = self._date(cells, "discharged_on", "出院日期")
        visit_on = self._date(cells, "visit_on", "就诊日期")
        findings = [
            (f.kind, f.description) for f in n.parse_findings(self._cell(cells, "findings"))
        ]
        if not kind:
            if findings and not discharged_on:
                kind = Encounter.Kind.HEALTH_CHECK
            elif discharged_on or admitted_on:
                kind = Encounter.Kind.INPATIENT
            else:
                kind = Encounter.Kind.OUTPATIENT
        if kind in STAY_KINDS:
            if discharged_on is None:
                if visit_on is not None:
                    discharged_on, visit_on = visit_on, None
                else:
                    raise Rejected("missing_discharge_date", "出院日期为空，无法安排出院随访")
        elif visit_on is None:
            visit_on = discharged_on or admitted_on
            if visit_on is None:
                raise Rejected("missing_visit_date", "就诊日期为空")
            if kind != Encounter.Kind.DAY_SURGERY:
                discharged_on = None
        if admitted_on and discharged_on and discharged_on < admitted_on:
            raise Rejected(
                "discharge_before_admission",
                f"出院日期 {discharged_on.isoformat()} 早于入院日期 {admitted_on.isoformat()}",
            )

        anchor = discharged_on or visit_on
        patient = {
            "record_number": self._text(cells, "record_number").replace(" ", "")[:32],
            "name": name,
            "sex": n.parse_sex(self._cell(cells, "sex")),
            "birth_date": None,
            "ethnicity": "",
            "occupation": "",
            "address": "",
            "id_number": "",
            "deceased_on": None,
            "birth_estimated": False,
        }
        for key in ("ethnicity", "occupation", "address"):
            value = self._text(cells, key)
            if len(value) > LIMITS[key]:
                warnings.append(Warning_(key, "truncated", f"{key} 过长，已截断"))
            patient[key] = value[: LIMITS[key]]
        if len(name) > LIMITS["name"]:
            raise Rejected("name_too_long", "姓名过长，可能错列")

        raw_id = self._text(cells, "id_number")
        if raw_id:
            id_number = normalize_id_number(raw_id)
            if id_number_valid(id_number):
                patient["id_number"] = id_number
            else:
                warnings.append(
                    Warning_("id_number", "invalid_id_number", "身份证号校验不通过，未保存")
                )
        try:
            birth = n.parse_date(self._cell(cells, "birth_date"))
        except n.FieldProblem as exc:
            birth = None
            warnings.append(Warning_("birth_date", exc.code, f"出生日期：{exc.message}"))
        if birth is None and self.columns.get("age") is not None:
            try:
                age = n.parse_age(self._cell(cells, "age"))
            except n.FieldProblem as exc:
                age = None
                warnings.append(Warning_("age", exc.code, f"年龄：{exc.message}"))
            if age is not None:
                birth = n.approx_birth_date(age, anchor)
                patient["birth_estimated"] = True
        if birth is not None and birth > anchor:
            warnings.append(
                Warning_("birth_date", "birth_after_encounter", "出生日期晚于就诊日期，未保存")
            )
            birth = None
        patient["birth_date"] = birth
        try:
            patient["deceased_on"] = n.parse_date(self._cell(cells, "deceased_on"))
        except n.FieldProblem as exc:
            warnings.append(Warning_("deceased_on", exc.code, f"死亡日期：{exc.message}"))

        phones = self._phones(cells, warnings)

        diagnoses = [
            (d.code, d.name[:200]) for d in n.parse_diagnoses(self._cell(cells, "diagnoses"))
        ]
        codes_only = self._text(cells, "diagnosis_codes")
        if codes_only:
            codes = [c.code for c in n.parse_diagnoses(codes_only) if c.code]
            if codes and diagnoses and all(not code for code, _ in diagnoses):
                diagnoses = [
                    (codes[i] if i < len(codes) else "", name_)
                    for i, (_, name_) in enumerate(diagnoses)
                ]
            elif codes and not diagnoses:
                diagnoses = [(code, code) for code in codes]
        procedure_date = None
        try:
            procedure_date = n.parse_date(self._cell(cells, "procedure_date"))
        except n.FieldProblem as exc:
            warnings.append(Warning_("procedure_date", exc.code, f"手术日期：{exc.message}"))
        procedures = [
            (name_[:200], procedure_date)
            for name_ in n.parse_procedures(self._cell(cells, "procedures"))
        ]

        encounter = {
            "kind": kind,
            "admitted_on": admitted_on,
            "discharged_on": discharged_on,
            "visit_on": visit_on,
            "attending_doctor": self._text(cells, "attending_doctor")[:50],
            "responsible_nurse": self._text(cells, "responsible_nurse")[:50],
            "chief_complaint": self._text(cells, "chief_complaint"),
            "treatment": self._text(cells, "treatment"),
            "discharge_orders": self._text(cells, "discharge_orders"),
            "discharge_medication": self._text(cells, "discharge_medication"),
        }
        visit_type = self._text(cells, "visit_type")
        if visit_type:
            # 初诊 / 复诊: first visits get their own follow-up plans.
            visit_type = (
                "初诊" if "初" in visit_type else "复诊" if "复" in visit_type else visit_type
            )
            encounter["visit_type"] = visit_type
        department = self._text(cells, "department")
        if not department:
            warnings.append(
                Warning_("department", "missing_department", "科室为空，已归入“未映射科室”")
            )

        # The row as read, every column (known or not), for the record.
        raw = {
            (header or f"列{i + 1}"): _as_read(cells[i]) if i < len(cells) else ""
            for i, header in enumerate(self.headers)
        }
        if len(cells) > len(self.headers):
            for i in range(len(self.headers), len(cells)):
                raw[f"列{i + 1}"] = _as_read(cells[i])

        prepared = Prepared(
            row=row,
            number=number,
            kind=kind,
            patient=patient,
            phones=phones,
            encounter=encounter,
            department=department,
            diagnoses=diagnoses,
            procedures=procedures,
            findings=findings,
            raw=raw,
            warnings=warnings,
        )
        prepared.fingerprint = hashlib.sha256(
            json.dumps(
                [
                    number,
                    kind,
                    patient,
                    [p.__dict__ for p in phones],
                    encounter,
                    department,
                    diagnoses,
                    procedures,
                    findings,
                    raw,
                ],
                default=_json_default,
                ensure_ascii=False,
                sort_keys=True,
            ).encode("utf-8")
        ).hexdigest()
        return prepared

    def _phones(self, cells, warnings: list[Warning_]) -> list[PhoneData]:
        candidates = []
        own = n.split_phones(self._cell(cells, "phone"))
        if not own:
            # Something that is no phone number at all ("12345", "无"): keep
            # digits as an invalid number, so the "no usable phone" count is right.
            digits = "".join(ch for ch in n.clean_text(self._cell(cells, "phone")) if ch.isdigit())
            if digits:
                own = [n.PhoneCandidate(raw=digits, owner="self")]
        candidates += own
        candidates += n.split_phones(self._cell(cells, "family_phone"), family=True)
        candidates += n.parse_contact(self._cell(cells, "contact"))
        phones: list[PhoneData] = []
        seen: set[str] = set()
        for candidate in candidates:
            try:
                number, line_type = normalize_phone(candidate.raw)
                status = PhoneNumber.Status.UNKNOWN
            except InvalidPhoneNumber:
                number = "".join(ch for ch in candidate.raw if ch.isdigit() or ch == "+")[:20]
                line_type = PhoneNumber.LineType.UNKNOWN
                status = PhoneNumber.Status.INVALID
                if not number:
                    continue
                warnings.append(
                    Warning_(
                        "phone",
                        "invalid_phone",
                        f"电话号码无效，已保存并标记为无效：{_mask(number)}",
                    )
                )
            if number in seen:
                continue
            seen.add(number)
            phones.append(
                PhoneData(
                    number=number,
                    line_type=line_type,
                    owner=candidate.owner,
                    relation=candidate.relation[:20],
                    contact_name=candidate.contact_name[:50],
                    status=status,
                )
            )
        return phones


def _mask(number: str) -> str:
    from huifang.core.masking import mask_phone

    return mask_phone(number)


def _as_read(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second):
        return value.date().isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
