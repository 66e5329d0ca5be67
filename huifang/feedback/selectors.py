"""Reads of feedback cases, scoped by the acting user's departments."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from huifang.accounts.models import Department
from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.core.masking import mask_id_number, mask_phone
from huifang.feedback.models import Case, CaseAttachment, CaseEvent, Notification


@dataclass(frozen=True)
class CaseFilters:
    kind: str = ""
    status: str = "open"  # "open", "all" or one status
    department_id: int | None = None
    overdue: bool = False


def _in_departments(ids) -> Q:
    """Cases led by, or involving, one of these departments."""
    involved = Case.departments.through.objects.filter(department_id__in=ids).values("case_id")
    return Q(department_id__in=ids) | Q(pk__in=involved)


def _scoped(user) -> QuerySet[Case]:
    if not user.has_perm("feedback.view_case"):
        raise PermissionDenied
    cases = Case.objects.all()
    scope = user_department_scope(user)
    if scope is not ALL_DEPARTMENTS:
        cases = cases.filter(_in_departments(scope))
    return cases


def overdue_q(now: datetime) -> Q:
    return Q(status__in=Case.AWAITING_ANSWER, deadline_at__lt=now)


def _with_overdue(cases: QuerySet[Case], now: datetime) -> QuerySet[Case]:
    return cases.annotate(
        overdue=SqlCase(
            When(overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _for_lists(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("patient", "department", "reported_by", "assigned_to")


def case_list(*, user, filters: CaseFilters) -> QuerySet[Case]:
    """Cases of the user's departments (every department for managers and quality)."""
    cases = _scoped(user)
    now = timezone.now()
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.status == "open":
        cases = cases.filter(status__in=Case.OPEN)
    elif filters.status and filters.status != "all":
        cases = cases.filter(status=filters.status)
    if filters.department_id:
        cases = cases.filter(_in_departments(department_descendant_ids([filters.department_id])))
    if filters.overdue:
        cases = cases.filter(overdue_q(now))
    return _with_overdue(_for_lists(cases), now).order_by("deadline_at", "-created_at", "-id")


def case_open_counts(*, user) -> dict[str, int]:
    """Open escalations and overdue cases in the user's scope (for the start page)."""
    if not user.has_perm("feedback.view_case"):
        return {}
    cases = _scoped(user).filter(status__in=Case.OPEN)
    now = timezone.now()
    counts = cases.aggregate(
        escalations=Count("pk", filter=Q(kind=Case.Kind.ESCALATION)),
        overdue=Count("pk", filter=overdue_q(now)),
        open=Count("pk"),
        # As the inbox counts them: a red flag is disposed of, not answered (counted above).
        to_answer=Count(
            "pk",
            filter=Q(status=Case.Status.WITH_DEPARTMENT) & ~Q(kind=Case.Kind.ESCALATION),
        ),
    )
    if not user.has_perm("feedback.answer_case"):
        counts["to_answer"] = 0
    return counts


def case_list_for_patient(*, user, patient, limit: int = 20) -> list[Case]:
    """The patient's earlier cases the user may see, newest first (the workbench panel)."""
    if not user.has_perm("feedback.view_case"):
        return []
    return list(
        _scoped(user)
        .filter(patient=patient)
        .select_related("department")
        .order_by("-created_at", "-id")[:limit]
    )


def case_get(*, user, case_uuid) -> Case:
    """One case the user may see, with what its page shows; 404 outside the user's scope."""
    case = (
        _scoped(user)
        .select_related(
            "patient",
            "encounter",
            "department",
            "reported_by",
            "answered_by",
            "verification_task",
            "assigned_to",
            "merged_into",
        )
        .prefetch_related(
            "departments",
            "merged_cases",
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
            Prefetch("attachments", queryset=CaseAttachment.objects.select_related("uploaded_by")),
        )
        .filter(uuid=case_uuid)
        .first()
    )
    if case is None:
        raise Http404
    return case


def case_merge_candidates(*, user, case: Case) -> QuerySet[Case]:
    """The same patient's other open cases the user may see: where ``case`` can be merged."""
    if case.patient_id is None:
        return Case.objects.none()
    return (
        _scoped(user)
        .filter(patient_id=case.patient_id, status__in=Case.OPEN)
        .exclude(pk=case.pk)
        .order_by("created_at", "id")
    )


def attachment_get(*, user, case_uuid, attachment_uuid) -> CaseAttachment:
    """An attachment of a case the user may see; 404 otherwise."""
    case = _scoped(user).filter(uuid=case_uuid).first()
    attachment = (
        CaseAttachment.objects.filter(case=case, uuid=attachment_uuid).first() if case else None
    )
    if attachment is None:
        raise Http404
    return attachment


# --- Clinical red flags --------------------------------------------------------------

RED_FLAG_OPEN = (Case.Status.NEW, Case.Status.WITH_DEPARTMENT, Case.Status.ESCALATED)


def case_red_flags_open(*, user, limit: int = 100) -> list[Case]:
    """Open clinical red flags sent to the user by name or in the user's departments.

    The ones sent to the user first, then the oldest first: they head every
    inbox and the clinicians' start page.
    """
    if not user.has_perm("feedback.view_case"):
        return []
    mine = Q(assigned_to=user)
    scope = user_department_scope(user)
    visible = (
        Case.objects.all()
        if scope is ALL_DEPARTMENTS
        else Case.objects.filter(mine | _in_departments(scope))
    )
    now = timezone.now()
    return list(
        _with_overdue(
            visible.filter(kind=Case.Kind.ESCALATION, status__in=RED_FLAG_OPEN)
            .select_related("patient", "department", "reported_by", "assigned_to", "encounter")
            .annotate(
                for_me=SqlCase(
                    When(mine, then=Value(True)), default=Value(False), output_field=BooleanField()
                )
            ),
            now,
        ).order_by("-for_me", "created_at", "id")[:limit]
    )


# --- The department head's inbox -----------------------------------------------------


def inbox(*, user, limit: int = 100) -> dict[str, list[Case]]:
    """The head's own departments: cases waiting for their answer (overdue first), and answered ones."""
    if not user.has_perm("feedback.answer_case"):
        raise PermissionDenied
    now = timezone.now()
    cases = _with_overdue(_for_lists(_scoped(user)), now)
    return {
        "red_flags": case_red_flags_open(user=user, limit=limit),
        "to_answer": list(
            cases.filter(status=Case.Status.WITH_DEPARTMENT)
            .exclude(kind=Case.Kind.ESCALATION)
            .order_by("deadline_at", "id")[:limit]
        ),
        "answered": list(
            cases.filter(status__in=(Case.Status.ANSWERED, Case.Status.VERIFYING)).order_by(
                "-answered_at", "-id"
            )[:limit]
        ),
        "recently_closed": list(
            cases.filter(
                status=Case.Status.CLOSED, closed_at__gte=now - timedelta(days=30)
            ).order_by("-closed_at", "-id")[:limit]
        ),
    }


# --- The service manager's board -----------------------------------------------------

BOARD_COLUMNS = ("new", "with_departments", "overdue", "answered", "verifying", "escalated")


def board(*, user, limit: int = 50) -> dict[str, dict]:
    """The manager's board: new, waiting on departments, overdue, answered, verifying, escalated.

    Each column: its ``count`` and its first ``limit`` cases (the most urgent first).
    """
    if not user.has_perm("feedback.triage_case"):
        raise PermissionDenied
    now = timezone.now()
    cases = _with_overdue(_for_lists(_scoped(user)), now)
    S = Case.Status
    columns = {
        "new": cases.filter(status__in=(S.NEW, S.TRIAGED)).order_by("created_at", "id"),
        "with_departments": cases.filter(status=S.WITH_DEPARTMENT)
        .exclude(overdue_q(now))
        .order_by("deadline_at", "id"),
        "overdue": cases.filter(overdue_q(now)).order_by("deadline_at", "id"),
        "answered": cases.filter(status=S.ANSWERED).order_by("answered_at", "id"),
        "verifying": cases.filter(status=S.VERIFYING).order_by("updated_at", "id"),
        "escalated": cases.filter(status=S.ESCALATED).order_by("updated_at", "id"),
    }
    counts = _scoped(user).aggregate(
        new=Count("pk", filter=Q(status__in=(S.NEW, S.TRIAGED))),
        with_departments=Count("pk", filter=Q(status=S.WITH_DEPARTMENT) & ~overdue_q(now)),
        overdue=Count("pk", filter=overdue_q(now)),
        answered=Count("pk", filter=Q(status=S.ANSWERED)),
        verifying=Count("pk", filter=Q(status=S.VERIFYING)),
        escalated=Count("pk", filter=Q(status=S.ESCALATED)),
    )
    return {key: {"count": counts[key], "cases": list(qs[:limit])} for key, qs in columns.items()}


# --- The quality office's overview -------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department | None
    received: int = 0
    open: int = 0
    overdue: int = 0
    answered_late: int = 0
    closed: int = 0
    satisfied: int = 0
    partly: int = 0
    not_satisfied: int = 0

    @property
    def satisfied_rate(self) -> float | None:
        verified = self.satisfied + self.partly + self.not_satisfied
        return round(100 * self.satisfied / verified, 1) if verified else None


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end, time.min)),
    )


def overview(*, user, month: date) -> dict:
    """Per lead department: cases received in ``month``, open, overdue, late answers, verdicts.

    With the cases escalated and those reported overdue, hospital-wide.
    """
    if not user.has_perm("feedback.oversee_cases"):
        raise PermissionDenied
    now = timezone.now()
    start, end = _month_bounds(month)
    V = Case.Verification
    rows = (
        _scoped(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("department_id")
        .annotate(
            received=Count("pk"),
            open=Count("pk", filter=Q(status__in=Case.OPEN)),
            overdue=Count("pk", filter=overdue_q(now)),
            answered_late=Count(
                "pk",
                filter=Q(answered_at__isnull=False, deadline_at__lt=F("answered_at")),
            ),
            closed=Count("pk", filter=Q(status=Case.Status.CLOSED)),
            satisfied=Count("pk", filter=Q(verification_result=V.SATISFIED)),
            partly=Count("pk", filter=Q(verification_result=V.PARTLY)),
            not_satisfied=Count("pk", filter=Q(verification_result=V.NOT_SATISFIED)),
        )
        .order_by()
    )
    departments = Department.objects.in_bulk(
        [r["department_id"] for r in rows if r["department_id"]]
    )
    table = [
        DepartmentRow(
            department=departments.get(r["department_id"]),
            **{k: v for k, v in r.items() if k != "department_id"},
        )
        for r in rows
    ]
    table.sort(key=lambda row: (-row.overdue, -row.received))
    attention = _with_overdue(_for_lists(_scoped(user)), now)
    return {
        "rows": table,
        "totals": DepartmentRow(
            department=None,
            **{
                key: sum(getattr(row, key) for row in table)
                for key in (
                    "received",
                    "open",
                    "overdue",
                    "answered_late",
                    "closed",
                    "satisfied",
                    "partly",
                    "not_satisfied",
                )
            },
        ),
        "escalated": list(
            attention.filter(status=Case.Status.ESCALATED).order_by("updated_at", "id")[:50]
        ),
        "overdue": list(attention.filter(overdue_q(now)).order_by("deadline_at", "id")[:50]),
    }


# --- The monthly department notice ---------------------------------------------------


@dataclass
class NoticeSection:
    department: Department
    cases: list[Case] = field(default_factory=list)

    @property
    def late(self) -> int:
        return sum(1 for case in self.cases if case.days_late)

    @property
    def open(self) -> int:
        return sum(1 for case in self.cases if case.is_open)


def _days_late(case: Case, now: datetime) -> int:
    """Calendar days the answer came (or is still) after the deadline; 0 when on time."""
    if case.deadline_at is None:
        return 0
    answered = case.answered_at or (now if case.status in Case.AWAITING_ANSWER else None)
    if answered is None or answered <= case.deadline_at:
        return 0
    late = answered - case.deadline_at
    return late.days + (1 if late.seconds or late.microseconds else 0)


def notice(*, user, month: date, department_id: int | None = None) -> list[NoticeSection]:
    """Per lead department in the user's scope: its cases received in ``month``, status and lateness.

    Wards report under their department (the department head's unit).
    """
    if not user.has_perm("feedback.view_notice"):
        raise PermissionDenied
    now = timezone.now()
    start, end = _month_bounds(month)
    cases = _for_lists(_scoped(user)).filter(created_at__gte=start, created_at__lt=end)
    if department_id:
        cases = cases.filter(_in_departments(department_descendant_ids([department_id])))
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    kinds = dict(Department.objects.values_list("pk", "kind"))

    def unit(pk):
        # The department a ward belongs to.
        while pk is not None and kinds.get(pk) == Department.Kind.WARD and parents.get(pk):
            pk = parents[pk]
        return pk

    sections: dict[int | None, NoticeSection] = {}
    units = {}
    for case in cases.order_by("created_at", "id"):
        case.days_late = _days_late(case, now)
        key = unit(case.department_id)
        if key not in units:
            units[key] = Department.objects.filter(pk=key).first() if key else None
        if key not in sections:
            sections[key] = NoticeSection(department=units[key])
        sections[key].cases.append(case)
    return sorted(
        sections.values(),
        key=lambda s: (
            s.department is None,
            getattr(s.department, "sort_order", 0),
            str(s.department),
        ),
    )


# --- Notifications --------------------------------------------------------------------


def notification_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(*, user, limit: int = 100) -> list[Notification]:
    """The user's notifications, newest first (unread ones first among equals)."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("case", "case__department")
        .order_by("read_at", "-created_at", "-id")[:limit]
    )


# --- Excerpts for reports --------------------------------------------------------------

EXCERPT_LENGTH = 60
_SEVERITY_RANK = {
    Case.Severity.CRITICAL: 0,
    Case.Severity.HIGH: 1,
    Case.Severity.NORMAL: 2,
    Case.Severity.LOW: 3,
}
# A run of 7 or more digits (spaces and hyphens inside allowed, an ID number's
# final X too): a phone or ID number written into the description.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMBER_RUN = re.compile(r"\+?\d[\d \-]{5,}\d[Xx]?|\d{17}[Xx]")


def _phone_shaped(digits: str) -> bool:
    """A mobile (1xx xxxx xxxx), a landline with its area code (0xx…), or either after +86."""
    if digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    return (len(digits) == 11 and digits.startswith("1")) or (
        digits.startswith("0") and 10 <= len(digits) <= 12
    )


def _mask_numbers(text: str) -> str:
    def mask(match: re.Match) -> str:
        raw = match.group(0)
        compact = re.sub(r"[ \-]", "", raw)
        digits = re.sub(r"\D", "", compact)
        if len(compact) in (15, 18) and compact[:-1].isdigit():
            return mask_id_number(compact)
        # Spaced or hyphenated groups are masked only when shaped like a phone
        # number, so dates (2026-11-16) and amounts stay readable.
        if (compact == raw.lstrip("+") and len(digits) >= 7) or _phone_shaped(digits):
            return mask_phone(compact)
        return raw

    return _NUMBER_RUN.sub(mask, text.translate(_FULL_WIDTH_DIGITS))


def description_excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a description on one line, phone and ID numbers masked (138****5678)."""
    flat = " ".join(_mask_numbers(text or "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class CaseExcerpt:
    """A case as a report lists it: no patient, no numbers, the description's start."""

    kind: str
    category: str
    severity: str
    department: str
    excerpt: str
    status: str
    status_code: str
    opened_on: date


def case_excerpts(*, cases: QuerySet[Case], kind: str, limit: int) -> list[CaseExcerpt]:
    """The first ``limit`` cases of ``kind`` among ``cases`` (already scoped by the caller).

    Most severe first, then the newest; labels in the active language. One query.
    """
    rank = SqlCase(
        *(When(severity=severity, then=Value(n)) for severity, n in _SEVERITY_RANK.items()),
        default=Value(9),
    )
    rows = (
        cases.filter(kind=kind)
        .select_related("department")
        .only(
            "kind",
            "category",
            "severity",
            "description",
            "status",
            "created_at",
            "department__name",
        )
        .annotate(severity_rank=rank)
        .order_by("severity_rank", "-created_at", "-id")[:limit]
    )
    return [
        CaseExcerpt(
            kind=case.get_kind_display(),
            category=case.get_category_display() if case.category else "",
            severity=case.get_severity_display(),
            department=case.department.name if case.department else "",
            excerpt=description_excerpt(case.description),
            status=case.get_status_display(),
            status_code=case.status,
            opened_on=timezone.localtime(case.created_at).date(),
        )
        for case in rows
    ]


_CASE_TONES = {
    Case.Status.CLOSED: "success",
    Case.Status.ESCALATED: "danger",
    Case.Status.WITHDRAWN: "secondary",
}


def case_timeline_for_patient(*, user, patient, limit: int) -> list:
    """The patient's cases the user may see, for the patient page's timeline (one query)."""
    from huifang.core.masking import mask_numbers_in_text
    from huifang.patients.timeline import TimelineEntry

    if not user.has_perm("feedback.view_case"):
        return []
    cases = (
        _scoped(user)
        .filter(patient=patient)
        .select_related("department")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=case.created_at,
            kind="case",
            title=" · ".join(
                part
                for part in (
                    case.get_kind_display(),
                    case.get_category_display(),
                    case.department.name if case.department else "",
                )
                if part
            ),
            detail=mask_numbers_in_text(case.description)[:200],
            status=case.get_status_display(),
            tone=_CASE_TONES.get(case.status, "primary"),
            url=reverse("feedback:case_detail", args=[case.uuid]),
        )
        for case in cases
    ]
