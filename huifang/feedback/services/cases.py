"""Capturing cases, their deadlines, attachments, and the timeline helper the steps share."""

import mimetypes
import os
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import Department
from huifang.core import calendar
from huifang.core.errors import ApplicationError, PermissionDenied
from huifang.core.services import audit_record
from huifang.feedback.models import Case, CaseAttachment, CaseEvent, DeadlineRule, Notification
from huifang.feedback.services import notifications
from huifang.patients.models import Encounter, Patient

# When no deadline rule is on file (complaint rules: 5 working days, 10 when several are involved).
ANSWER_WORKING_DAYS = 5
ANSWER_WORKING_DAYS_SEVERAL = 10

# Attachments: photos of the place, letters, receipts.
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}


def deadline_rule_for(*, category: str, severity: str) -> DeadlineRule | None:
    """The most specific active rule: category and severity, category, severity, then general."""
    rules = DeadlineRule.objects.filter(
        is_active=True, category__in=[category or "", ""], severity__in=[severity or "", ""]
    )
    return max(rules, key=lambda r: (bool(r.category), bool(r.severity)), default=None)


def case_deadline(
    *,
    kind: str,
    received_at: datetime,
    category: str = "",
    severity: str = "",
    departments: int = 1,
) -> datetime | None:
    """When the department's answer is due.

    A clinical escalation: the rule's hours, else ``HUIFANG_ESCALATION_HOURS``
    after it was raised. Otherwise the deadline rule for the category and
    severity (``DeadlineRule``; admin-editable): hours when it gives hours,
    else the end of the Nth working day after the day the case was received
    (the day itself not counted; 5 for one department, 10 for several by
    default). Praise needs no answer.
    """
    if kind == Case.Kind.PRAISE:
        return None
    rule = deadline_rule_for(category=category, severity=severity)
    if kind == Case.Kind.ESCALATION or (rule is not None and rule.hours):
        hours = rule.hours if rule is not None and rule.hours else settings.HUIFANG_ESCALATION_HOURS
        return received_at + timedelta(hours=hours)
    several = departments > 1
    if rule is not None:
        days = rule.working_days_several if several else rule.working_days_one
    else:
        days = ANSWER_WORKING_DAYS_SEVERAL if several else ANSWER_WORKING_DAYS
    received_on = timezone.localtime(received_at).date()
    last_day = calendar.add_working_days(received_on + timedelta(days=1), max(1, days))
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


def event_record(
    *,
    case: Case,
    actor,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Append a line to the case's timeline (never changed afterwards)."""
    return CaseEvent.objects.create(
        case=case,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _caller_phone(raw: str) -> str:
    from huifang.core.phones import InvalidPhoneNumber, normalize_phone

    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return normalize_phone(raw)[0]
    except InvalidPhoneNumber as exc:
        raise ApplicationError(
            _("The caller's phone number is not a number we can call: check the digits."),
            code="invalid_phone",
        ) from exc


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
    departments: list[Department] | None = None,
    staff_named: str = "",
    channel: str = "",
    task=None,
    attempt=None,
    caller_name: str = "",
    caller_phone: str = "",
    caller_relation: str = "",
    reference_12345: str = "",
    now: datetime | None = None,
) -> Case:
    """Record a complaint, suggestion, praise or clinical escalation; audited.

    A hotline or 12345 case may name the caller (who need not be a patient
    on record): name, phone (stored E.164; ``invalid_phone`` when it is not
    a number), relation to the patient, and the 12345 reference number
    (required for a 12345 transfer: ``reference_required``).

    The department defaults to the encounter's; the deadline follows
    ``case_deadline``. A clinical escalation goes straight to its
    department (no triage: the doctor must hear of it within hours) and its
    heads are notified; any other case waits for the service manager's
    triage, and the managers are notified. Raises ``ApplicationError``
    (``description_required``, ``invalid_case``) when the capture is incomplete.
    """
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise ApplicationError(
            _("Describe the complaint, suggestion or condition in a sentence or two."),
            code="description_required",
            details={"kind": kind},
        )
    caller_phone = _caller_phone(caller_phone)
    reference_12345 = (reference_12345 or "").strip()
    if source == Case.Source.TRANSFER_12345 and not reference_12345:
        raise ApplicationError(
            _("Enter the 12345 reference number of the transferred case."),
            code="reference_required",
        )
    if kind == Case.Kind.ESCALATION and not category:
        category = Case.Category.CLINICAL
    if encounter is not None and department is None:
        department = encounter.department
    if encounter is not None and patient is None:
        patient = encounter.patient
    involved = {d.pk: d for d in (departments or [])}
    if department is None and involved:
        department = next(iter(involved.values()))
    if department is not None:
        involved.setdefault(department.pk, department)
    if not channel:
        channel = {
            Case.Source.QUESTIONNAIRE: Case.Channel.SURVEY,
            Case.Source.WALK_IN: Case.Channel.IN_PERSON,
            Case.Source.API: Case.Channel.OTHER,
        }.get(source, Case.Channel.PHONE)
    straight_to_department = kind == Case.Kind.ESCALATION and department is not None
    doctor = (
        notifications.attending_clinician(encounter)
        if kind == Case.Kind.ESCALATION and encounter is not None
        else None
    )
    case = Case(
        kind=kind,
        source=source,
        description=description,
        category=category or Case.Category.OTHER,
        severity=severity or Case.Severity.NORMAL,
        patient=patient,
        encounter=encounter,
        department=department,
        staff_named=(staff_named or "").strip(),
        channel=channel,
        task=task,
        attempt=attempt,
        status=Case.Status.WITH_DEPARTMENT if straight_to_department else Case.Status.NEW,
        assigned_to=doctor,
        caller_name=(caller_name or "").strip(),
        caller_phone=caller_phone,
        caller_relation=caller_relation or "",
        reference_12345=reference_12345,
        reported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    case.deadline_at = case_deadline(
        kind=kind,
        received_at=now,
        category=case.category,
        severity=case.severity,
        departments=len(involved) or 1,
    )
    try:
        case.full_clean()
    except ValidationError as exc:  # report which fields, in the API's shape
        raise ApplicationError(
            _("The case is not complete: %(fields)s.")
            % {"fields": ", ".join(sorted(getattr(exc, "message_dict", {}) or ["?"]))},
            code="invalid_case",
            details={"errors": getattr(exc, "message_dict", {})},
        ) from exc
    with transaction.atomic():
        case.save()
        if involved:
            case.departments.set(list(involved.values()))
        event_record(case=case, actor=actor, action="created", to_status=case.status, at=now)
        if straight_to_department:
            event_record(
                case=case,
                actor=None,
                action="assigned",
                from_status=Case.Status.NEW,
                to_status=case.status,
                note=(
                    _("Clinical red flag: to the attending doctor %(name)s.") % {"name": doctor}
                    if doctor is not None
                    else _("Clinical escalations go to the department at once.")
                ),
                data={"assigned_to": doctor.pk} if doctor is not None else None,
                at=now,
            )
            notifications.notifications_send(
                case=case,
                kind=Notification.Kind.RED_FLAG,
                recipients=[doctor, *notifications.department_heads(case)],
                now=now,
            )
        else:
            notifications.notifications_send(
                case=case,
                kind=Notification.Kind.NEW_CASE,
                recipients=notifications.service_managers(),
                now=now,
            )
        audit_record(
            actor=actor,
            action="create",
            target=case,
            patient_id=patient.pk if patient is not None else None,
            changes={
                "kind": case.kind,
                "source": case.source,
                "channel": case.channel,
                "category": case.category,
                "severity": case.severity,
                "status": case.status,
                "department": department.code if department is not None else None,
                "assigned_to": doctor.pk if doctor is not None else None,
                "caller_phone": "***" if caller_phone else None,
                "reference_12345": reference_12345 or None,
                "departments": sorted(d.code for d in involved.values()),
                "deadline_at": case.deadline_at.isoformat() if case.deadline_at else None,
            },
        )
    return case


def attachment_add(*, actor, case: Case, upload) -> CaseAttachment:
    """Keep a photo or document with the case (images, PDF, Office, text; size-limited).

    Stored under MEDIA with a random name through Django's storage; served
    only through the case page's access check. Raises ``ApplicationError``
    ``attachment_type`` or ``attachment_too_large``; ``PermissionDenied``
    without the permission or outside the user's departments.
    """
    from huifang.feedback.workflow import in_own_department

    if not actor.has_perm("feedback.add_caseattachment") or not in_own_department(actor, case):
        raise PermissionDenied(_("Your role may not add attachments to this case."))
    name = os.path.basename(upload.name or "")[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in ATTACHMENT_TYPES:
        raise ApplicationError(
            _("Attach a photo (JPG, PNG) or a document (PDF, Word, Excel, text)."),
            code="attachment_type",
            details={"name": name},
        )
    limit = settings.HUIFANG_FEEDBACK_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.HUIFANG_FEEDBACK_ATTACHMENT_MAX_MB},
            code="attachment_too_large",
            details={"size": upload.size},
        )
    attachment = CaseAttachment(
        case=case,
        original_name=name,
        content_type=ATTACHMENT_TYPES.get(extension)
        or mimetypes.guess_type(name)[0]
        or "application/octet-stream",
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    with transaction.atomic():
        attachment.file.save(name, upload, save=False)
        attachment.save()
        event_record(
            case=case,
            actor=actor,
            action="attached",
            note=name,
            data={"attachment": str(attachment.uuid)},
        )
        audit_record(
            actor=actor,
            action="create",
            target=attachment,
            patient_id=case.patient_id,
            changes={"case": str(case.uuid), "size": attachment.size, "type": extension},
        )
    return attachment


def case_caller_phone_reveal(*, actor, case: Case) -> str:
    """The caller's full number, to call them back; for roles that may see numbers, audited."""
    if not actor.has_perm("patients.reveal_phone"):
        raise PermissionDenied(_("Your role may not see the full phone number."))
    audit_record(
        actor=actor,
        action="reveal",
        target=case,
        patient_id=case.patient_id,
        field="caller_phone",
    )
    return case.caller_phone
