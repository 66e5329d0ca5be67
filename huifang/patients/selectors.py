"""Reads of patients, scoped by what the acting user may see."""

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.core.errors import NotFound
from huifang.core.errors import PermissionDenied as ApplicationPermissionDenied
from huifang.core.masking import mask_numbers_in_text
from huifang.patients.models import Encounter, Patient, PhoneNumber

_LETTERS = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class PatientFilters:
    q: str = ""
    department_id: int | None = None
    kind: str = ""
    deceased: bool | None = None


def _require_view(user: User) -> None:
    if not user.has_perm("patients.view_patient"):
        raise ApplicationPermissionDenied(_("Your role may not see patient information"))


def patient_scope(user: User) -> QuerySet[Patient]:
    """Patients the user may see: those with an encounter in the user's departments."""
    _require_view(user)
    scope = user_department_scope(user)
    qs = Patient.objects.all()
    if scope is not ALL_DEPARTMENTS:
        qs = qs.filter(
            pk__in=Encounter.objects.filter(department_id__in=scope).values("patient_id")
        )
    return qs


def search_condition(q: str) -> Q | None:
    """How a search box entry matches: name, pinyin, initials, numbers, phone tail."""
    q = unicodedata.normalize("NFKC", q or "").strip()
    if not q:
        return None
    lowered = q.lower().replace(" ", "")
    if _DIGITS.match(q):
        condition = Q(record_number__startswith=q) | Q(
            pk__in=Encounter.objects.filter(number__startswith=q).values("patient_id")
        )
        if len(q) >= 4:
            condition |= Q(
                pk__in=PhoneNumber.objects.filter(number__endswith=q).values("patient_id")
            )
        return condition
    if _LETTERS.match(lowered):
        return (
            Q(name_initials__startswith=lowered)
            | Q(name_pinyin__startswith=lowered)
            | Q(record_number__iexact=q)
            | Q(pk__in=Encounter.objects.filter(number__iexact=q).values("patient_id"))
        )
    return (
        Q(name__contains=q)
        | Q(record_number__iexact=q)
        | Q(pk__in=Encounter.objects.filter(number__iexact=q).values("patient_id"))
    )


def encounters_newest_first(qs: QuerySet[Encounter]) -> QuerySet[Encounter]:
    """Order by the encounter's own date (discharge, else visit, else admission)."""
    return qs.annotate(anchor=Coalesce("discharged_on", "visit_on", "admitted_on")).order_by(
        F("anchor").desc(nulls_last=True), "-id"
    )


def patient_list(*, user: User, filters: PatientFilters) -> QuerySet[Patient]:
    """Patients matching ``filters`` within the user's scope, newest encounter first.

    Each row carries its latest encounter's date, kind and department, and
    its phones prefetched, so a page of results costs a fixed number of queries.
    """
    qs = patient_scope(user)
    condition = search_condition(filters.q)
    if condition is not None:
        qs = qs.filter(condition)
    encounters = Encounter.objects.all()
    filtered_encounters = False
    if filters.department_id:
        encounters = encounters.filter(
            department_id__in=department_descendant_ids([filters.department_id])
        )
        filtered_encounters = True
    if filters.kind:
        encounters = encounters.filter(kind=filters.kind)
        filtered_encounters = True
    if filtered_encounters:
        qs = qs.filter(pk__in=encounters.values("patient_id"))
    if filters.deceased is True:
        qs = qs.filter(deceased_on__isnull=False)
    elif filters.deceased is False:
        qs = qs.filter(deceased_on__isnull=True)

    latest = encounters_newest_first(Encounter.objects.filter(patient_id=OuterRef("pk")))
    return (
        qs.annotate(
            last_encounter_date=Subquery(latest.values("anchor")[:1]),
            last_encounter_kind=Subquery(latest.values("kind")[:1]),
            last_department_name=Subquery(latest.values("department__name")[:1]),
        )
        .prefetch_related(
            Prefetch("phones", queryset=PhoneNumber.objects.order_by("-is_primary", "id"))
        )
        .order_by("-id")
    )


def patient_get(*, user: User, patient_uuid) -> Patient:
    """One patient the user may see, or ``NotFound`` (also when out of scope)."""
    patient = patient_scope(user).filter(uuid=patient_uuid).first()
    if patient is None:
        raise NotFound(_("Patient not found, or you may not see them"))
    return patient


def patient_phones(*, patient: Patient) -> list[PhoneNumber]:
    return list(patient.phones.order_by("-is_primary", "id"))


def patient_phone_get(*, user: User, patient_uuid, phone_id: int) -> PhoneNumber:
    patient = patient_get(user=user, patient_uuid=patient_uuid)
    phone = PhoneNumber.objects.filter(patient=patient, pk=phone_id).select_related("patient")
    found = phone.first()
    if found is None:
        raise NotFound(_("Phone number not found"))
    return found


def patient_latest_encounter(*, patient: Patient) -> Encounter | None:
    """The encounter the patient list calls "last": by its own date, newest first."""
    return encounters_newest_first(patient.encounters.select_related("department")).first()


def patient_encounters(*, user: User, patient: Patient) -> list[Encounter]:
    """The patient's encounters, newest first, with what the timeline shows.

    Every encounter of a visible patient is listed: the timeline is the
    patient's history, and a clinician preparing a call needs previous stays
    in other departments too.
    """
    return list(
        encounters_newest_first(patient.encounters.all())
        .select_related("department", "department__parent")
        .prefetch_related("diagnoses", "procedures", "abnormal_findings")
    )


@dataclass(frozen=True)
class WorkbenchSummary:
    patients: int
    discharged_last_7_days: int
    visits_last_7_days: int
    deceased: int


def workbench_summary(*, user: User, today) -> WorkbenchSummary:
    """Counts for the start page, within the user's scope."""
    from datetime import timedelta

    patients = patient_scope(user)
    scope = user_department_scope(user)
    encounters = Encounter.objects.all()
    if scope is not ALL_DEPARTMENTS:
        encounters = encounters.filter(department_id__in=scope)
    week_ago = today - timedelta(days=7)
    return WorkbenchSummary(
        patients=patients.count(),
        discharged_last_7_days=encounters.filter(
            discharged_on__gte=week_ago, discharged_on__lte=today
        ).count(),
        visits_last_7_days=encounters.filter(
            visit_on__gte=week_ago, visit_on__lte=today, discharged_on__isnull=True
        ).count(),
        deceased=patients.filter(deceased_on__isnull=False).count(),
    )


def import_run_list(*, user: User, limit: int = 50):
    from huifang.patients.models import ImportRun

    if not user.has_perm("patients.import_encounters"):
        raise ApplicationPermissionDenied("您的角色无权导入患者数据")
    return list(ImportRun.objects.select_related("created_by").order_by("-created_at")[:limit])


def import_run_get(*, user: User, run_uuid):
    from huifang.patients.models import ImportRun

    if not user.has_perm("patients.import_encounters"):
        raise ApplicationPermissionDenied("您的角色无权导入患者数据")
    run = ImportRun.objects.filter(uuid=run_uuid).first()
    if run is None:
        raise NotFound("找不到该导入记录")
    return run


# Columns the preview shows as read: the record and encounter numbers staff
# check a file by (not secret; patient lists show them too) and the
# encounter's dates (20261110 is no phone number).
PREVIEW_AS_READ = frozenset(
    {
        "record_number",
        "encounter_number",
        "admitted_on",
        "discharged_on",
        "visit_on",
        "procedure_date",
        "deceased_on",
    }
)
PREVIEW_SAMPLE_ROWS = 3


def import_preview_rows(rows, fields=()) -> list[list]:
    """The first rows of an uploaded file as the preview shows them: numbers masked.

    The file is the HIS's export, phone and ID numbers in full; the preview
    is a list like any other, so every run of digits that could be one of
    them is masked (``mask_numbers_in_text``), in every column but those
    ``fields`` (the field each column is mapped to) maps to
    ``PREVIEW_AS_READ``.
    """
    fields = list(fields)
    return [
        [
            cell
            if index < len(fields) and fields[index] in PREVIEW_AS_READ
            else mask_numbers_in_text(str(cell))
            if isinstance(cell, (str, int))
            else cell
            for index, cell in enumerate(row)
        ]
        for row in rows
    ]


def patient_timeline(*, user: User, patient: Patient, kind: str = ""):
    """The patient's tasks, calls, messages, answers and cases ``user`` may see, newest first.

    The entries come from the apps that hold them (``patients.timeline``);
    each reads a fixed number of rows with one query, scoped by ``user``.
    """
    from huifang.patients import timeline

    return timeline.collect(user=user, patient=patient, kind=kind)


def import_preview_columns(header, fields, rows) -> list[dict]:
    """One entry per column of the file: its header, mapped field and first values, masked.

    The preview lists the file's columns one under the other, so a file of
    twenty columns fits a 1366-pixel screen without scrolling sideways.
    """
    shown = import_preview_rows(rows[:PREVIEW_SAMPLE_ROWS], fields)
    return [
        {
            "index": index,
            "header": column,
            "field": fields[index],
            "samples": [row[index] if index < len(row) else "" for row in shown],
        }
        for index, column in enumerate(header)
    ]
