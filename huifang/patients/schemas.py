from datetime import date
from uuid import UUID

from ninja import Schema


class PhoneOut(Schema):
    id: int
    masked: str
    owner: str
    relation: str
    line_type: str
    status: str
    is_primary: bool


class PatientListOut(Schema):
    uuid: UUID
    record_number: str
    name: str
    sex: str
    birth_date: date | None
    deceased: bool
    phones: list[PhoneOut]
    last_encounter_date: date | None
    last_department: str | None


class PatientOut(PatientListOut):
    ethnicity: str
    occupation: str
    address: str
    id_number_masked: str
    do_not_contact: list[str]


class DiagnosisOut(Schema):
    code: str
    name: str
    is_primary: bool
    is_sensitive: bool


class EncounterOut(Schema):
    uuid: UUID
    kind: str
    number: str
    department_code: str
    department_name: str
    attending_doctor: str
    responsible_nurse: str
    admitted_on: date | None
    discharged_on: date | None
    visit_on: date | None
    diagnoses: list[DiagnosisOut]


class RevealOut(Schema):
    number: str


class PatientPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PatientListOut]
