"""Writes for patients, their phones and encounters; reveals and views are audited."""

import shutil
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Department, User
from huifang.core.crypto import lookup_hash
from huifang.core.errors import ApplicationError
from huifang.core.masking import mask_id_number, mask_phone
from huifang.core.phones import normalize_phone
from huifang.core.services import audit_diff, audit_record
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    Patient,
    PhoneNumber,
    Procedure,
)
from huifang.patients.names import name_initials, name_pinyin
from huifang.patients.signals import (
    encounters_written,
    patients_contact_changed,
    patients_deceased,
)

AUDITED_PATIENT_FIELDS = [
    "record_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "occupation",
    "address",
    "id_number",
    "deceased_on",
    "do_not_contact",
    "preferred_time_start",
    "preferred_time_end",
    "preferred_time_note",
    "language_note",
]
# A change of these changes when, or through which channels, the patient is called.
CONTACT_FIELDS = ("preferred_time_start", "preferred_time_end", "do_not_contact")


def diagnosis_is_sensitive(code: str) -> bool:
    """Whether an ICD-10 code falls under the configured sensitive prefixes."""
    code = (code or "").strip().upper()
    return bool(code) and any(
        code.startswith(prefix.upper()) for prefix in settings.HUIFANG_SENSITIVE_ICD_PREFIXES
    )


def _snapshot(patient: Patient) -> dict[str, Any]:
    return {name: getattr(patient, name) for name in AUDITED_PATIENT_FIELDS}


def _apply_name(patient: Patient) -> None:
    patient.name = patient.name.strip()
    patient.name_pinyin = name_pinyin(patient.name)
    patient.name_initials = name_initials(patient.name)


def _apply_id_number(patient: Patient) -> None:
    patient.id_number = (patient.id_number or "").strip().upper()
    patient.id_number_hash = lookup_hash(patient.id_number) if patient.id_number else ""


@transaction.atomic
def patient_create(*, actor: User | None, record_number: str, name: str, **fields) -> Patient:
    """Create a patient; the name's pinyin and the ID number's lookup hash follow."""
    patient = Patient(record_number=record_number.strip(), name=name, **fields)
    _apply_name(patient)
    _apply_id_number(patient)
    patient.full_clean()
    patient.save()
    audit_record(
        actor=actor,
        action="create",
        target=patient,
        patient_id=patient.pk,
        changes=audit_diff({}, _snapshot(patient)),
    )
    return patient


@transaction.atomic
def patient_update(*, actor: User | None, patient: Patient, **fields) -> Patient:
    """Change a patient's details; the audit log keeps what they were before.

    Recording a date of death sends ``patients_deceased`` (in the
    transaction); a changed preferred call time or list of refused channels
    sends ``patients_contact_changed`` once committed, so their open
    follow-up tasks are planned again.
    """
    unknown = set(fields) - set(AUDITED_PATIENT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Cannot change these fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    before = _snapshot(patient)
    for name, value in fields.items():
        setattr(patient, name, value)
    _apply_name(patient)
    _apply_id_number(patient)
    patient.full_clean()
    patient.save()
    diff = audit_diff(before, _snapshot(patient))
    if diff:
        audit_record(
            actor=actor, action="update", target=patient, patient_id=patient.pk, changes=diff
        )
    if before["deceased_on"] is None and patient.deceased_on is not None:
        patients_deceased.send(sender=Patient, patient_ids=[patient.pk])
    if any(name in diff for name in CONTACT_FIELDS):
        patient_id = patient.pk
        transaction.on_commit(
            lambda: patients_contact_changed.send(sender=Patient, patient_ids=[patient_id])
        )
    return patient


@transaction.atomic
def phone_add(
    *,
    actor: User | None,
    patient: Patient,
    raw_number: str,
    owner: str = PhoneNumber.Owner.SELF,
    relation: str = "",
    contact_name: str = "",
    is_primary: bool = False,
    source: str = "",
) -> PhoneNumber:
    """Add a phone number (normalised to E.164) to a patient, or return the existing one."""
    number, line_type = normalize_phone(raw_number)
    existing = PhoneNumber.objects.filter(patient=patient, number=number).first()
    if existing is not None:
        return existing
    phone = PhoneNumber(
        patient=patient,
        number=number,
        line_type=line_type,
        owner=owner,
        relation=relation,
        contact_name=contact_name,
        is_primary=is_primary or not patient.phones.exists(),
        source=source,
    )
    phone.full_clean()
    if phone.is_primary:
        patient.phones.filter(is_primary=True).update(is_primary=False)
    phone.save()
    audit_record(
        actor=actor,
        action="create",
        target=phone,
        patient_id=patient.pk,
        changes={"owner": owner, "relation": relation, "number": mask_phone(number)},
    )
    return phone


# --- Contact details kept by staff (the patient page, the workbench during a call) ---


def contact_edit_allowed(actor: User, *, during_claimed_call: bool = False) -> bool:
    """Whether ``actor`` may change phone numbers and contact preferences now.

    Roles with ``patients.edit_contact`` (service managers) always; an agent
    only during a call they have claimed — ``during_claimed_call`` is set by
    the follow-ups workbench, which checks the claim before it calls here.
    Department heads, clinicians and the quality office read only.
    """
    if actor.has_perm("patients.edit_contact"):
        return True
    return during_claimed_call and actor.has_perm("followups.work_task")


def _require_contact_edit(actor: User, during_claimed_call: bool) -> None:
    if not contact_edit_allowed(actor, during_claimed_call=during_claimed_call):
        raise ApplicationError(
            _(
                "Your role may not change contact details here; agents change them "
                "on the workbench during their call."
            ),
            code="permission_denied",
            status=403,
        )


# The statuses of a number that is dialled (``PhoneNumber.is_usable``).
_USABLE = (PhoneNumber.Status.VALID, PhoneNumber.Status.UNKNOWN)


def _contact_changed(patient_id: int) -> None:
    """Once committed, tell follow-ups to plan the patient's open tasks again."""
    transaction.on_commit(
        lambda: patients_contact_changed.send(sender=Patient, patient_ids=[patient_id])
    )


def _clean_contact(owner: str, relation: str, contact_name: str) -> tuple[str, str, str]:
    owner = owner or PhoneNumber.Owner.SELF
    if owner not in PhoneNumber.Owner.values:
        raise ApplicationError(
            _("Choose whose number it is: the patient's, a family member's or another contact's."),
            code="unknown_phone_owner",
        )
    relation, contact_name = (relation or "").strip()[:20], (contact_name or "").strip()[:50]
    if owner == PhoneNumber.Owner.FAMILY and not relation:
        raise ApplicationError(
            _("Say how the family member is related to the patient (e.g. daughter, spouse)."),
            code="relation_required",
        )
    if owner == PhoneNumber.Owner.SELF:
        relation = ""
    return owner, relation, contact_name


@transaction.atomic
def phone_create(
    *,
    actor: User,
    patient: Patient,
    raw_number: str,
    owner: str = PhoneNumber.Owner.SELF,
    relation: str = "",
    contact_name: str = "",
    during_claimed_call: bool = False,
) -> PhoneNumber:
    """Staff add a number the patient or a family member gave (patient page or call).

    Normalised to E.164; a number already on record is refused with a
    message (a retired one is taken back into use instead). Audited with
    the number masked. Once committed the patient's open tasks are planned
    again, so tasks waiting for a number (no usable phone) get it.
    """
    _require_contact_edit(actor, during_claimed_call)
    owner, relation, contact_name = _clean_contact(owner, relation, contact_name)
    number, _line_type = normalize_phone(raw_number)
    existing = PhoneNumber.objects.select_for_update().filter(patient=patient, number=number)
    phone = existing.first()
    if phone is not None and phone.status != PhoneNumber.Status.RETIRED:
        raise ApplicationError(
            _("%(number)s is already on record for this patient.") % {"number": mask_phone(number)},
            code="phone_exists",
        )
    if phone is not None:
        before = {"status": phone.status, "owner": phone.owner, "relation": phone.relation}
        phone.status = PhoneNumber.Status.UNKNOWN
        phone.owner, phone.relation = owner, relation
        phone.contact_name = contact_name or phone.contact_name
        phone.full_clean()
        phone.save()
        audit_record(
            actor=actor,
            action="update",
            target=phone,
            patient_id=patient.pk,
            changes={
                "status": [before["status"], phone.status],
                "owner": [before["owner"], owner],
                "relation": [before["relation"], relation],
                "number": mask_phone(number),
                "via": "call" if during_claimed_call else "page",
            },
        )
    else:
        phone = phone_add(
            actor=actor,
            patient=patient,
            raw_number=number,
            owner=owner,
            relation=relation,
            contact_name=contact_name,
            is_primary=not patient.phones.filter(is_primary=True, status__in=_USABLE).exists(),
            source="staff",
        )
    _contact_changed(patient.pk)
    return phone


@transaction.atomic
def phone_correct(
    *,
    actor: User,
    phone: PhoneNumber,
    raw_number: str,
    owner: str,
    relation: str = "",
    contact_name: str = "",
    during_claimed_call: bool = False,
) -> PhoneNumber:
    """Correct a number on record: a mistyped digit, whose number it is, the relation.

    An empty ``raw_number`` keeps the number and changes only the rest.
    A changed number is checked again (its status back to "not yet
    checked"); it may not duplicate another of the patient's numbers.
    Audited with old and new numbers masked; the tasks are planned again.
    """
    _require_contact_edit(actor, during_claimed_call)
    owner, relation, contact_name = _clean_contact(owner, relation, contact_name)
    # Empty keeps the number: the form never shows it unmasked.
    if (raw_number or "").strip():
        number, line_type = normalize_phone(raw_number)
    else:
        number, line_type = phone.number, phone.line_type
    before = {
        "number": mask_phone(phone.number),
        "owner": phone.owner,
        "relation": phone.relation,
        "contact_name": phone.contact_name,
    }
    if number != phone.number:
        if PhoneNumber.objects.filter(patient_id=phone.patient_id, number=number).exists():
            raise ApplicationError(
                _("%(number)s is already on record for this patient.")
                % {"number": mask_phone(number)},
                code="phone_exists",
            )
        phone.number, phone.line_type = number, line_type
        phone.status = PhoneNumber.Status.UNKNOWN
    phone.owner, phone.relation, phone.contact_name = owner, relation, contact_name
    phone.full_clean()
    phone.save()
    after = {
        "number": mask_phone(phone.number),
        "owner": phone.owner,
        "relation": phone.relation,
        "contact_name": phone.contact_name,
    }
    changes = audit_diff(before, after, masked=set())  # the numbers are masked already
    if changes:
        changes["via"] = "call" if during_claimed_call else "page"
        audit_record(
            actor=actor,
            action="update",
            target=phone,
            patient_id=phone.patient_id,
            changes=changes,
        )
        _contact_changed(phone.patient_id)
    return phone


@transaction.atomic
def phone_retire(
    *, actor: User, phone: PhoneNumber, reason: str = "", during_claimed_call: bool = False
) -> PhoneNumber:
    """Stop using a number (the patient changed it, the relative moved away); kept for history.

    A retired number is never dialled or texted again and no longer primary;
    calls made to it keep pointing at it. Audited with the reason; the
    patient's open tasks are planned again (to another number, or to "no
    usable phone").
    """
    _require_contact_edit(actor, during_claimed_call)
    if phone.status == PhoneNumber.Status.RETIRED:
        return phone
    before = phone.status
    phone.status = PhoneNumber.Status.RETIRED
    was_primary, phone.is_primary = phone.is_primary, False
    phone.save(update_fields=["status", "is_primary", "updated_at"])
    if was_primary:
        successor = (
            PhoneNumber.objects.filter(patient_id=phone.patient_id, status__in=_USABLE)
            .order_by("owner", "id")
            .first()
        )
        if successor is not None:
            PhoneNumber.objects.filter(pk=successor.pk).update(is_primary=True)
    audit_record(
        actor=actor,
        action="update",
        target=phone,
        patient_id=phone.patient_id,
        field="status",
        changes={
            "status": [before, phone.status],
            "number": mask_phone(phone.number),
            "reason": (reason or "").strip()[:200],
            "via": "call" if during_claimed_call else "page",
        },
    )
    _contact_changed(phone.patient_id)
    return phone


@transaction.atomic
def patient_contact_preferences_set(
    *,
    actor: User,
    patient: Patient,
    preferred_time_start=None,
    preferred_time_end=None,
    preferred_time_note: str = "",
    language_note: str = "",
    during_claimed_call: bool = False,
) -> Patient:
    """Set when the patient likes to be called and how to talk with them (粤语, 听力不好…).

    An end time needs a start time and comes after it (an open end means
    "from then on"). Through ``patient_update``: audited, and a changed time
    plans the open tasks again.
    """
    _require_contact_edit(actor, during_claimed_call)
    if preferred_time_end is not None and preferred_time_start is None:
        raise ApplicationError(
            _("Give the time the patient can be called from, not only until when."),
            code="preferred_time_incomplete",
        )
    if (
        preferred_time_start is not None
        and preferred_time_end is not None
        and preferred_time_end <= preferred_time_start
    ):
        raise ApplicationError(
            _("The preferred time must end after it starts (e.g. 19:00–21:00)."),
            code="preferred_time_order",
        )
    return patient_update(
        actor=actor,
        patient=patient,
        preferred_time_start=preferred_time_start,
        preferred_time_end=preferred_time_end,
        preferred_time_note=(preferred_time_note or "").strip()[:100],
        language_note=(language_note or "").strip()[:100],
    )


def phone_reveal(*, actor: User, phone: PhoneNumber) -> str:
    """The full number for a user allowed to dial it; every reveal is audited."""
    if not actor.has_perm("patients.reveal_phone"):
        raise ApplicationError(
            _("Your role may not see the full phone number"),
            code="permission_denied",
            status=403,
        )
    audit_record(
        actor=actor,
        action="reveal",
        target=phone,
        patient_id=phone.patient_id,
        field="number",
        target_repr=f"{phone.patient.name} {phone}",
    )
    return phone.number


def id_number_reveal(*, actor: User, patient: Patient) -> str:
    """The full ID number for a user whose role needs it; audited."""
    if not actor.has_perm("patients.reveal_id_number"):
        raise ApplicationError(
            _("Your role may not see the ID number"), code="permission_denied", status=403
        )
    audit_record(
        actor=actor,
        action="reveal",
        target=patient,
        patient_id=patient.pk,
        field="id_number",
        target_repr=f"{patient.name} {mask_id_number(patient.id_number)}",
    )
    return patient.id_number


def patient_record_view(*, actor: User, patient: Patient, via: str = "page") -> None:
    """Note in the audit log that ``actor`` opened this patient's record."""
    audit_record(
        actor=actor, action="view", target=patient, patient_id=patient.pk, changes={"via": via}
    )


@dataclass
class DiagnosisData:
    name: str
    code: str = ""
    is_primary: bool = False
    is_sensitive: bool | None = None


@dataclass
class EncounterData:
    kind: str
    number: str
    department: Department
    attending_doctor: str = ""
    responsible_nurse: str = ""
    admitted_on: date | None = None
    discharged_on: date | None = None
    visit_on: date | None = None
    chief_complaint: str = ""
    treatment: str = ""
    discharge_orders: str = ""
    discharge_medication: str = ""
    source_system: str = "manual"
    source_record: dict[str, Any] = field(default_factory=dict)
    diagnoses: list[DiagnosisData] = field(default_factory=list)
    procedures: list[tuple[str, str, date | None]] = field(default_factory=list)
    abnormal_findings: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def encounter_create(
    *, actor: User | None, patient: Patient, data: EncounterData, announce: bool = True
) -> Encounter:
    """Record an encounter with its diagnoses, procedures and abnormal findings.

    Once committed, later apps hear of it (``encounters_written``: follow-ups
    plans its tasks in the queue) unless ``announce`` is False: for a caller
    that plans the encounters itself, as the demo seed does, so no job
    re-plans them.
    """
    if data.discharged_on and data.admitted_on and data.discharged_on < data.admitted_on:
        raise ApplicationError(
            _("The discharge date is before the admission date"),
            code="discharge_before_admission",
        )
    encounter = Encounter(
        patient=patient,
        kind=data.kind,
        number=data.number.strip(),
        department=data.department,
        attending_doctor=data.attending_doctor,
        responsible_nurse=data.responsible_nurse,
        admitted_on=data.admitted_on,
        discharged_on=data.discharged_on,
        visit_on=data.visit_on,
        chief_complaint=data.chief_complaint,
        treatment=data.treatment,
        discharge_orders=data.discharge_orders,
        discharge_medication=data.discharge_medication,
        source_system=data.source_system,
        source_record=data.source_record,
    )
    encounter.full_clean()
    encounter.save()
    Diagnosis.objects.bulk_create(
        Diagnosis(
            encounter=encounter,
            code=item.code.strip().upper(),
            name=item.name,
            is_primary=item.is_primary,
            is_sensitive=(
                diagnosis_is_sensitive(item.code)
                if item.is_sensitive is None
                else item.is_sensitive
            ),
            position=index,
        )
        for index, item in enumerate(data.diagnoses)
    )
    Procedure.objects.bulk_create(
        Procedure(encounter=encounter, code=code, name=name, performed_on=performed_on)
        for code, name, performed_on in data.procedures
    )
    AbnormalFinding.objects.bulk_create(
        AbnormalFinding(encounter=encounter, kind=kind, description=description)
        for kind, description in data.abnormal_findings
    )
    audit_record(
        actor=actor,
        action="create",
        target=encounter,
        patient_id=patient.pk,
        changes={"kind": data.kind, "number": data.number, "department": data.department.code},
    )
    encounter_id = encounter.pk
    if announce:
        transaction.on_commit(
            lambda: encounters_written.send(sender=Encounter, encounter_ids=[encounter_id])
        )
    return encounter


# --- Imports from HIS files (the pipeline itself is in patients.importing) ---

UPLOAD_LIMIT_BYTES = 512 * 1024 * 1024


def _require_import(actor: User) -> None:
    if not actor.has_perm("patients.import_encounters"):
        raise ApplicationError("您的角色无权导入患者数据", code="permission_denied", status=403)


def import_upload(
    *, actor: User, uploaded, source: str, kind: str = "", encoding: str = "auto", sheet: str = ""
):
    """Keep an uploaded HIS export and make a waiting import run for it."""
    from pathlib import Path

    from django.conf import settings as django_settings

    from huifang.patients.models import ImportRun

    _require_import(actor)
    if uploaded.size > UPLOAD_LIMIT_BYTES:
        raise ApplicationError(
            "文件超过 512 MB，请拆分后再上传，或用命令行导入", code="file_too_large"
        )
    source = (source or "his").strip()[:50]
    run = ImportRun.objects.create(
        source=source,
        kind=kind,
        encoding=encoding or "auto",
        sheet=sheet,
        file_name=Path(uploaded.name).name[:255],
        created_by=actor,
    )
    folder = Path(django_settings.MEDIA_ROOT) / "imports" / str(run.uuid)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(uploaded.name).suffix.lower()[:10] or ".csv"
    target = folder / f"upload{suffix}"
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    run.file_path = str(target)
    run.file_size = target.stat().st_size
    try:
        _check_readable(target, encoding=run.encoding, sheet=sheet, source=source)
    except ApplicationError:
        # Nothing half-done: no waiting run, no stored file; the page says why.
        shutil.rmtree(folder, ignore_errors=True)
        run.delete()
        raise
    run.save(update_fields=["file_path", "file_size"])
    audit_record(actor=actor, action="create", target=run, changes={"file": run.file_name})
    return run


def _check_readable(path, *, encoding: str, sheet: str, source: str) -> None:
    """Refuse, with the reason, an upload the import could not read at all."""
    from huifang.patients.importing.reader import preview
    from huifang.patients.models import ImportSource

    saved = ImportSource.objects.filter(name=source).first()
    overrides = dict(saved.mapping) if saved else {}
    if path.stat().st_size == 0:
        raise ApplicationError("文件是空的，请检查导出的文件后重新上传", code="empty_file")
    try:
        preview(path, encoding=encoding, sheet=sheet, limit=1, extra_headers=overrides)
    except ApplicationError as exc:
        if exc.details.get("mapping_helps"):  # the web's advice on mapping columns
            raise ApplicationError(
                exc.message + "。请确认上传的是 HIS 导出的 CSV/TSV 或 XLSX 文件且第一行是列名；"
                "列名与常见写法不同时，可请管理员在后台“导入来源”中为该来源设置列对应关系",
                code=exc.code,
            ) from exc
        raise


@transaction.atomic
def import_start(*, actor: User, run, mapping: dict, save_for_source: bool):
    """Fix the column mapping of a waiting run and queue it for the workers."""
    from huifang.patients.importing.mapping import FIELDS, MULTI_COLUMN_FIELDS, check_mapping
    from huifang.patients.models import ImportRun, ImportSource
    from huifang.patients.tasks import import_run_task

    _require_import(actor)
    if run.status != ImportRun.Status.PENDING:
        raise ApplicationError("该导入已开始或已结束", code="import_not_pending", status=409)
    check_mapping(mapping)
    used = [field for field in mapping.values() if field]
    doubled = sorted({f for f in used if used.count(f) > 1 and f not in MULTI_COLUMN_FIELDS})
    if doubled:
        labels = "、".join(FIELDS[f][0] for f in doubled)
        raise ApplicationError(f"同一字段被指定给了多列：{labels}", code="duplicate_mapping")
    if "name" not in used or "encounter_number" not in used:
        raise ApplicationError("必须指定“姓名”和“住院号/门诊号”两列", code="mapping_incomplete")
    run.mapping = mapping
    run.save(update_fields=["mapping"])
    if save_for_source:
        ImportSource.objects.update_or_create(
            name=run.source, defaults={"mapping": mapping, "default_kind": run.kind}
        )
    transaction.on_commit(lambda: import_run_task(run.pk))
    return run


def import_run_execute(*, run_id: int) -> None:
    """Run a queued import (in a worker). A failure is kept on the run with its reason."""
    from pathlib import Path

    from huifang.patients.importing.pipeline import ImportOptions, import_encounters
    from huifang.patients.models import ImportRun

    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    if run.status not in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING):
        return
    options = ImportOptions(
        source=run.source,
        kind=run.kind,
        encoding=run.encoding,
        sheet=run.sheet,
        mapping=run.mapping,
        dry_run=run.dry_run,
        actor=run.created_by,
        output_dir=Path(run.file_path).parent,
    )
    try:
        import_encounters(Path(run.file_path), options, run=run)
    except ApplicationError as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, error=str(exc.message)
        )


def import_runs_mark_interrupted() -> int:
    """Running imports silent for ten minutes are marked failed, with how to complete them."""
    from huifang.patients.importing.pipeline import import_runs_mark_interrupted as mark

    return mark()


def import_file_for_download(*, actor: User, run, which: str):
    """The path of a run's rejects or warnings file; each download is audited."""
    from pathlib import Path

    _require_import(actor)
    path = run.rejects_path if which == "rejects" else run.warnings_path
    if not path or not Path(path).is_file():
        raise ApplicationError("该文件不存在", code="not_found", status=404)
    audit_record(actor=actor, action="export", target=run, field=which)
    return Path(path)


# --- Stop conditions found on a call (numbers that no longer work, opt-outs) ---


@transaction.atomic
def phone_set_status(
    *, actor: User | None, phone: PhoneNumber, status: str, reason: str = ""
) -> PhoneNumber:
    """Mark a phone number valid, invalid (空号/错号), suspended (停机) or unchecked.

    An invalid or suspended number is no longer dialled (``is_usable``).
    Audited with the old and new status and the reason (e.g. the outcome of
    the call that found it); the number itself never goes into the log.
    An unchanged status is neither saved nor audited.
    """
    if status not in PhoneNumber.Status.values:
        raise ApplicationError(
            f"未知的号码状态：{status}", code="unknown_phone_status", details={"status": status}
        )
    before = phone.status
    if before == status:
        return phone
    phone.status = status
    phone.full_clean()
    phone.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        target=phone,
        patient_id=phone.patient_id,
        field="status",
        changes={"status": [before, status], "reason": reason},
    )
    return phone


@transaction.atomic
def patient_opt_out(*, actor: User | None, patient: Patient, channels: list[str]) -> Patient:
    """Add ``channels`` to the ways this patient must not be contacted (退订).

    Channels already listed stay; the change is audited through
    ``patient_update``. Pending work on those channels is cancelled by the
    caller (follow-ups own their tasks).
    """
    from huifang.patients.models import Channel

    unknown = sorted(set(channels) - set(Channel.values))
    if unknown:
        raise ApplicationError(
            f"未知的联系渠道：{', '.join(unknown)}",
            code="unknown_channel",
            details={"channels": unknown},
        )
    current = list(patient.do_not_contact or [])
    added = [channel for channel in dict.fromkeys(channels) if channel not in current]
    if not added:
        return patient
    return patient_update(actor=actor, patient=patient, do_not_contact=current + added)
