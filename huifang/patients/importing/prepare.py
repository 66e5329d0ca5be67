"""One raw row → a normalised record ready to write, or a reason to reject it.

Every decision a clerk might question is made here, row by row, without
touching the database: which fields are missing, which dates are
impossible, which phone numbers are unusable. The writer only writes.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import NamedTuple

import orjson

from huifang.core.crypto import lookup_hash
from huifang.core.idnumbers import id_number_valid, normalize_id_number
from huifang.core.masking import mask_id_number
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


class Warning_(NamedTuple):
    field: str
    code: str
    message: str


class PhoneData(NamedTuple):
    number: str
    line_type: str
    owner: str
    relation: str
    contact_name: str
    status: str


PATIENT_KEYS = (
    "record_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "occupation",
    "address",
    "id_number",
    "deceased_on",
    "birth_estimated",
)
ENCOUNTER_KEYS = (
    "kind",
    "admitted_on",
    "discharged_on",
    "visit_on",
    "attending_doctor",
    "responsible_nurse",
    "chief_complaint",
    "treatment",
    "discharge_orders",
    "discharge_medication",
)


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
    # The encounter's ``source_record`` as JSON text: the row as read and its line.
    record_json: str = "{}"
    # ``core.crypto.lookup_hash`` of the ID number ("" without one).
    id_hash: str = ""
    warnings: list[Warning_] = field(default_factory=list)
    fingerprint: str = ""
    # (key, value as read) of the raw record's cells stored masked (ID numbers).
    masked: tuple[tuple[str, object], ...] = ()

    def __reduce__(self):
        # Flat, for the trip from the preparing process (``parallel``): a third of the cost
        # of pickling the dataclass, its dicts and named tuples field by field.
        # The row's cells stay behind (only rejected rows need them).
        row = self.row
        return (
            _rebuild,
            (
                row.number,
                row.line,
                self.number,
                self.kind,
                tuple(map(self.patient.__getitem__, PATIENT_KEYS)),
                [tuple(phone) for phone in self.phones],
                tuple(map(self.encounter.__getitem__, ENCOUNTER_KEYS)),
                self.department,
                self.diagnoses,
                self.procedures,
                self.findings,
                self.record_json,
                self.id_hash,
                [tuple(warning) for warning in self.warnings],
                self.fingerprint,
                self.masked,
            ),
        )


def _rebuild(
    number_in_file,
    line,
    number,
    kind,
    patient,
    phones,
    encounter,
    department,
    diagnoses,
    procedures,
    findings,
    record_json,
    id_hash,
    warnings,
    fingerprint,
    masked,
) -> Prepared:
    return Prepared(
        RawRow(number_in_file, line, []),
        number,
        kind,
        dict(zip(PATIENT_KEYS, patient, strict=True)),
        [PhoneData._make(phone) for phone in phones],
        dict(zip(ENCOUNTER_KEYS, encounter, strict=True)),
        department,
        diagnoses,
        procedures,
        findings,
        record_json,
        id_hash,
        [Warning_._make(warning) for warning in warnings],
        fingerprint,
        masked,
    )


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


# The fingerprint of a row: a hash of everything the row gives (the values
# as normalised and the row as read), compared with the stored one to tell
# an unchanged row from a corrected one. Written as "v2" and a 62-digit
# BLAKE2b of the parts' canonical JSON (orjson, keys sorted): a tenth of the
# cost of ``json``. Encounters imported before it carry a 64-digit SHA-256
# of ``json.dumps(parts, sort_keys=True, ensure_ascii=False)``;
# ``legacy_fingerprint`` computes that for them, so they still come back
# unchanged.
FINGERPRINT_VERSION = "v2"
_ORJSON_SORTED = orjson.OPT_SORT_KEYS
_LEGACY_JSON = json.JSONEncoder(
    default=_json_default, ensure_ascii=False, sort_keys=True, check_circular=False
).encode


def _fingerprint(parts: list) -> str:
    data = orjson.dumps(parts, default=_json_default, option=_ORJSON_SORTED)
    return FINGERPRINT_VERSION + hashlib.blake2b(data, digest_size=31).hexdigest()


def is_legacy_fingerprint(stored: str) -> bool:
    """A fingerprint an earlier version wrote ("" is none: an encounter made by hand)."""
    return bool(stored) and not stored.startswith(FINGERPRINT_VERSION)


def _fingerprint_parts(p, raw: dict, encounter: dict) -> list:
    return [
        p.number,
        p.kind,
        p.patient,
        [phone._asdict() for phone in p.phones],
        encounter,
        p.department,
        p.diagnoses,
        p.procedures,
        p.findings,
        raw,
    ]


def legacy_fingerprint(p: "Prepared") -> str:
    """The fingerprint an earlier version stored for the same row."""
    record = orjson.loads(p.record_json)
    encounter = dict(p.encounter)
    if "visit_type" in record:
        encounter["visit_type"] = record["visit_type"]
    raw = record["row"]
    if p.masked:  # that version kept them as read
        raw.update(p.masked)
    parts = _fingerprint_parts(p, raw, encounter)
    return hashlib.sha256(_LEGACY_JSON(parts).encode("utf-8")).hexdigest()


# Results of normalising one cell, kept per column: departments, doctors,
# dates, diagnoses and the like repeat enormously in a hospital's export, and
# each normaliser is a pure function of the cell. A full cache is emptied, so
# columns of unique values (addresses, free text) cost bounded memory.
CACHE_LIMIT = 20_000


class _Memo(dict):
    """``memo(value)`` is ``function(value)``, computed once per distinct text."""

    __slots__ = ("function",)

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        if len(self) >= CACHE_LIMIT:
            self.clear()
        value = self[key] = self.function(key)
        return value

    def __call__(self, value):
        # Only text: 1, 1.0 and True are equal keys but not equal cells (XLSX).
        return self[value] if type(value) is str else self.function(value)


def _problem_or(function):
    """``function`` returning its ``FieldProblem`` instead of raising it, so it can be cached."""

    def call(value):
        try:
            return function(value)
        except n.FieldProblem as exc:
            return exc

    return call


def _diagnoses(key) -> tuple[tuple[str, str], ...]:
    cell, codes_cell = key
    diagnoses = [(d.code, d.name[:200]) for d in n.parse_diagnoses(cell)]
    codes_only = n.clean_text(codes_cell)
    if codes_only:
        codes = [c.code for c in n.parse_diagnoses(codes_only) if c.code]
        if codes and diagnoses and all(not code for code, _ in diagnoses):
            diagnoses = [
                (codes[i] if i < len(codes) else "", name_)
                for i, (_, name_) in enumerate(diagnoses)
            ]
        elif codes and not diagnoses:
            diagnoses = [(code, code) for code in codes]
    return tuple(diagnoses)


def _id_number(cell) -> tuple[str, str, bool]:
    """(the valid ID number, its lookup hash, whether there was an invalid one)."""
    raw = n.clean_text(cell)
    if not raw:
        return "", "", False
    number = normalize_id_number(raw)
    if id_number_valid(number):
        return number, lookup_hash(number), False
    return "", "", True


def _visit_type(cell) -> str:
    visit_type = n.clean_text(cell)
    if visit_type:
        # 初诊 / 复诊: first visits get their own follow-up plans.
        visit_type = "初诊" if "初" in visit_type else "复诊" if "复" in visit_type else visit_type
    return visit_type


# The fields a row is read for, in the order ``RowPreparer`` unpacks them.
_FIELDS = (
    "name",
    "encounter_number",
    "kind",
    "admitted_on",
    "discharged_on",
    "visit_on",
    "findings",
    "record_number",
    "sex",
    "ethnicity",
    "occupation",
    "address",
    "id_number",
    "birth_date",
    "age",
    "deceased_on",
    "phone",
    "family_phone",
    "contact",
    "diagnoses",
    "diagnosis_codes",
    "procedure_date",
    "procedures",
    "attending_doctor",
    "responsible_nurse",
    "chief_complaint",
    "treatment",
    "discharge_orders",
    "discharge_medication",
    "visit_type",
    "department",
)
_LIMITED = ("ethnicity", "occupation", "address")


class RowPreparer:
    """Turns raw rows of one file into ``Prepared`` records."""

    def __init__(self, mapping: ColumnMapping, *, default_kind: str, today: date):
        self.mapping = mapping
        self.columns = mapping.index()
        self.default_kind = default_kind
        self.today = today
        self.headers = mapping.headers
        self.width = width = len(self.headers)
        # A row is padded to ``width`` cells and one more, always empty, which
        # is where fields without a column read from.
        self._pick = itemgetter(*(self.columns.get(name, width) for name in _FIELDS))
        self._raw_keys = _raw_keys(self.headers)
        # ID numbers are encrypted at rest: the raw record keeps them masked,
        # the ID column's and any in a column the product does not know.
        self._id_keys = tuple(
            key
            for key, name in zip(self._raw_keys, mapping.fields, strict=False)
            if name == "id_number"
        )
        self._unknown_keys = tuple(
            key for key, name in zip(self._raw_keys, mapping.fields, strict=False) if name is None
        )
        # Second and later phone columns (手机号码 and 联系电话): read with the
        # first ones, each after the first column of its field.
        extra = mapping.extra_columns()
        self._phone_columns: tuple[tuple[str, int], ...] = ()
        if extra:
            self._phone_columns = tuple(
                (name, position)
                for name in ("phone", "family_phone", "contact")
                for position in (
                    [self.columns.get(name, width)] + [p for p, f in extra if f == name]
                )
            )
        self._phone_kinds = tuple(name for name, _ in self._phone_columns) or (
            "phone",
            "family_phone",
            "contact",
        )
        self._has_age = self.columns.get("age") is not None
        self._text = {
            name: _Memo(n.clean_text)
            for name in (*_LIMITED, "attending_doctor", "responsible_nurse", "department")
        }
        self._text["name"] = _Memo(n.clean_name)
        for name in ("chief_complaint", "treatment", "discharge_orders", "discharge_medication"):
            self._text[name] = _Memo(n.clean_free_text)
        self._kind = _Memo(lambda cell: kind_from_text(n.clean_text(cell)))
        self._sex = _Memo(n.parse_sex)
        self._dates = {
            name: _Memo(self._checked_date(label))
            for name, label in (
                ("admitted_on", "入院日期"),
                ("discharged_on", "出院日期"),
                ("visit_on", "就诊日期"),
            )
        }
        self._plain_dates = {
            name: _Memo(_problem_or(n.parse_date))
            for name in ("birth_date", "deceased_on", "procedure_date")
        }
        self._age = _Memo(_problem_or(n.parse_age))
        self._birth_from_age = _Memo(lambda key: n.approx_birth_date(self._age(key[0]), key[1]))
        self._id_number = _Memo(_id_number)
        self._findings = _Memo(
            lambda cell: tuple((f.kind, f.description) for f in n.parse_findings(cell))
        )
        self._diagnoses = _Memo(_diagnoses)
        self._procedures = _Memo(
            lambda cell: tuple(name_[:200] for name_ in n.parse_procedures(cell))
        )
        self._phone_memo = _Memo(self._phones_of)
        self._visit_type = _Memo(_visit_type)

    def _checked_date(self, label: str):
        """A date cell's value, or the ``Rejected`` arguments when the row cannot have it."""
        today = self.today

        def check(cell):
            try:
                value = n.parse_date(cell)
            except n.FieldProblem as exc:
                return (exc.code, f"{label}：{exc.message}")
            if value is not None and value > today:
                return ("future_date", f"{label}在未来：{value.isoformat()}")
            return value

        return check

    def _stored_raw(self, raw: dict) -> tuple[dict, tuple]:
        """The row as the encounter's raw record keeps it, ID numbers masked, and
        ``(key, value as read)`` of the cells masked.

        The fingerprint is taken from the row as read, so masking changes no
        row's fingerprint (an import of the same file stays unchanged).
        """
        stored = None
        originals = []
        for key in self._id_keys:
            value = raw.get(key)
            if value:
                stored = stored or dict(raw)
                stored[key] = mask_id_number(str(value))
                originals.append((key, value))
        for key in self._unknown_keys:
            value = raw.get(key)
            if isinstance(value, str) and len(value) >= 18 and _ID_NUMBER_LIKE.search(value):
                stored = stored or dict(raw)
                stored[key] = _ID_NUMBER_LIKE.sub(lambda m: mask_id_number(m.group()), value)
                originals.append((key, value))
        return (raw, ()) if stored is None else (stored, tuple(originals))

    def prepare(self, row: RawRow) -> Prepared:
        cells = row.cells
        width = self.width
        count = len(cells)
        padded = [*cells[:width], ""] if count >= width else cells + [""] * (width + 1 - count)
        (
            name_cell,
            number_cell,
            kind_cell,
            admitted_cell,
            discharged_cell,
            visit_cell,
            findings_cell,
            record_cell,
            sex_cell,
            ethnicity_cell,
            occupation_cell,
            address_cell,
            id_cell,
            birth_cell,
            age_cell,
            deceased_cell,
            phone_cell,
            family_cell,
            contact_cell,
            diagnoses_cell,
            codes_cell,
            procedure_date_cell,
            procedures_cell,
            doctor_cell,
            nurse_cell,
            complaint_cell,
            treatment_cell,
            orders_cell,
            medication_cell,
            visit_type_cell,
            department_cell,
        ) = self._pick(padded)
        text = self._text
        warnings: list[Warning_] = []
        # Every problem of a rejected row is named, so one correction is enough.
        problems: list[tuple[str, str]] = []
        name = text["name"](name_cell)
        if not name:
            problems.append(("missing_name", "姓名为空"))
        elif len(name) > LIMITS["name"]:
            problems.append(("name_too_long", "姓名过长，可能错列"))
        number = n.clean_text(number_cell).replace(" ", "")
        if not number:
            problems.append(("missing_encounter_number", "住院号/门诊号为空"))
        elif len(number) > 40:
            problems.append(
                ("encounter_number_too_long", f"住院号/门诊号过长（{len(number)} 个字符）")
            )

        kind = self._kind(kind_cell) or self.default_kind
        dates = self._dates
        admitted_on = dates["admitted_on"](admitted_cell)
        discharged_on = dates["discharged_on"](discharged_cell)
        visit_on = dates["visit_on"](visit_cell)
        unreadable = False  # a date given but wrong is said once, not also as "missing"
        if type(admitted_on) is tuple:
            problems.append(admitted_on)
            admitted_on = None
        if type(discharged_on) is tuple:
            problems.append(discharged_on)
            discharged_on, unreadable = None, True
        if type(visit_on) is tuple:
            problems.append(visit_on)
            visit_on, unreadable = None, True
        findings = list(self._findings(findings_cell))
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
                elif not unreadable:
                    problems.append(("missing_discharge_date", "出院日期为空，无法安排出院随访"))
        elif visit_on is None:
            visit_on = discharged_on or admitted_on
            if visit_on is None and not unreadable:
                problems.append(("missing_visit_date", "就诊日期为空"))
            if kind != Encounter.Kind.DAY_SURGERY:
                discharged_on = None
        if admitted_on and discharged_on and discharged_on < admitted_on:
            problems.append(
                (
                    "discharge_before_admission",
                    f"出院日期 {discharged_on.isoformat()} 早于入院日期 {admitted_on.isoformat()}",
                )
            )
        if problems:
            raise Rejected(problems[0][0], "；".join(reason for _, reason in problems))

        kind = str(kind)  # the value, not the enum member: cheaper to pickle
        anchor = discharged_on or visit_on
        patient = {
            "record_number": n.clean_text(record_cell).replace(" ", "")[:32],
            "name": name,
            "sex": self._sex(sex_cell),
            "birth_date": None,
            "ethnicity": "",
            "occupation": "",
            "address": "",
            "id_number": "",
            "deceased_on": None,
            "birth_estimated": False,
        }
        for key, cell in zip(
            _LIMITED, (ethnicity_cell, occupation_cell, address_cell), strict=True
        ):
            value = text[key](cell)
            if len(value) > LIMITS[key]:
                warnings.append(Warning_(key, "truncated", f"{key} 过长，已截断"))
                value = value[: LIMITS[key]]
            patient[key] = value

        patient["id_number"], id_hash, invalid_id = self._id_number(id_cell)
        if invalid_id:
            warnings.append(
                Warning_("id_number", "invalid_id_number", "身份证号校验不通过，未保存")
            )
        plain_dates = self._plain_dates
        birth = plain_dates["birth_date"](birth_cell)
        if type(birth) is n.FieldProblem:
            warnings.append(Warning_("birth_date", birth.code, f"出生日期：{birth.message}"))
            birth = None
        if birth is None and self._has_age:
            age = self._age(age_cell)
            if type(age) is n.FieldProblem:
                warnings.append(Warning_("age", age.code, f"年龄：{age.message}"))
            elif age is not None:
                birth = (
                    self._birth_from_age[(age_cell, anchor)]
                    if type(age_cell) is str
                    else n.approx_birth_date(age, anchor)
                )
                patient["birth_estimated"] = True
        if birth is not None and birth > anchor:
            warnings.append(
                Warning_("birth_date", "birth_after_encounter", "出生日期晚于就诊日期，未保存")
            )
            birth = None
        patient["birth_date"] = birth
        deceased_on = plain_dates["deceased_on"](deceased_cell)
        if type(deceased_on) is n.FieldProblem:
            warnings.append(
                Warning_("deceased_on", deceased_on.code, f"死亡日期：{deceased_on.message}")
            )
        else:
            patient["deceased_on"] = deceased_on

        if self._phone_columns:
            phone_cells = tuple(padded[position] for _, position in self._phone_columns)
        else:
            phone_cells = (phone_cell, family_cell, contact_cell)
        if all(type(cell) is str for cell in phone_cells):
            phones, phone_warnings = self._phone_memo[phone_cells]
        else:
            phones, phone_warnings = self._phones_of(phone_cells)
        phones = list(phones)
        if phone_warnings:
            warnings += phone_warnings

        if type(diagnoses_cell) is str and type(codes_cell) is str:
            diagnoses = list(self._diagnoses[(diagnoses_cell, codes_cell)])
        else:
            diagnoses = list(_diagnoses((diagnoses_cell, codes_cell)))
        procedure_date = plain_dates["procedure_date"](procedure_date_cell)
        if type(procedure_date) is n.FieldProblem:
            warnings.append(
                Warning_(
                    "procedure_date", procedure_date.code, f"手术日期：{procedure_date.message}"
                )
            )
            procedure_date = None
        procedures = [(name_, procedure_date) for name_ in self._procedures(procedures_cell)]

        encounter = {
            "kind": kind,
            "admitted_on": admitted_on,
            "discharged_on": discharged_on,
            "visit_on": visit_on,
            "attending_doctor": text["attending_doctor"](doctor_cell)[:50],
            "responsible_nurse": text["responsible_nurse"](nurse_cell)[:50],
            "chief_complaint": text["chief_complaint"](complaint_cell),
            "treatment": text["treatment"](treatment_cell),
            "discharge_orders": text["discharge_orders"](orders_cell),
            "discharge_medication": text["discharge_medication"](medication_cell),
        }
        visit_type = self._visit_type(visit_type_cell)
        if visit_type:
            encounter["visit_type"] = visit_type
        department = text["department"](department_cell)
        if not department:
            warnings.append(
                Warning_("department", "missing_department", "科室为空，已归入“未映射科室”")
            )

        # The row as read, every column (known or not), for the record.
        try:
            raw = dict(zip(self._raw_keys, map(str.strip, padded), strict=False))
        except TypeError:  # not all text (XLSX)
            raw = dict(zip(self._raw_keys, map(_as_read, padded), strict=False))
        if count > width:
            for i in range(width, count):
                key = f"列{i + 1}"
                while key in raw:  # a header that reads 列9
                    key += "'"
                raw[key] = _as_read(cells[i])

        stored, masked = self._stored_raw(raw)
        record = {"row": stored, "line": row.line}
        if visit_type:
            record["visit_type"] = visit_type
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
            record_json=orjson.dumps(record).decode(),
            id_hash=id_hash,
            warnings=warnings,
            masked=masked,
        )
        prepared.fingerprint = _fingerprint(_fingerprint_parts(prepared, raw, encounter))
        if visit_type:
            del encounter["visit_type"]
        return prepared

    def _phones_of(self, cells) -> tuple[tuple[PhoneData, ...], tuple[Warning_, ...]]:
        """The phones of a row's phone, family-phone and contact cells, and their warnings.

        ``cells``: the phone, family-phone and contact cell, or with several
        columns of one field, the cells in the order of ``_phone_columns``.
        """
        warnings: list[Warning_] = []
        candidates = []
        for kind, cell in zip(self._phone_kinds, cells, strict=True):
            if kind == "phone":
                own = n.split_phones(cell)
                if not own:
                    # Something that is no phone number at all ("12345", "无"): keep
                    # digits as an invalid number, so the "no usable phone" count is right.
                    digits = "".join(ch for ch in n.clean_text(cell) if ch.isdigit())
                    if digits:
                        own = [n.PhoneCandidate(raw=digits, owner="self")]
                candidates += own
            elif kind == "family_phone":
                candidates += n.split_phones(cell, family=True)
            else:
                candidates += n.parse_contact(cell)
        phones: list[PhoneData] = []
        seen: set[str] = set()
        for candidate in candidates:
            try:
                number, line_type = normalize_phone(candidate.raw)
                status = PhoneNumber.Status.UNKNOWN.value
            except InvalidPhoneNumber:
                number = "".join(ch for ch in candidate.raw if ch.isdigit() or ch == "+")[:20]
                line_type = PhoneNumber.LineType.UNKNOWN.value
                status = PhoneNumber.Status.INVALID.value
                if not number:
                    continue
                warnings.append(
                    Warning_(
                        "phone",
                        "invalid_phone",
                        f"电话号码无效，已保存并标记为无效：{_mask(number)}",
                    )
                )
            if candidate.extension:
                warnings.append(
                    Warning_(
                        "phone",
                        "phone_extension",
                        f"分机号 {candidate.extension} 未能拨打，已保存总机号码：{_mask(number)}",
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
        return tuple(phones), tuple(warnings)


_ID_NUMBER_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def _raw_keys(headers: list[str]) -> list[str]:
    """Keys of the raw record, one per column and all different, so no cell is lost.

    A repeated header keeps its text for the first column and gets its count
    after (备注, 备注(2), 备注(3)); a column without a header is 列N.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for i, header in enumerate(headers):
        base = header or f"列{i + 1}"
        key, count = base, 1
        while key in seen:
            count += 1
            key = f"{base}({count})"
        seen.add(key)
        keys.append(key)
    return keys


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
