"""SMS and e-mail: templates, messages with their delivery status, opt-outs, campaigns."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from huifang.followups.models import FollowUpTask
from huifang.patients.models import Patient, PhoneNumber


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Category(models.TextChoices):
    CLINICAL = "clinical", _("Clinical reminder")
    SURVEY = "survey", _("Survey invitation")
    EDUCATION = "education", _("Health education")
    GREETING = "greeting", _("Greeting")
    MARKETING = "marketing", _("Marketing")


# Categories that need consent and carry the opt-out instruction (China's SMS rules).
PROMOTIONAL = (Category.GREETING, Category.MARKETING)


class MessageTemplate(models.Model):
    """The text of a kind of message, with ``{placeholders}`` filled per patient."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    provider_template_code = models.CharField(
        _("template code at the SMS provider"),
        max_length=50,
        blank=True,
        help_text=_("Cloud SMS services send only templates they approved, by this code."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class EmailAddress(models.Model):
    """A patient's e-mail address; bounced addresses are no longer written to."""

    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="emails"
    )
    address = models.EmailField(_("e-mail address"))
    is_valid = models.BooleanField(_("deliverable"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        constraints = [
            models.UniqueConstraint(fields=["patient", "address"], name="email_unique_per_patient")
        ]

    def __str__(self) -> str:
        return self.address


class Campaign(models.Model):
    """One template sent to a cohort of patients on a schedule."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        RUNNING = "running", _("Sending")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("template"), on_delete=models.PROTECT
    )
    cohort = models.JSONField(_("cohort"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send from"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One SMS or e-mail to one patient, from queued to delivered (or skipped, with why).

    ``key`` is the idempotency key: one message per purpose (a campaign and
    patient, a follow-up task, a failed call), given to the gateway so a
    resend after a crash is recognised there, and unique here so the same
    purpose never queues twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        DECEASED = "deceased", _("Patient deceased")
        # Not the follow-ups' "opted out" (拒绝随访): here it is 退订.
        OPTED_OUT = "opted_out", pgettext_lazy("message skipped", "Opted out")
        NO_NUMBER = "no_number", _("No valid number or address")
        WEEKLY_CAP = "weekly_cap", _("Weekly message limit reached")
        SENSITIVE = "sensitive", _("Would disclose a sensitive diagnosis")
        CANCELLED = "cancelled", _("Cancelled")

    key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    task = models.ForeignKey(
        FollowUpTask,
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.ForeignKey(
        PhoneNumber,
        verbose_name=_("phone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.ForeignKey(
        EmailAddress,
        verbose_name=_("e-mail address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    context = models.JSONField(_("placeholders"), default=dict, blank=True)
    body = models.TextField(_("text as sent"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    skip_reason = models.CharField(
        _("why skipped"), max_length=20, choices=SkipReason.choices, blank=True
    )
    not_before = models.DateTimeField(_("not before"))
    backend = models.CharField(_("sent through"), max_length=50, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True, db_index=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    segments = models.PositiveSmallIntegerField(_("SMS parts"), default=0)
    # The sender's claim: which batch holds the message, until when.
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["patient", "sent_at"]),
            models.Index(fields=["campaign", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.key} ({self.status})"


class OptOut(models.Model):
    """A patient's refusal of one channel for one category ("" = every category)."""

    class Source(models.TextChoices):
        REPLY = "reply", _("Reply to a message")
        STAFF = "staff", _("Entered by staff")

    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.CASCADE, related_name="opt_outs"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "channel", "category"], name="one_opt_out_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.channel} {self.category or '*'}"


class InboundMessage(models.Model):
    """A reply received through the gateway. The text is kept, never logged."""

    phone = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    backend = models.CharField(max_length=50)
    provider_id = models.CharField(max_length=100, blank=True)
    text = models.CharField(_("text"), max_length=500)
    is_opt_out = models.BooleanField(_("opt-out"), default=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.backend} {self.received_at:%Y-%m-%d %H:%M}"


class RateBucket(models.Model):
    """A token bucket per backend, in the database so every worker shares one limit."""

    backend = models.CharField(max_length=50, unique=True)
    tokens = models.FloatField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.backend
