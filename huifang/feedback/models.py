"""Feedback cases: complaints, suggestions, praise and clinical escalations."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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

    OPEN = (
        Status.NEW,
        Status.TRIAGED,
        Status.WITH_DEPARTMENT,
        Status.ANSWERED,
        Status.VERIFYING,
        Status.ESCALATED,
    )

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
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("feedback case")
        verbose_name_plural = _("feedback cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["patient", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
