"""Feedback cases: complaints, suggestions, praise and clinical escalations.

A case travels new → triaged → with the department → answered → verifying →
closed (or escalated / withdrawn); every step is a ``CaseEvent`` on its
timeline. Nothing here is ever deleted.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from huifang.accounts.models import Department
from huifang.patients.models import Encounter, Patient


class Case(models.Model):
    """One piece of feedback or one escalation, from capture until it is closed."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        PRAISE = "praise", _("Praise")
        ESCALATION = "escalation", _("Clinical escalation")

    class Source(models.TextChoices):
        AGENT = "agent", _("Follow-up call")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire answer")
        HOTLINE = "hotline", _("Hotline")
        WALK_IN = "walk_in", _("Walk-in")
        TRANSFER_12345 = "12345", _("12345 transfer")
        API = "api", _("Hospital system (API)")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        TRIAGED = "triaged", _("Triaged")
        WITH_DEPARTMENT = "with_department", _("With the department")
        ANSWERED = "answered", _("Answered")
        VERIFYING = "verifying", _("Verifying with the patient")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged into another case")

    OPEN = (
        Status.NEW,
        Status.TRIAGED,
        Status.WITH_DEPARTMENT,
        Status.ANSWERED,
        Status.VERIFYING,
        Status.ESCALATED,
    )
    # The deadline is for the department's answer: only these can be late.
    AWAITING_ANSWER = (Status.NEW, Status.TRIAGED, Status.WITH_DEPARTMENT, Status.ESCALATED)

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        LETTER = "letter", _("Letter")
        ONLINE = "online", _("Online or app")
        SURVEY = "survey", _("Questionnaire")
        OTHER = "other", _("Other way")

    class Verification(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        PARTLY = "partly", _("Partly satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")

    class Category(models.TextChoices):
        ATTITUDE = "attitude", _("Attitude")
        TECHNIQUE = "technique", _("Medical technique")
        COST = "cost", _("Cost")
        ENVIRONMENT = "environment", _("Environment")
        PROCESS = "process", _("Process")
        PRIVACY = "privacy", _("Privacy")
        COMMUNICATION = "communication", _("Communication")
        FACILITIES = "facilities", _("Facilities")
        FOOD = "food", _("Food")
        CLINICAL = "clinical", _("Clinical condition")
        OTHER = "other", _("Other")

    class Disposition(models.TextChoices):
        """What became of a clinical red flag (the doctor's disposition)."""

        SEEN = "seen", _("Patient seen by a doctor")
        ADVISED_VISIT = "advised_visit", _("Advised to come to hospital")
        ADMITTED = "admitted", _("Admitted")
        PHONE_ADVICE = "phone_advice", _("Advice by phone, no visit needed")

    class CallerRelation(models.TextChoices):
        SELF = "self", _("The patient")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Son or daughter")
        PARENT = "parent", _("Parent")
        RELATIVE = "relative", _("Other relative")
        OTHER = "other", pgettext_lazy("caller relation", "Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    patient = models.ForeignKey(
        Patient,
        verbose_name=_("patient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    encounter = models.ForeignKey(
        Encounter,
        verbose_name=_("encounter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        "followups.FollowUpTask",
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempt = models.ForeignKey(
        "followups.ContactAttempt",
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The lead department (the one that answers); ``departments`` holds every
    # department involved, the lead among them (several: a longer deadline).
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments involved"), blank=True, related_name="+"
    )
    staff_named = models.CharField(_("staff named"), max_length=200, blank=True)
    # A clinical red flag goes to the attending doctor by name (matched to a clinician).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("doctor responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who called the hotline (not necessarily the patient, nor a patient on record).
    caller_name = models.CharField(_("caller's name"), max_length=50, blank=True)
    caller_phone = models.CharField(_("caller's phone (E.164)"), max_length=20, blank=True)
    caller_relation = models.CharField(
        _("caller's relation to the patient"),
        max_length=20,
        choices=CallerRelation.choices,
        blank=True,
    )
    reference_12345 = models.CharField(_("12345 reference number"), max_length=40, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    description = models.TextField(_("description"))
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The department's answer.
    reply = models.TextField(_("reply to the patient"), blank=True)
    cause = models.TextField(_("cause found"), blank=True)
    rectification = models.TextField(_("rectification"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A clinical red flag's disposition: what was done, by whom, when.
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, blank=True
    )
    disposition_note = models.TextField(_("what was done"), blank=True)
    disposed_by_name = models.CharField(_("done by"), max_length=50, blank=True)
    disposed_on = models.DateTimeField(_("done on"), null=True, blank=True)
    # A case merged into another (same patient): closed, its timeline kept.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    # The verification with the patient.
    verification_task = models.ForeignKey(
        "followups.FollowUpTask",
        verbose_name=_("verification call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verification_result = models.CharField(
        _("verification result"), max_length=20, choices=Verification.choices, blank=True
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Set by the periodic job, so each reminder and escalation goes out once.
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    overdue_escalated_at = models.DateTimeField(_("overdue, escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("feedback case")
        verbose_name_plural = _("feedback cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["patient", "created_at"]),
            models.Index(fields=["status", "deadline_at"]),
        ]
        permissions = [
            ("triage_case", "Can triage cases and forward them to departments"),
            ("answer_case", "Can answer cases of own departments"),
            ("verify_case", "Can verify answered cases with the patient"),
            ("close_case", "Can close cases"),
            ("reopen_case", "Can reopen closed cases"),
            ("escalate_case", "Can escalate cases"),
            ("withdraw_case", "Can record a case withdrawn"),
            ("merge_case", "Can merge a case into another of the same patient"),
            ("dispose_case", "Can record the disposition of a clinical red flag"),
            ("view_notice", "Can view the monthly department notice"),
            ("oversee_cases", "Can view the quality overview of cases"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @property
    def number(self) -> str:
        """How staff refer to a case: #N."""
        return f"#{self.pk}"

    @property
    def is_red_flag(self) -> bool:
        return self.kind == self.Kind.ESCALATION

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, now) -> bool:
        return (
            self.status in self.AWAITING_ANSWER
            and self.deadline_at is not None
            and self.deadline_at < now
        )

    @property
    def answered_late(self) -> bool:
        return bool(self.answered_at and self.deadline_at and self.answered_at > self.deadline_at)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("case events are append-only")

    def delete(self):
        raise ValueError("case events are append-only")


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what when, and the status it moved between."""

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("case event", "Recorded")
        TRIAGED = "triaged", _("Triaged")
        ASSIGNED = "assigned", _("Forwarded to the department")
        ANSWERED = "answered", _("Answered by the department")
        RETURNED = "returned", _("Answer sent back")
        VERIFICATION_STARTED = "verification_started", _("Verification call planned")
        VERIFIED = "verified", _("Verified with the patient")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        ESCALATED = "escalated", _("Escalated")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged into another case")
        MERGED_IN = "merged_in", _("Another case merged into this one")
        DISPOSED = "disposed", _("Clinical disposition recorded")
        JOINED = "joined", _("Questionnaire answer added")
        ATTACHED = "attached", _("Attachment added")
        REMINDED = "reminded", _("Reminder sent")
        OVERDUE = "overdue", _("Overdue: reported to the office")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Case.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=Case.Status.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def _attachment_path(instance, filename: str) -> str:
    # A random name: the original (which may hold a patient's name) stays in the row.
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"feedback/{instance.case.uuid}/{uuid.uuid4().hex}{extension}"


class CaseAttachment(models.Model):
    """A photo or document kept with a case; served only to those who may see the case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DeadlineRule(models.Model):
    """How long a department has to answer, by category and severity (blank: any).

    The most specific active rule wins (category and severity, then
    category, then severity, then the general rule). ``hours`` set: the
    deadline is that many hours (clinical escalations); else working days,
    more when several departments are involved.
    """

    category = models.CharField(
        _("category"), max_length=20, choices=Case.Category.choices, blank=True
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Case.Severity.choices, blank=True
    )
    working_days_one = models.PositiveSmallIntegerField(
        _("working days, one department"), default=5
    )
    working_days_several = models.PositiveSmallIntegerField(
        _("working days, several departments"), default=10
    )
    hours = models.PositiveSmallIntegerField(
        _("hours (instead of working days)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["category", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"], name="one_deadline_rule_per_category_severity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display() or '*'} / {self.get_severity_display() or '*'}"


class Notification(models.Model):
    """An in-app message to someone who must act on a case."""

    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("A new case to triage")
        ASSIGNED = "assigned", _("A case for your department")
        ANSWERED = "answered", _("A department answered")
        REMINDER = "reminder", _("A case is due soon")
        OVERDUE = "overdue", _("A case is overdue")
        ESCALATED = "escalated", _("A case was escalated")
        REOPENED = "reopened", _("A case was reopened")
        VERIFIED = "verified", _("The patient was called back")
        RED_FLAG = "red_flag", _("Clinical red flag")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="feedback_notifications",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("sent"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.case_id}"
