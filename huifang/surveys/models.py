"""Questionnaires (versioned), their items, dispatches and responses.

A questionnaire is identified by its ``code``; each edit of an active
version is made on a new draft version, so a response always points at the
exact version its patient saw.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from huifang.followups.models import FollowUpTask
from huifang.patients.models import Encounter, Patient


class Dimension(models.TextChoices):
    DOCTORS = "doctors", _("Doctors")
    NURSES = "nurses", _("Nurses")
    ATTITUDE = "attitude", _("Service attitude")
    TECHNIQUE = "technique", _("Technical skill")
    EDUCATION = "education", _("Health education")
    COST = "cost", _("Costs and billing")
    ENVIRONMENT = "environment", _("Environment and hygiene")
    FOOD = "food", _("Food")
    PROCESS = "process", _("Process and waiting")
    ETHICS = "ethics", _("Professional ethics")
    ADMIN_STAFF = "admin_staff", _("Administrative staff")
    OVERALL = "overall", _("Overall")


class ItemKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SATISFACTION5 = "satisfaction5", _("Satisfaction, five levels")
    SATISFACTION3 = "satisfaction3", _("Satisfaction, three levels")
    FREQUENCY4 = "frequency4", _("Frequency, four levels")
    RATING10 = "rating10", _("Rating 0–10")
    YESNO = "yesno", _("Yes / no")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    TEXT = "text", _("Free text")


# The fixed scales: (stored value, label). Labels are translated; the
# Chinese catalogue holds the wording patients read (非常满意 … 不满意).
SCALES = {
    ItemKind.SATISFACTION5: [
        (5, _("Very satisfied")),
        (4, _("Satisfied")),
        (3, _("Neutral")),
        (2, _("Not very satisfied")),
        (1, _("Dissatisfied")),
    ],
    ItemKind.SATISFACTION3: [
        (3, pgettext_lazy("three-level scale", "Satisfied")),
        (2, _("Basically satisfied")),
        (1, pgettext_lazy("three-level scale", "Dissatisfied")),
    ],
    ItemKind.FREQUENCY4: [
        (1, pgettext_lazy("frequency scale", "Never")),
        (2, pgettext_lazy("frequency scale", "Sometimes")),
        (3, pgettext_lazy("frequency scale", "Usually")),
        (4, pgettext_lazy("frequency scale", "Always")),
    ],
    ItemKind.RATING10: [(n, str(n)) for n in range(11)],
    ItemKind.YESNO: [("yes", _("Yes")), ("no", _("No"))],
}
# Kinds whose answers are numbers on an ordered scale (scored, see scoring.py).
SCALE_KINDS = (
    ItemKind.SATISFACTION5,
    ItemKind.SATISFACTION3,
    ItemKind.FREQUENCY4,
    ItemKind.RATING10,
)


class SurveyChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS link")
    QR = "qr", _("QR code")
    WEB = "web", _("Web link")


class Questionnaire(models.Model):
    """One version of a questionnaire."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    is_builtin = models.BooleanField(_("built in"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        permissions = [
            ("view_scores", "Can view questionnaire scores"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="active"), name="one_active_per_code"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="draft"), name="one_draft_per_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Item(models.Model):
    """One question of a questionnaire version."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.SlugField(_("code"), max_length=40)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Single and multiple choice: [{"value": "a", "label": "…"}, …].
    options = models.JSONField(_("options"), default=list, blank=True)
    dimension = models.CharField(
        _("dimension"), max_length=20, choices=Dimension.choices, blank=True
    )
    # {"combine": "all"|"any", "rules": [{"item": code, "op": "eq", "value": …}]};
    # empty: always shown. Rules refer to earlier items only.
    condition = models.JSONField(_("shown when"), default=dict, blank=True)
    # Answers (stored values) that open a feedback case / are a clinical red
    # flag; "*" matches any answer (e.g. a written complaint).
    feedback_values = models.JSONField(
        _("answers that open a feedback case"), default=list, blank=True
    )
    red_flag_values = models.JSONField(
        _("answers that are a clinical red flag"), default=list, blank=True
    )
    # Patients do not see items meant for the agent only (e.g. "who answered").
    agent_only = models.BooleanField(_("asked by the agent only"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="item_code_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    @property
    def choices(self) -> list[tuple]:
        """(value, label) pairs for the kinds answered by picking."""
        if self.kind in SCALES:
            return list(SCALES[self.kind])
        if self.kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
            return [(o["value"], o["label"]) for o in self.options]
        return []


class Dispatch(models.Model):
    """One asking of a questionnaire: by phone, by SMS link, by QR code or web link."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="+"
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
        FollowUpTask,
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    # HMAC of the link token; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["questionnaire", "status"])]

    def __str__(self) -> str:
        return f"{self.questionnaire} → {self.patient_id} ({self.channel}, {self.status})"


class Response(models.Model):
    """A completed questionnaire: who answered which version, how, and the answers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    # One response per dispatch: a second submit of the same link changes nothing.
    dispatch = models.OneToOneField(
        Dispatch,
        verbose_name=_("dispatch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
    )
    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="+"
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
        FollowUpTask,
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-id"]
        permissions = [("void_response", "Can void a questionnaire response")]
        indexes = [models.Index(fields=["questionnaire", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.questionnaire} ← {self.patient_id} {self.submitted_at:%Y-%m-%d}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class Answer(models.Model):
    """One answer of a response. ``number`` holds scale and number answers for scoring."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    value = models.JSONField(_("answer"))
    number = models.FloatField(null=True, blank=True)
    opens_feedback = models.BooleanField(_("opens a feedback case"), default=False)
    red_flag = models.BooleanField(_("clinical red flag"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "item__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}={self.value}"
