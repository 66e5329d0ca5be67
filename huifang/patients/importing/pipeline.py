"""The import: stream rows, prepare them, write them in batches.

Each batch is one transaction, keyed on (source, encounter number), so a
run killed at any point and started again ends with exactly the database
one clean run gives: committed batches come back as "unchanged", the rest
is written once. A batch never holds the same encounter number twice;
a repeated number waits for the next batch and then updates the first.
"""

import csv
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.core.bulk import allocate_ids, insert_rows
from huifang.core.crypto import lookup_hash
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_diff, audit_record
from huifang.patients.importing.mapping import ColumnMapping, looks_usable, map_headers
from huifang.patients.importing.prepare import Prepared, Rejected, RowPreparer
from huifang.patients.importing.reader import RejectsWriter, TableReader, detect_format
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    ImportRun,
    ImportSource,
    Patient,
    PhoneNumber,
    Procedure,
)
from huifang.patients.names import name_initials, name_pinyin
from huifang.patients.services import diagnosis_is_sensitive
from huifang.patients.signals import encounters_written

logger = logging.getLogger(__name__)

UNMAPPED_CODE = "UNMAPPED"
ENCOUNTER_FIELDS = [
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
]
ENCOUNTER_INSERT = [
    "id",
    "uuid",
    "patient_id",
    "number",
    "department_id",
    "source_system",
    "source_record",
    "source_hash",
    "created_at",
    "updated_at",
    *ENCOUNTER_FIELDS,
]
PATIENT_INSERT = [
    "id",
    "uuid",
    "record_number",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "ethnicity",
    "occupation",
    "address",
    "id_number",
    "id_number_hash",
    "deceased_on",
    "do_not_contact",
    "preferred_time_note",
    "created_at",
    "updated_at",
]
PATIENT_FIELDS = ["name", "sex", "birth_date", "ethnicity", "occupation", "address", "deceased_on"]


class NoUsableHeader(ApplicationError):
    code = "no_usable_header"


@dataclass
class ImportOptions:
    source: str = "his"
    kind: str = ""
    encoding: str = "auto"
    sheet: str = ""
    mapping: dict | None = None
    dry_run: bool = False
    batch_size: int = 2000
    today: date | None = None
    actor: User | None = None
    output_dir: Path | None = None


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    patients_created: int = 0


@dataclass
class ImportResult:
    file: str
    run: ImportRun
    counts: Counts
    rejects_file: str
    warnings_file: str
    seconds: float
    mapping: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "rows": self.counts.rows,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "rejected": self.counts.rejected,
            "warnings": self.counts.warnings,
            "patients_created": self.counts.patients_created,
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DepartmentResolver:
    """Department by code or name; unknown names go under an "unmapped" node."""

    def __init__(self):
        self.by_key: dict[str, Department] = {}
        for department in Department.objects.all():
            self.by_key.setdefault(department.code.lower(), department)
            self.by_key.setdefault(department.name, department)
        self.unmapped_root: Department | None = self.by_key.get(UNMAPPED_CODE.lower())

    def resolve(self, text: str) -> tuple[Department, bool]:
        """(department, was it unknown)."""
        key = text or "未填写科室"
        found = self.by_key.get(key) or self.by_key.get(key.lower())
        if found is not None and found.code != UNMAPPED_CODE:
            return found, found.parent_id == getattr(self.unmapped_root, "pk", -1)
        if self.unmapped_root is None:
            self.unmapped_root = Department.objects.create(
                code=UNMAPPED_CODE, name="未映射科室", kind=Department.Kind.OFFICE, sort_order=9999
            )
            self.by_key[UNMAPPED_CODE.lower()] = self.unmapped_root
        code = "U-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()  # noqa: S324
        department = Department.objects.filter(code=code).first()
        if department is None:
            department = Department.objects.create(
                code=code,
                name=key[:100],
                kind=Department.Kind.DEPARTMENT,
                parent=self.unmapped_root,
                sort_order=9999,
            )
        self.by_key[key] = department
        return department, True


def synthetic_record_number(source: str, *, name: str, birth: str = "", key: str) -> str:
    """A stable record number for a patient a file gives none for (no ID number).

    From the name, the exact birth date ("" when unknown) and ``key`` (the
    first phone, else the encounter number): the same person in another row,
    another run or a follow-up register gets the same number.
    """
    basis = f"{source}|{name}|{birth}|{key}"
    return "IMP" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16].upper()  # noqa: S324


def _synthetic_record_number(source: str, p: Prepared) -> str:
    """By ID number when there is one; else ``synthetic_record_number`` with the
    birth date when exact (not estimated from an age) and the first phone."""
    data = p.patient
    if data["id_number"]:
        basis = f"{source}|id|{data['id_number']}"
        return "IMP" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16].upper()  # noqa: S324
    birth = (
        data["birth_date"].isoformat() if data["birth_date"] and not data["birth_estimated"] else ""
    )
    phone = p.phones[0].number if p.phones else p.number
    return synthetic_record_number(source, name=data["name"], birth=birth, key=phone)


class BatchWriter:
    """Writes one batch of prepared rows in one transaction."""

    def __init__(self, *, source: str, actor: User | None, counts: Counts, departments):
        self.source = source
        self.actor = actor
        self.counts = counts
        self.departments = departments

    def write(self, batch: list[Prepared]) -> list[tuple[Prepared, str]]:
        """Write a batch; returns warnings raised while writing (unknown departments)."""
        numbers = [p.number for p in batch]
        existing = {
            number: (pk, fingerprint, patient_id)
            for number, pk, fingerprint, patient_id in Encounter.objects.filter(
                source_system=self.source, number__in=numbers
            ).values_list("number", "pk", "source_hash", "patient_id")
        }
        todo = []
        for p in batch:
            found = existing.get(p.number)
            if found is not None and found[1] == p.fingerprint:
                self.counts.unchanged += 1
            else:
                todo.append(p)
        self.written: list[int] = []
        if not todo:
            return []
        extra_warnings: list[tuple[Prepared, str]] = []
        patients = self._patients(todo, existing)
        new_encounters: list[tuple[Prepared, Encounter]] = []
        changed: list[tuple[Prepared, Encounter]] = []
        changed_pks = [existing[p.number][0] for p in todo if p.number in existing]
        current = {
            e.pk: e
            for e in Encounter.objects.filter(pk__in=changed_pks).select_related("department")
        }
        for p in todo:
            department, unknown = self.departments.resolve(p.department)
            if unknown and p.department:
                extra_warnings.append(
                    (p, f"科室“{p.department}”未在系统中登记，已归入“未映射科室”")
                )
            patient = patients[id(p)]
            visit_type = p.encounter.pop("visit_type", "")
            record = {"row": p.raw, "line": p.row.line}
            if visit_type:
                record["visit_type"] = visit_type
            if p.number in existing:
                encounter = current[existing[p.number][0]]
                before = {name: getattr(encounter, name) for name in ENCOUNTER_FIELDS}
                before["department"] = encounter.department.name
                before["patient"] = encounter.patient_id
                for name in ENCOUNTER_FIELDS:
                    setattr(encounter, name, p.encounter[name])
                encounter.department = department
                encounter.patient_id = patient.pk
                encounter.source_record = record
                encounter.source_hash = p.fingerprint
                after = {name: getattr(encounter, name) for name in ENCOUNTER_FIELDS}
                after["department"] = department.name
                after["patient"] = patient.pk
                changed.append((p, encounter))
                encounter._diff = audit_diff(before, after)
            else:
                encounter = Encounter(
                    patient=patient,
                    number=p.number,
                    department=department,
                    source_system=self.source,
                    source_record=record,
                    source_hash=p.fingerprint,
                    **p.encounter,
                )
                new_encounters.append((p, encounter))
        if new_encounters:
            now = timezone.now()
            ids = allocate_ids(Encounter, len(new_encounters))
            for (_, encounter), pk in zip(new_encounters, ids, strict=True):
                encounter.pk = pk
                encounter.created_at = encounter.updated_at = now
            insert_rows(
                Encounter,
                ENCOUNTER_INSERT,
                [tuple(getattr(e, name) for name in ENCOUNTER_INSERT) for _, e in new_encounters],
            )
            self.counts.created += len(new_encounters)
        if changed:
            now = timezone.now()
            for _, encounter in changed:
                encounter.updated_at = now
            Encounter.objects.bulk_update(
                [e for _, e in changed],
                [
                    *ENCOUNTER_FIELDS,
                    "department",
                    "patient",
                    "source_record",
                    "source_hash",
                    "updated_at",
                ],
                batch_size=500,
            )
            pks = [e.pk for _, e in changed]
            Diagnosis.objects.filter(encounter_id__in=pks).delete()
            Procedure.objects.filter(encounter_id__in=pks).delete()
            AbnormalFinding.objects.filter(encounter_id__in=pks).delete()
            for p, encounter in changed:
                audit_record(
                    actor=self.actor,
                    action="update",
                    target=encounter,
                    patient_id=encounter.patient_id,
                    changes={**encounter._diff, "import": [None, p.row.line]},
                )
            self.counts.updated += len(changed)
        self._children(new_encounters + changed)
        self._phones(todo, patients)
        self.written = [e.pk for _, e in new_encounters + changed]
        return extra_warnings

    def _patients(self, todo: list[Prepared], existing) -> dict[int, Patient]:
        """Find or create the patient of every row (by record number, ID, name+birth+phone)."""
        record_numbers = {p.patient["record_number"] for p in todo if p.patient["record_number"]}
        by_record = {
            patient.record_number: patient
            for patient in Patient.objects.filter(record_number__in=record_numbers)
        }
        id_hashes = {lookup_hash(p.patient["id_number"]): p for p in todo if p.patient["id_number"]}
        by_id_hash = {}
        if id_hashes:
            for patient in Patient.objects.filter(id_number_hash__in=list(id_hashes)):
                by_id_hash.setdefault(patient.id_number_hash, patient)
        result: dict[int, Patient] = {}
        to_create: dict[str, Patient] = {}
        to_update: dict[int, tuple[Patient, dict]] = {}
        needs_fallback = []
        for p in todo:
            record_number = p.patient["record_number"]
            patient = by_record.get(record_number) if record_number else None
            if patient is None and p.patient["id_number"]:
                patient = by_id_hash.get(lookup_hash(p.patient["id_number"]))
            if patient is None and not record_number:
                needs_fallback.append(p)
                continue
            if patient is None:
                patient = to_create.get(record_number)
                if patient is None:
                    patient = self._new_patient(p, record_number)
                    to_create[record_number] = patient
            result[id(p)] = patient
        if needs_fallback:
            self._match_by_name_birth_phone(needs_fallback, result, to_create)
        if to_create:
            now = timezone.now()
            fresh = list(to_create.values())
            for patient, pk in zip(fresh, allocate_ids(Patient, len(fresh)), strict=True):
                patient.pk = pk
                patient.created_at = patient.updated_at = now
            insert_rows(
                Patient,
                PATIENT_INSERT,
                [tuple(getattr(p, name) for name in PATIENT_INSERT) for p in fresh],
            )
            self.counts.patients_created += len(to_create)
        # Existing patients: the HIS is the source of truth for what it sends.
        created = {id(patient) for patient in to_create.values()}
        for p in todo:
            patient = result[id(p)]
            if id(patient) in created:
                continue
            changes = self._patient_changes(patient, p)
            if changes:
                to_update.setdefault(patient.pk, (patient, {}))[1].update(changes)
        for patient, changes in to_update.values():
            before = {name: getattr(patient, name) for name in changes}
            for name, value in changes.items():
                setattr(patient, name, value)
            if "name" in changes:
                patient.name_pinyin = name_pinyin(patient.name)
                patient.name_initials = name_initials(patient.name)
            if "id_number" in changes:
                patient.id_number_hash = lookup_hash(patient.id_number)
            patient.save()
            audit_record(
                actor=self.actor,
                action="update",
                target=patient,
                patient_id=patient.pk,
                changes=audit_diff(before, changes),
            )
        return result

    @staticmethod
    def _patient_changes(patient: Patient, p: Prepared) -> dict:
        changes = {}
        for name in PATIENT_FIELDS:
            value = p.patient[name]
            if value in ("", None) or (name == "sex" and value == "U"):
                continue  # a blank cell never erases what we know
            if name == "birth_date" and p.patient["birth_estimated"] and patient.birth_date:
                continue  # an age-derived estimate never replaces a known birth date
            if getattr(patient, name) != value:
                changes[name] = value
        if p.patient["id_number"] and patient.id_number != p.patient["id_number"]:
            changes["id_number"] = p.patient["id_number"]
        return changes

    def _new_patient(self, p: Prepared, record_number: str) -> Patient:
        data = p.patient
        id_number = data["id_number"]
        patient = Patient(
            record_number=record_number,
            name=data["name"],
            name_pinyin=name_pinyin(data["name"]),
            name_initials=name_initials(data["name"]),
            sex=data["sex"],
            birth_date=data["birth_date"],
            ethnicity=data["ethnicity"],
            occupation=data["occupation"],
            address=data["address"],
            id_number=id_number,
            id_number_hash=lookup_hash(id_number) if id_number else "",
            deceased_on=data["deceased_on"],
        )
        return patient

    def _match_by_name_birth_phone(self, rows, result, to_create) -> None:
        names = {p.patient["name"] for p in rows}
        candidates: dict[tuple, list[Patient]] = {}
        for patient in Patient.objects.filter(name__in=names).prefetch_related("phones")[:5000]:
            candidates.setdefault((patient.name, patient.birth_date), []).append(patient)
        for p in rows:
            numbers = {phone.number for phone in p.phones}
            match = None
            estimated = p.patient["birth_estimated"]
            for (name, birth), patients in candidates.items():
                if name != p.patient["name"]:
                    continue
                if not estimated and birth is not None and birth != p.patient["birth_date"]:
                    continue
                for patient in patients:
                    if numbers & {phone.number for phone in patient.phones.all()}:
                        match = patient
                        break
                if match is not None:
                    break
            if match is None:
                record_number = _synthetic_record_number(self.source, p)
                match = to_create.get(record_number)
                if match is None:
                    match = self._new_patient(p, record_number)
                    to_create[record_number] = match
            result[id(p)] = match

    def _children(self, rows: Iterable[tuple[Prepared, Encounter]]) -> None:
        diagnoses, procedures, findings = [], [], []
        for p, encounter in rows:
            for position, (code, name) in enumerate(p.diagnoses):
                diagnoses.append(
                    (
                        encounter.pk,
                        code,
                        name,
                        position == 0,
                        diagnosis_is_sensitive(code),
                        position,
                    )
                )
            for name, performed_on in p.procedures:
                procedures.append((encounter.pk, "", name, performed_on))
            for kind, description in p.findings:
                findings.append((encounter.pk, kind, description[:200]))
        insert_rows(
            Diagnosis,
            ["id", "encounter", "code", "name", "is_primary", "is_sensitive", "position"],
            [
                (pk, *rest)
                for pk, rest in zip(allocate_ids(Diagnosis, len(diagnoses)), diagnoses, strict=True)
            ],
        )
        insert_rows(
            Procedure,
            ["id", "encounter", "code", "name", "performed_on"],
            [
                (pk, *rest)
                for pk, rest in zip(
                    allocate_ids(Procedure, len(procedures)), procedures, strict=True
                )
            ],
        )
        insert_rows(
            AbnormalFinding,
            ["id", "encounter", "kind", "description"],
            [
                (pk, *rest)
                for pk, rest in zip(
                    allocate_ids(AbnormalFinding, len(findings)), findings, strict=True
                )
            ],
        )

    def _phones(self, todo: list[Prepared], patients: dict[int, Patient]) -> None:
        patient_ids = {patients[id(p)].pk for p in todo}
        known: dict[int, set[str]] = {}
        has_primary: set[int] = set()
        for patient_id, number, primary in PhoneNumber.objects.filter(
            patient_id__in=patient_ids
        ).values_list("patient_id", "number", "is_primary"):
            known.setdefault(patient_id, set()).add(number)
            if primary:
                has_primary.add(patient_id)
        new = []
        for p in todo:
            patient_id = patients[id(p)].pk
            numbers = known.setdefault(patient_id, set())
            for phone in p.phones:
                if phone.number in numbers:
                    continue
                numbers.add(phone.number)
                primary = (
                    patient_id not in has_primary
                    and phone.owner == PhoneNumber.Owner.SELF
                    and phone.status != PhoneNumber.Status.INVALID
                )
                if primary:
                    has_primary.add(patient_id)
                new.append(
                    (
                        patient_id,
                        phone.number,
                        phone.owner,
                        phone.relation,
                        phone.contact_name,
                        phone.line_type,
                        phone.status,
                        primary,
                        self.source,
                    )
                )
        now = timezone.now()
        insert_rows(
            PhoneNumber,
            [
                "id",
                "patient",
                "number",
                "owner",
                "relation",
                "contact_name",
                "line_type",
                "status",
                "is_primary",
                "source",
                "created_at",
                "updated_at",
            ],
            [
                (pk, *row, now, now)
                for pk, row in zip(allocate_ids(PhoneNumber, len(new)), new, strict=True)
            ],
        )


def _write_warning(writer, p: Prepared, field_name: str, message: str) -> None:
    writer.writerow([p.row.number, p.row.line, p.number, field_name, message])


def estimate_rows(path: Path, fmt) -> int:
    """Rows to expect, for a progress bar: lines for text, the sheet's size for XLSX."""
    if fmt.kind == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            sheet = workbook[fmt.sheet] if fmt.sheet else workbook.worksheets[0]
            return max(0, (sheet.max_row or 1) - 1)
        finally:
            workbook.close()
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(0, lines - 1)


def import_encounters(
    path: Path, options: ImportOptions, *, run: ImportRun | None = None
) -> ImportResult:
    """Import one HIS export; see the module docstring for the guarantees.

    ``run``: an ``ImportRun`` made earlier (the upload page makes one); it is
    updated as the import goes, so a page can show progress.
    """
    started = time.monotonic()
    path = Path(path)
    today = options.today or timezone.localdate()
    fmt = detect_format(path, encoding=options.encoding, sheet=options.sheet)
    saved = ImportSource.objects.filter(name=options.source).first()
    overrides = dict(saved.mapping) if saved else {}
    overrides.update(options.mapping or {})
    reader = TableReader(path, fmt, extra_headers=overrides)
    rows = reader.rows()
    first = next(rows, None)
    mapping: ColumnMapping = map_headers(reader.header, overrides)
    if not looks_usable(mapping):
        raise NoUsableHeader(
            "表头中缺少必需的列：需要“姓名”和“住院号/门诊号”（或其别名），可用 --mapping 指定",
            details={"headers": reader.header},
        )
    default_kind = options.kind or (saved.default_kind if saved else "")
    if run is None:
        run = ImportRun(
            source=options.source,
            file_name=path.name,
            created_by=options.actor if options.actor and options.actor.is_authenticated else None,
        )
    run.kind = default_kind
    run.file_path = str(path)
    run.file_sha256 = file_sha256(path)
    run.file_size = path.stat().st_size
    run.encoding = fmt.encoding or fmt.kind
    run.sheet = options.sheet
    run.mapping = mapping.as_dict()
    run.dry_run = options.dry_run
    run.status = ImportRun.Status.RUNNING
    run.rows_expected = estimate_rows(path, fmt)
    run.save()
    out_dir = options.output_dir or (Path(settings.MEDIA_ROOT) / "imports" / str(run.uuid))
    rejects_path = out_dir / ("rejects.xlsx" if fmt.kind == "xlsx" else "rejects.csv")
    warnings_path = out_dir / "warnings.csv"
    rejects = RejectsWriter(rejects_path, fmt, reader.header)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = Counts()
    preparer = RowPreparer(mapping, default_kind=default_kind, today=today)
    departments = DepartmentResolver()
    writer = BatchWriter(
        source=options.source, actor=options.actor, counts=counts, departments=departments
    )
    warning_rows = 0
    try:
        with warnings_path.open("w", encoding="utf-8-sig", newline="") as warnings_file:
            warning_writer = csv.writer(warnings_file)
            warning_writer.writerow(["行号", "文件行", "住院号/门诊号", "字段", "提示"])

            def flush(batch: list[Prepared]) -> None:
                nonlocal warning_rows
                if not batch:
                    return
                with transaction.atomic():
                    extra = writer.write(batch)
                    ImportRun.objects.filter(pk=run.pk).update(
                        rows=counts.rows,
                        created=counts.created,
                        updated=counts.updated,
                        unchanged=counts.unchanged,
                        rejected=counts.rejected,
                        patients_created=counts.patients_created,
                    )
                    if options.dry_run:
                        transaction.set_rollback(True)
                    elif writer.written:
                        written = list(writer.written)
                        transaction.on_commit(
                            lambda: encounters_written.send(sender=Encounter, encounter_ids=written)
                        )
                for p in batch:
                    for w in p.warnings:
                        _write_warning(warning_writer, p, w.field, w.message)
                        warning_rows += 1
                for p, message in extra:
                    _write_warning(warning_writer, p, "department", message)
                    warning_rows += 1
                counts.warnings = warning_rows

            batch: list[Prepared] = []
            keys: set[str] = set()
            stream = rows if first is None else _chain(first, rows)
            for row in stream:
                counts.rows += 1
                try:
                    prepared = preparer.prepare(row)
                except Rejected as exc:
                    counts.rejected += 1
                    rejects.write(row, exc.reason)
                    continue
                if prepared.number in keys or len(batch) >= options.batch_size:
                    flush(batch)
                    batch, keys = [], set()
                batch.append(prepared)
                keys.add(prepared.number)
            flush(batch)
    except Exception as exc:
        rejects.close()
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    rejects.close()
    seconds = time.monotonic() - started
    run.rows = counts.rows
    run.created = counts.created
    run.updated = counts.updated
    run.unchanged = counts.unchanged
    run.rejected = counts.rejected
    run.warnings = counts.warnings
    run.patients_created = counts.patients_created
    run.rejects_path = str(rejects_path) if rejects.count else ""
    run.warnings_path = str(warnings_path)
    run.seconds = seconds
    run.status = ImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=options.actor,
        action="create",
        target=run,
        changes={
            "file": path.name,
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
            "dry_run": options.dry_run,
        },
    )
    logger.info(
        "import %s: %s rows, %s created, %s updated, %s unchanged, %s rejected in %.1fs",
        run.uuid,
        counts.rows,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
        seconds,
    )
    return ImportResult(
        file=str(path),
        run=run,
        counts=counts,
        rejects_file=run.rejects_path,
        warnings_file=str(warnings_path),
        seconds=seconds,
        mapping=mapping.as_dict(),
    )


def _chain(first, rest):
    yield first
    yield from rest
