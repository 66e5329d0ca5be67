"""Writes of feedback cases. The loop (triage, department reply, verification) builds on these."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import Department
from huifang.core import calendar
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record
from huifang.feedback.models import Case
from huifang.patients.models import Encounter, Patient

# Working days a department has to answer (complaint rules: 5, 10 when several are involved).
ANSWER_WORKING_DAYS = 5


def case_deadline(*, kind: str, received_at: datetime) -> datetime | None:
    """When the department's answer is due.

    A clinical escalation: ``HUIFANG_ESCALATION_HOURS`` after it was raised.
    A complaint or suggestion: the end of the 5th working day after the day
    it was received (the day itself not counted). Praise needs no answer.
    """
    if kind == Case.Kind.ESCALATION:
        return received_at + timedelta(hours=settings.HUIFANG_ESCALATION_HOURS)
    if kind == Case.Kind.PRAISE:
        return None
    received_on = timezone.localtime(received_at).date()
    last_day = calendar.add_working_days(received_on + timedelta(days=1), ANSWER_WORKING_DAYS)
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


def case_create(
    *,
    actor,
    kind: str,
    source: str,
    description: str,
    category: str = "",
    severity: str = Case.Severity.NORMAL,
    patient: Patient | None = None,
    encounter: Encounter | None = None,
    department: Department | None = None,
    task=None,
    attempt=None,
    now: datetime | None = None,
) -> Case:
    """Record a complaint, suggestion, praise or clinical escalation; audited.

    The department defaults to the encounter's; the deadline follows
    ``case_deadline``. Raises ``ApplicationError`` (``description_required``,
    ``invalid_case``) when the capture is incomplete.
    """
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise ApplicationError(
            _("Describe the complaint, suggestion or condition in a sentence or two."),
            code="description_required",
            details={"kind": kind},
        )
    if kind == Case.Kind.ESCALATION and not category:
        category = Case.Category.CLINICAL
    if encounter is not None and department is None:
        department = encounter.department
    if encounter is not None and patient is None:
        patient = encounter.patient
    case = Case(
        kind=kind,
        source=source,
        description=description,
        category=category or Case.Category.OTHER,
        severity=severity or Case.Severity.NORMAL,
        patient=patient,
        encounter=encounter,
        department=department,
        task=task,
        attempt=attempt,
        deadline_at=case_deadline(kind=kind, received_at=now),
        reported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        case.full_clean()
    except Exception as exc:  # ValidationError: report which fields, in the API's shape
        raise ApplicationError(
            _("The case is not complete: %(fields)s.")
            % {"fields": ", ".join(sorted(getattr(exc, "message_dict", {}) or ["?"]))},
            code="invalid_case",
            details={"errors": getattr(exc, "message_dict", {})},
        ) from exc
    with transaction.atomic():
        case.save()
        audit_record(
            actor=actor,
            action="create",
            target=case,
            patient_id=patient.pk if patient is not None else None,
            changes={
                "kind": case.kind,
                "source": case.source,
                "category": case.category,
                "severity": case.severity,
                "department": department.code if department is not None else None,
                "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
            },
        )
    return case
