"""One batch of prepared rows into the database, in the caller's transaction.

The bulk path: no model instance per row. Existing encounters, patients
and phones are read as tuples, a query per table per batch; new rows go
to the database as tuples (``COPY`` on PostgreSQL, ``executemany`` on
SQLite) with their ids allocated up front in one round trip, and their ID
numbers encrypted in one call. Only rows that change something already
stored take the ORM path, for the audit log's before and after.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from huifang.accounts.models import User
from huifang.core.bulk import RowWriter, allocate_ids_for, fresh_uuids
from huifang.core.crypto import decrypt, encrypt_many, lookup_hash
from huifang.core.masking import mask_phone
from huifang.core.services import audit_diff, audit_record
from huifang.patients.importing.prepare import (
    Prepared,
    is_legacy_fingerprint,
    legacy_fingerprint,
)
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    Patient,
    PhoneNumber,
    Procedure,
)
from huifang.patients.names import name_initials, name_pinyin
from huifang.patients.services import diagnosis_is_sensitive
from huifang.patients.signals import patients_deceased

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
# What matching and the "has it changed" comparison read of a stored patient
# (``id_number`` as stored: encrypted).
_PATIENT_READ = ["id", "record_number", *PATIENT_FIELDS, "id_number_hash", "id_number"]
PHONE_INSERT = [
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
]
DIAGNOSIS_INSERT = ["encounter", "code", "name", "is_primary", "is_sensitive", "position"]
PROCEDURE_INSERT = ["encounter", "code", "name", "performed_on"]
FINDING_INSERT = ["encounter", "kind", "description"]
# Record numbers made for patients a file gives none for start so.
SYNTHETIC_PREFIX = "IMP"
# SQLite's limit on the variables of one statement is 32766 since 3.32 (999 before).
_SQLITE_IN_CHUNK = 900


@dataclass(eq=False, slots=True)
class PatientRef:
    """A patient a row belongs to: stored (its columns as read) or created in this batch."""

    pk: int | None
    record_number: str
    name: str
    sex: str
    birth_date: object
    ethnicity: str
    occupation: str
    address: str
    deceased_on: object
    id_number_hash: str
    new: bool = False
    # In clear for new patients (encrypted when written); the stored token else.
    id_number: str = ""


class BatchWriter:
    """Writes one batch of prepared rows; the caller holds the transaction."""

    def __init__(
        self,
        *,
        source: str,
        actor: User | None,
        counts,
        departments,
        since=None,
        superseded_before: frozenset[tuple[str, str]] = frozenset(),
        run_label: str = "",
    ):
        self.source = source
        self.actor = actor
        self.counts = counts
        self.departments = departments
        # A file may give one encounter number on several rows (a correction
        # appended below): the last row wins. ``since`` tells the rows this
        # run wrote; ``superseded`` collects (number, fingerprint) of the rows
        # a later row replaced, kept with the run, so that the same file
        # imported again leaves them unchanged instead of flipping the
        # encounter back and forth (``superseded_before``: earlier runs').
        self.since = since
        self.run_label = run_label
        self.superseded_before = superseded_before
        self.superseded: list[tuple[str, str]] = []
        self._any_synthetic: bool | None = None
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.connection.vendor == "postgresql"
        self.written: list[int] = []
        self._department_of: dict[str, tuple[int, bool, str]] = {}
        self._sensitive: dict[str, bool] = {}
        # psycopg takes Python dates and aware datetimes as they are (Django's
        # own preparation of them is the identity on PostgreSQL).
        dates = ("created_at", "updated_at") if self.postgres else ()
        if self.postgres:
            dates += ("admitted_on", "discharged_on", "visit_on", "birth_date", "deceased_on")
            dates += ("performed_on",)
        self._encounter_rows = RowWriter(
            Encounter, ENCOUNTER_INSERT, prepared=("uuid", "source_record", *dates)
        )
        self._patient_rows = RowWriter(
            Patient, PATIENT_INSERT, prepared=("uuid", "id_number", "do_not_contact", *dates)
        )
        self._phone_rows = RowWriter(PhoneNumber, PHONE_INSERT, prepared=dates)
        self._diagnosis_rows = RowWriter(Diagnosis, DIAGNOSIS_INSERT)
        self._procedure_rows = RowWriter(Procedure, PROCEDURE_INSERT, prepared=dates)
        self._finding_rows = RowWriter(AbnormalFinding, FINDING_INSERT)

    # -- reading what is stored ------------------------------------------

    def _select_in(
        self, columns: str, table: str, column: str, values, *, where="", params=(), suffix=""
    ) -> list[tuple]:
        """``SELECT columns FROM table WHERE where column IN values suffix``.

        On PostgreSQL one lookup per value (``unnest`` joined ``LATERAL``):
        during a large import the planner has no statistics yet and may
        otherwise scan a whole index or table for ``= ANY(…)`` or a join
        (``OFFSET 0`` keeps the subquery apart, one index lookup a value). On SQLite
        chunks of placeholders.
        """
        values = list(dict.fromkeys(values))
        if not values:
            return []
        with self.connection.cursor() as cursor:
            if self.postgres:
                kind = "bigint" if isinstance(values[0], int) else "text"
                cursor.execute(
                    f"SELECT found.* FROM unnest(%s::{kind}[]) AS wanted(value) "  # noqa: S608
                    f"CROSS JOIN LATERAL (SELECT {columns} FROM {table} "
                    f"WHERE {where}{column} = wanted.value OFFSET 0) AS found{suffix}",
                    [values, *params],
                )
                return cursor.fetchall()
            found = []
            for at in range(0, len(values), _SQLITE_IN_CHUNK):
                chunk = values[at : at + _SQLITE_IN_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT {columns} FROM {table} "  # noqa: S608
                    f"WHERE {where}{column} IN ({marks}){suffix}",
                    [*params, *chunk],
                )
                found += cursor.fetchall()
            return found

    def _existing(self, numbers: list[str]) -> dict[str, tuple[int, str, int, bool]]:
        """Stored encounters by number: id, fingerprint, patient, written by this run."""
        rows = self._select_in(
            "number, id, source_hash, patient_id, updated_at",
            "patients_encounter",
            "number",
            numbers,
            where="source_system = %s AND ",
            params=[self.source],
        )
        since = self.since
        return {
            number: (pk, fingerprint, patient, since is not None and self._at(updated) >= since)
            for number, pk, fingerprint, patient, updated in rows
        }

    def _at(self, value):
        if isinstance(value, str) or timezone.is_naive(value):  # SQLite: UTC, naive
            return self.connection.ops.convert_datetimefield_value(value, None, self.connection)
        return value

    def _stored_patients(
        self, column: str, values, *, newest_first=False, limit: int | None = None, where=""
    ) -> list[PatientRef]:
        """Stored patients whose ``column`` is one of ``values``; ``newest_first`` and
        ``limit`` as the ORM's default ordering (``-id``) and a slice would give."""
        order = " ORDER BY id DESC" if newest_first else ""
        if limit is not None:
            order += f" LIMIT {int(limit)}"
        rows = self._select_in(
            ", ".join(_PATIENT_READ), "patients_patient", column, values, where=where, suffix=order
        )
        if newest_first:  # SQLite asked in chunks: order (and cut) them as one
            rows.sort(key=lambda row: row[0], reverse=True)
            if limit is not None:
                rows = rows[:limit]
        date_from_db = self._date_from_db
        return [
            PatientRef(
                pk=pk,
                record_number=record_number,
                name=name,
                sex=sex,
                birth_date=date_from_db(birth),
                ethnicity=ethnicity,
                occupation=occupation,
                address=address,
                deceased_on=date_from_db(deceased),
                id_number_hash=id_hash,
                id_number=token or "",
            )
            for (
                pk,
                record_number,
                name,
                sex,
                birth,
                ethnicity,
                occupation,
                address,
                deceased,
                id_hash,
                token,
            ) in rows
        ]

    def _synthetic_stored(self) -> bool:
        """Whether any patient has a synthetic record number (asked once a run):
        most hospitals' files always carry one, and then no row needs the look."""
        if self._any_synthetic is None:
            self._any_synthetic = Patient.objects.filter(
                record_number__gte=SYNTHETIC_PREFIX,
                record_number__lt=SYNTHETIC_PREFIX[:-1] + chr(ord(SYNTHETIC_PREFIX[-1]) + 1),
            ).exists()
        return self._any_synthetic

    def _date_from_db(self, value):
        if value is None or not isinstance(value, str):
            return value  # PostgreSQL gives dates
        return self.connection.ops.convert_datefield_value(value, None, self.connection)

    # -- writing -----------------------------------------------------------

    def write(self, batch: list[Prepared]) -> list[tuple[Prepared, str, str]]:
        """Write a batch; returns warnings raised while writing, ``(row, field, message)``
        (unknown departments, an encounter number repeated in the file)."""
        if self.postgres:
            # The batch's commit does not wait for its WAL to reach the disk:
            # if the server crashed within that moment the import fails and is
            # run again, which is safe. The run's own end is committed the
            # usual way, and its flush makes every batch before it durable.
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        existing = self._existing([p.number for p in batch])
        todo = []
        extra_warnings: list[tuple[Prepared, str, str]] = []
        superseded_before = self.superseded_before
        for p in batch:
            found = existing.get(p.number)
            if found is not None and (
                found[1] == p.fingerprint
                or (is_legacy_fingerprint(found[1]) and found[1] == legacy_fingerprint(p))
                or (superseded_before and (p.number, p.fingerprint) in superseded_before)
            ):
                self.counts.unchanged += 1
                if p.department and self._department(p.department)[1]:
                    # Still unmapped: said again, as the other warnings are.
                    extra_warnings.append((p, "department", _unmapped_warning(p.department)))
                continue
            if found is not None and found[3]:  # an earlier row of this file wrote it
                self.superseded.append((p.number, found[1]))
                extra_warnings.append(
                    (
                        p,
                        "encounter_number",
                        f"住院号/门诊号“{p.number}”在本文件中出现不止一次，以后面这一行为准",
                    )
                )
            todo.append(p)
        self.written = []
        if not todo:
            return extra_warnings
        patients, fresh = self._patients(todo)
        departments = []
        for p in todo:
            department_id, unknown = self._department(p.department)
            departments.append(department_id)
            if unknown and p.department:
                extra_warnings.append((p, "department", _unmapped_warning(p.department)))
        new_rows = [i for i, p in enumerate(todo) if p.number not in existing]
        changed_rows = [i for i, p in enumerate(todo) if p.number in existing]
        ids = allocate_ids_for({Patient: len(fresh), Encounter: len(new_rows)})
        for patient, pk in zip(fresh, ids[Patient], strict=True):
            patient.pk = pk
        now = timezone.now()
        if fresh:
            self._insert_patients(fresh, now)
        encounter_ids = [0] * len(todo)
        for i, pk in zip(new_rows, ids[Encounter], strict=True):
            encounter_ids[i] = pk
        if new_rows:
            uuids = fresh_uuids(len(new_rows))
            source = self.source
            rows = []
            for i, uuid in zip(new_rows, uuids, strict=True):
                p = todo[i]
                e = p.encounter
                rows.append(
                    (
                        encounter_ids[i],
                        uuid,
                        patients[i].pk,
                        p.number,
                        departments[i],
                        source,
                        p.record_json,
                        p.fingerprint,
                        now,
                        now,
                        e["kind"],
                        e["admitted_on"],
                        e["discharged_on"],
                        e["visit_on"],
                        e["attending_doctor"],
                        e["responsible_nurse"],
                        e["chief_complaint"],
                        e["treatment"],
                        e["discharge_orders"],
                        e["discharge_medication"],
                    )
                )
            self._encounter_rows.write(rows)
            self.counts.created += len(new_rows)
        if changed_rows:
            for i in changed_rows:
                encounter_ids[i] = existing[todo[i].number][0]
            self._update_encounters(
                [(todo[i], encounter_ids[i], departments[i], patients[i].pk) for i in changed_rows],
                now,
            )
            self.counts.updated += len(changed_rows)
        self._children(todo, encounter_ids, new_rows, changed_rows)
        self._phone_rows.write(self._new_phones(todo, patients, now))
        self.written = [encounter_ids[i] for i in new_rows + changed_rows]
        return extra_warnings

    def _department(self, text: str) -> tuple[int, bool]:
        found = self._department_of.get(text)
        if found is None:
            department, unknown = self.departments.resolve(text)
            found = self._department_of[text] = (department.pk, unknown, department.name)
        return found[0], found[1]

    def _department_name(self, pk: int) -> str:
        return next(name for found, _, name in self._department_of.values() if found == pk)

    def _update_encounters(self, rows, now) -> None:
        """Corrected rows: the ORM path, so the audit log has each field before and after."""
        current = {
            e.pk: e
            for e in Encounter.objects.filter(pk__in=[pk for _, pk, _, _ in rows]).select_related(
                "department"
            )
        }
        changed = []
        for p, pk, department_id, patient_id in rows:
            encounter = current[pk]
            before = {name: getattr(encounter, name) for name in ENCOUNTER_FIELDS}
            before["department"] = encounter.department.name
            before["patient"] = encounter.patient_id
            for name in ENCOUNTER_FIELDS:
                setattr(encounter, name, p.encounter[name])
            encounter.department_id = department_id
            encounter.patient_id = patient_id
            encounter.source_record = json.loads(p.record_json)
            encounter.source_hash = p.fingerprint
            encounter.updated_at = now
            after = {name: getattr(encounter, name) for name in ENCOUNTER_FIELDS}
            after["department"] = self._department_name(department_id)
            after["patient"] = patient_id
            changed.append((p, encounter, audit_diff(before, after)))
        Encounter.objects.bulk_update(
            [e for _, e, _ in changed],
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
        pks = [e.pk for _, e, _ in changed]
        children_before = self._children_text(pks)
        Diagnosis.objects.filter(encounter_id__in=pks).delete()
        Procedure.objects.filter(encounter_id__in=pks).delete()
        AbnormalFinding.objects.filter(encounter_id__in=pks).delete()
        for p, encounter, diff in changed:
            after = {
                "diagnoses": "；".join(
                    self._diagnosis_text(code, name) for code, name in p.diagnoses
                ),
                "procedures": "；".join(name for name, _ in p.procedures),
                "findings": "；".join(description for _, description in p.findings),
            }
            before = children_before.get(encounter.pk, {})
            for name, text in after.items():
                if before.get(name, "") != text:
                    diff[name] = [before.get(name, ""), text]
            audit_record(
                actor=self.actor,
                action="update",
                target=encounter,
                patient_id=encounter.patient_id,
                changes={**diff, "import": {"run": self.run_label, "line": p.row.line}},
            )

    def _is_sensitive(self, code: str) -> bool:
        flag = self._sensitive.get(code)
        if flag is None:
            flag = self._sensitive[code] = diagnosis_is_sensitive(code)
        return flag

    def _diagnosis_text(self, code: str, name: str) -> str:
        """A diagnosis as the audit log keeps it: a sensitive one by its code alone."""
        if self._is_sensitive(code):
            return f"{code}（敏感诊断）"
        return " ".join(part for part in (code, name) if part)

    def _children_text(self, pks: list[int]) -> dict[int, dict[str, str]]:
        """Stored diagnoses, procedures and findings of ``pks``, as the audit log compares them."""
        found: dict[int, dict[str, list[str]]] = {}
        for encounter_id, code, name in (
            Diagnosis.objects.filter(encounter_id__in=pks)
            .order_by("encounter_id", "position", "id")
            .values_list("encounter_id", "code", "name")
        ):
            text = self._diagnosis_text(code, name)
            found.setdefault(encounter_id, {}).setdefault("diagnoses", []).append(text)
        for encounter_id, name in (
            Procedure.objects.filter(encounter_id__in=pks)
            .order_by("encounter_id", "id")
            .values_list("encounter_id", "name")
        ):
            found.setdefault(encounter_id, {}).setdefault("procedures", []).append(name)
        for encounter_id, description in (
            AbnormalFinding.objects.filter(encounter_id__in=pks)
            .order_by("encounter_id", "id")
            .values_list("encounter_id", "description")
        ):
            found.setdefault(encounter_id, {}).setdefault("findings", []).append(description)
        return {pk: {k: "；".join(v) for k, v in parts.items()} for pk, parts in found.items()}

    def _patients(self, todo: list[Prepared]) -> tuple[list[PatientRef], list[PatientRef]]:
        """The patient of every row (by record number, ID number, name+birth+phone),
        and those to create; stored patients the file corrects are updated here."""
        record_numbers = {p.patient["record_number"] for p in todo if p.patient["record_number"]}
        by_record = {
            patient.record_number: patient
            for patient in self._stored_patients("record_number", record_numbers)
        }
        # Only rows whose record number finds nobody are looked up by ID number.
        id_hashes = {
            p.id_hash
            for p in todo
            if p.id_hash
            and not (p.patient["record_number"] and p.patient["record_number"] in by_record)
        }
        by_id_hash: dict[str, PatientRef] = {}
        for patient in self._stored_patients("id_number_hash", id_hashes, newest_first=True):
            by_id_hash.setdefault(patient.id_number_hash, patient)
        result: list[PatientRef | None] = [None] * len(todo)
        to_create: dict[str, PatientRef] = {}
        needs_fallback = []
        for i, p in enumerate(todo):
            record_number = p.patient["record_number"]
            patient = by_record.get(record_number) if record_number else None
            if patient is None and p.patient["id_number"]:
                patient = by_id_hash.get(p.id_hash)
            if patient is None:
                # No record number, or one nobody has yet: name, birth and phone
                # decide (a patient first met without a record number gets it now).
                patient = to_create.get(record_number) if record_number else None
                if patient is None:
                    needs_fallback.append(i)
                    continue
            result[i] = patient
        adopted: dict[int, str] = {}
        if needs_fallback:
            self._match_by_name_birth_phone(todo, needs_fallback, result, to_create, adopted)
        # Existing patients: the HIS is the source of truth for what it sends.
        to_update: dict[int, dict] = {pk: {"record_number": rn} for pk, rn in adopted.items()}
        for patient, p in zip(result, todo, strict=True):
            if patient.new:
                continue
            changes = _patient_changes(patient, p)
            if changes:
                to_update.setdefault(patient.pk, {}).update(changes)
        if to_update:
            self._update_patients(to_update)
        return result, list(to_create.values())

    def _update_patients(self, to_update: dict[int, dict]) -> None:
        stored = Patient.objects.in_bulk(list(to_update))
        deceased = []
        for pk, changes in to_update.items():
            patient = stored[pk]
            before = {name: getattr(patient, name) for name in changes}
            if "deceased_on" in changes and patient.deceased_on is None:
                deceased.append(pk)
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
        if deceased:  # the file brings their date of death: no call of theirs stays queued
            patients_deceased.send(sender=Patient, patient_ids=deceased)

    def _insert_patients(self, fresh: list[PatientRef], now) -> None:
        with_id = [patient for patient in fresh if patient.id_number]
        tokens = dict(
            zip(
                map(id, with_id),
                encrypt_many([patient.id_number for patient in with_id]),
                strict=True,
            )
        )
        self._patient_rows.write(
            [
                (
                    patient.pk,
                    uuid,
                    patient.record_number,
                    patient.name,
                    name_pinyin(patient.name),
                    name_initials(patient.name),
                    patient.sex,
                    patient.birth_date,
                    patient.ethnicity,
                    patient.occupation,
                    patient.address,
                    tokens.get(id(patient), ""),
                    patient.id_number_hash,
                    patient.deceased_on,
                    "[]",
                    "",
                    now,
                    now,
                )
                for patient, uuid in zip(fresh, fresh_uuids(len(fresh)), strict=True)
            ]
        )
        self.counts.patients_created += len(fresh)

    def _match_by_name_birth_phone(self, todo, indexes, result, to_create, adopted) -> None:
        """Rows no record or ID number placed: a patient of the same name, a birth
        date that agrees and a phone in common is theirs, stored or met earlier in
        this batch. A row that brings a record number only joins a patient who has
        none of the hospital's (a synthetic one, made when first met without):
        that patient takes the row's number (``adopted``: stored pk → number).
        Two different record numbers are two patients, whatever their names."""
        unnumbered = [i for i in indexes if not todo[i].patient["record_number"]]
        numbered = [i for i in indexes if todo[i].patient["record_number"]]
        # The same query as ever (newest first, at most 5,000), as tuples; for
        # rows with a record number only the patients it could be given to.
        stored = self._stored_patients(
            "name", {todo[i].patient["name"] for i in unnumbered}, newest_first=True, limit=5000
        )
        stored_synthetic = (
            self._stored_patients(
                "name",
                {todo[i].patient["name"] for i in numbered},
                newest_first=True,
                limit=5000,
                where=f"record_number LIKE '{SYNTHETIC_PREFIX}%%' AND ",
            )
            if numbered and self._synthetic_stored()
            else []
        )
        numbers_of: dict[object, set[str]] = {}
        for patient_id, number in self._select_in(
            "patient_id, number",
            "patients_phonenumber",
            "patient_id",
            [patient.pk for patient in stored + stored_synthetic],
        ):
            numbers_of.setdefault(patient_id, set()).add(number)
        # (name, birth) groups in the order first met, per name: every patient
        # for rows without a record number, the synthetic ones for rows with one.
        candidates: dict[str, dict[object, list[PatientRef]]] = {}
        synthetic_candidates: dict[str, dict[object, list[PatientRef]]] = {}
        for group, patients in ((candidates, stored), (synthetic_candidates, stored_synthetic)):
            for patient in patients:
                group.setdefault(patient.name, {}).setdefault(patient.birth_date, []).append(
                    patient
                )
        # A patient made earlier from the same name, birth and key (the
        # synthetic record number) is the same patient: a corrected row of a
        # file without record numbers and phones finds it by that number.
        synthetic = {i: _synthetic_record_number(self.source, todo[i]) for i in unnumbered}
        by_synthetic = {
            patient.record_number: patient
            for patient in self._stored_patients("record_number", set(synthetic.values()))
        }
        adopters: dict[str, PatientRef] = {}
        for i in sorted(indexes):
            p = todo[i]
            own_number = p.patient["record_number"]
            numbers = {phone.number for phone in p.phones}
            # An earlier row's patient of this number: new, or a stored one it was given to.
            match = (to_create.get(own_number) or adopters.get(own_number)) if own_number else None
            estimated = p.patient["birth_estimated"]
            groups = synthetic_candidates if own_number else candidates
            for birth, patients in () if match else groups.get(p.patient["name"], {}).items():
                if not estimated and birth is not None and birth != p.patient["birth_date"]:
                    continue
                for patient in patients:
                    if own_number and not _can_adopt(patient, own_number, adopted):
                        continue
                    if numbers & numbers_of.get(_ref_key(patient), set()):
                        match = patient
                        break
                if match is not None:
                    break
            if match is None and not own_number:
                record_number = synthetic[i]
                match = by_synthetic.get(record_number) or to_create.get(record_number)
            if match is None:
                record_number = own_number or synthetic[i]
                match = to_create[record_number] = _new_patient(p, record_number)
                if not own_number:
                    self._any_synthetic = True
            elif own_number and match.record_number != own_number:
                if match.new:  # met in this batch without one: it takes this one
                    del to_create[match.record_number]
                    match.record_number = own_number
                    to_create[own_number] = match
                else:
                    adopted[match.pk] = own_number
                    adopters[own_number] = match
            result[i] = match
            if match.new:  # later rows of this batch find it by name, birth and phone
                key = _ref_key(match)
                if key not in numbers_of:
                    chosen = [candidates]
                    if _is_synthetic(match.record_number):
                        chosen.append(synthetic_candidates)
                    for group in chosen:
                        group.setdefault(match.name, {}).setdefault(match.birth_date, []).append(
                            match
                        )
                numbers_of.setdefault(key, set()).update(numbers)

    def _children(self, todo, encounter_ids, new_rows, changed_rows) -> None:
        diagnoses, procedures, findings = [], [], []
        sensitive = self._is_sensitive
        for i in new_rows + changed_rows:
            p = todo[i]
            encounter_id = encounter_ids[i]
            for position, (code, name) in enumerate(p.diagnoses):
                flag = sensitive(code)
                diagnoses.append((encounter_id, code, name, position == 0, flag, position))
            for name, performed_on in p.procedures:
                procedures.append((encounter_id, "", name, performed_on))
            for kind, description in p.findings:
                findings.append((encounter_id, kind, description[:200]))
        self._diagnosis_rows.write(diagnoses)
        self._procedure_rows.write(procedures)
        self._finding_rows.write(findings)

    def _new_phones(self, todo, patients: list[PatientRef], now) -> list[tuple]:
        """Rows for the numbers not yet known for their patient; the first usable
        number of the patient's own becomes the primary when there is none.

        A stored patient's row that brings a usable number of their own never
        seen for them is the HIS's correction: that number becomes the primary
        (the one dialled first), the old one stays as a second number, and the
        audit log says so (numbers masked). A number already known changes
        nothing, so an older export listing the old number does not flip it back.
        """
        known: dict[int, set[str]] = {}
        has_primary: dict[int, str] = {}
        for patient_id, number, primary in self._select_in(
            "patient_id, number, is_primary",
            "patients_phonenumber",
            "patient_id",
            {patient.pk for patient in patients if not patient.new},
        ):
            known.setdefault(patient_id, set()).add(number)
            if primary:
                has_primary[patient_id] = number
        rows = []
        invalid = PhoneNumber.Status.INVALID
        source = self.source
        corrected: dict[int, tuple[str, str]] = {}
        for p, patient in zip(todo, patients, strict=True):
            patient_id = patient.pk
            numbers = known.setdefault(patient_id, set())
            for phone in p.phones:
                if phone.number in numbers:
                    continue
                numbers.add(phone.number)
                usable_own = phone.owner == "self" and phone.status != invalid
                primary = patient_id not in has_primary and usable_own
                if (
                    not primary
                    and usable_own
                    and not patient.new
                    and patient_id in has_primary
                    and patient_id not in corrected
                ):
                    corrected[patient_id] = (has_primary[patient_id], phone.number)
                    primary = True
                if primary:
                    has_primary[patient_id] = phone.number
                rows.append(
                    (
                        patient_id,
                        phone.number,
                        phone.owner,
                        phone.relation,
                        phone.contact_name,
                        phone.line_type,
                        phone.status,
                        primary,
                        source,
                        now,
                        now,
                    )
                )
        if corrected:
            self._demote_primaries(corrected, rows)
        return rows

    def _demote_primaries(self, corrected: dict[int, tuple[str, str]], rows: list[tuple]) -> None:
        """The old primaries of ``corrected`` patients step down; only the newest stays primary."""
        newest = {patient_id: new for patient_id, (_, new) in corrected.items()}
        for index, row in enumerate(rows):  # an earlier row of the batch may have led
            patient_id, number, primary = row[0], row[1], row[7]
            if primary and patient_id in newest and number != newest[patient_id]:
                rows[index] = (*row[:7], False, *row[8:])
        PhoneNumber.objects.filter(patient_id__in=list(corrected), is_primary=True).update(
            is_primary=False
        )
        for patient_id, (old, new) in corrected.items():
            audit_record(
                actor=self.actor,
                action="update",
                target=None,
                patient_id=patient_id,
                field="phone",
                target_repr="本人电话更正（HIS 导入）",
                changes={"primary": [mask_phone(old), mask_phone(new)]},
            )


def _unmapped_warning(department: str) -> str:
    return f"科室“{department}”未在系统中登记，已归入“未映射科室”"


def _ref_key(patient: PatientRef) -> object:
    return patient.pk if patient.pk is not None else id(patient)  # new ones have no pk yet


def _is_synthetic(record_number: str) -> bool:
    return len(record_number) == 19 and record_number.startswith(SYNTHETIC_PREFIX)


def _can_adopt(patient: PatientRef, record_number: str, adopted: dict[int, str]) -> bool:
    """Whether a row with ``record_number`` may join ``patient`` found by name, birth and phone."""
    if patient.record_number == record_number:
        return True
    if not _is_synthetic(patient.record_number):
        return False  # the hospital numbered them apart: two patients
    return patient.new or adopted.get(patient.pk, record_number) == record_number


def _new_patient(p: Prepared, record_number: str) -> PatientRef:
    data = p.patient
    return PatientRef(
        pk=None,
        record_number=record_number,
        name=data["name"],
        sex=data["sex"],
        birth_date=data["birth_date"],
        ethnicity=data["ethnicity"],
        occupation=data["occupation"],
        address=data["address"],
        deceased_on=data["deceased_on"],
        id_number_hash=p.id_hash,
        new=True,
        id_number=data["id_number"],
    )


def _patient_changes(patient: PatientRef, p: Prepared) -> dict:
    changes = {}
    data = p.patient
    for name in PATIENT_FIELDS:
        value = data[name]
        if value in ("", None) or (name == "sex" and value == "U"):
            continue  # a blank cell never erases what we know
        if name == "birth_date" and data["birth_estimated"] and patient.birth_date:
            continue  # an age-derived estimate never replaces a known birth date
        if getattr(patient, name) != value:
            changes[name] = value
    id_number = data["id_number"]
    # The stored number is decrypted only when its hash is the file's: to tell
    # "11010519491231002x" from "...X", which hash alike.
    if id_number and (
        patient.id_number_hash != p.id_hash
        or (decrypt(patient.id_number) if patient.id_number else "") != id_number
    ):
        changes["id_number"] = id_number
    return changes


def synthetic_record_number(source: str, *, name: str, birth: str = "", key: str) -> str:
    """A stable record number for a patient a file gives none for (no ID number).

    From the name, the exact birth date ("" when unknown) and ``key`` (the
    first phone, else the encounter number): the same person in another row,
    another run or a follow-up register gets the same number.
    """
    basis = f"{source}|{name}|{birth}|{key}"
    return SYNTHETIC_PREFIX + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16].upper()  # noqa: S324


def _synthetic_record_number(source: str, p: Prepared) -> str:
    """By ID number when there is one; else ``synthetic_record_number`` with the
    birth date when exact (not estimated from an age) and the first phone."""
    data = p.patient
    if data["id_number"]:
        basis = f"{source}|id|{data['id_number']}"
        return SYNTHETIC_PREFIX + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16].upper()  # noqa: S324
    birth = (
        data["birth_date"].isoformat() if data["birth_date"] and not data["birth_estimated"] else ""
    )
    phone = p.phones[0].number if p.phones else p.number
    return synthetic_record_number(source, name=data["name"], birth=birth, key=phone)
