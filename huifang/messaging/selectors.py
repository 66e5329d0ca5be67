"""Reads of messaging, scoped by the acting user."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import department_descendant_ids
from huifang.core.errors import NotFound, PermissionDenied
from huifang.followups.models import ContactAttempt
from huifang.messaging.models import Campaign, Message, MessageTemplate
from huifang.patients.models import AbnormalFinding, Diagnosis, Encounter, Patient


def _require(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("Your role may not see this."))


def template_list(*, user: User) -> QuerySet[MessageTemplate]:
    _require(user, "messaging.view_messagetemplate")
    return MessageTemplate.objects.all()


def template_get(*, user: User, code: str) -> MessageTemplate:
    _require(user, "messaging.view_messagetemplate")
    template = MessageTemplate.objects.filter(code=code).first()
    if template is None:
        raise NotFound(_("Template not found."))
    return template


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    _require(user, "messaging.view_campaign")
    return Campaign.objects.select_related("template", "created_by").annotate(
        done=Count("messages", filter=~Q(messages__status__in=("queued", "sending")))
    )


def campaign_get(*, user: User, campaign_uuid) -> Campaign:
    _require(user, "messaging.view_campaign")
    campaign = Campaign.objects.select_related("template").filter(uuid=campaign_uuid).first()
    if campaign is None:
        raise NotFound(_("Campaign not found."))
    return campaign


@dataclass
class Cohort:
    """Who a campaign goes to. Every field narrows; none given means every patient."""

    departments: list[str] = field(default_factory=list)  # codes, with their sub-departments
    encounter_kinds: list[str] = field(default_factory=list)
    date_from: date | None = None  # discharge or visit date
    date_to: date | None = None
    diagnosis_prefix: str = ""  # ICD-10 code prefix
    age_min: int | None = None
    age_max: int | None = None
    tags: list[str] = field(default_factory=list)  # abnormal health-check findings
    no_contact_days: int | None = None  # no message and no call in this many days

    @classmethod
    def from_dict(cls, data: dict) -> "Cohort":
        data = dict(data or {})
        for name in ("date_from", "date_to"):
            if isinstance(data.get(name), str) and data[name]:
                data[name] = date.fromisoformat(data[name])
            elif not data.get(name):
                data[name] = None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        return {
            "departments": self.departments,
            "encounter_kinds": self.encounter_kinds,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "diagnosis_prefix": self.diagnosis_prefix,
            "age_min": self.age_min,
            "age_max": self.age_max,
            "tags": self.tags,
            "no_contact_days": self.no_contact_days,
        }


def _department_ids(codes: list[str]) -> set[int]:
    """The departments named by code, with every ward below them."""
    return department_descendant_ids(
        Department.objects.filter(code__in=codes).values_list("id", flat=True)
    )


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def cohort_encounters(cohort: Cohort) -> QuerySet[Encounter]:
    """The encounters that put a patient in the cohort."""
    encounters = Encounter.objects.all()
    if cohort.departments:
        encounters = encounters.filter(department_id__in=_department_ids(cohort.departments))
    if cohort.encounter_kinds:
        encounters = encounters.filter(kind__in=cohort.encounter_kinds)
    if cohort.date_from:
        encounters = encounters.filter(
            Q(discharged_on__gte=cohort.date_from) | Q(visit_on__gte=cohort.date_from)
        )
    if cohort.date_to:
        encounters = encounters.filter(
            Q(discharged_on__lte=cohort.date_to) | Q(visit_on__lte=cohort.date_to)
        )
    if cohort.diagnosis_prefix:
        encounters = encounters.filter(
            Exists(
                Diagnosis.objects.filter(
                    encounter=OuterRef("pk"), code__istartswith=cohort.diagnosis_prefix.strip()
                )
            )
        )
    if cohort.tags:
        encounters = encounters.filter(
            Exists(AbnormalFinding.objects.filter(encounter=OuterRef("pk"), kind__in=cohort.tags))
        )
    return encounters


def cohort_patients(cohort: Cohort, *, today: date | None = None) -> QuerySet[Patient]:
    """The patients of a cohort (each once)."""
    today = today or timezone.localdate()
    patients = Patient.objects.filter(
        Exists(cohort_encounters(cohort).filter(patient=OuterRef("pk")))
    )
    if cohort.age_min is not None:
        patients = patients.filter(birth_date__lte=_years_ago(today, cohort.age_min))
    if cohort.age_max is not None:
        patients = patients.filter(birth_date__gt=_years_ago(today, cohort.age_max + 1))
    if cohort.no_contact_days:
        since = timezone.now() - timedelta(days=cohort.no_contact_days)
        patients = patients.exclude(
            Exists(
                Message.objects.filter(
                    patient=OuterRef("pk"), status__in=("sent", "delivered"), sent_at__gte=since
                )
            )
        ).exclude(
            Exists(ContactAttempt.objects.filter(task__patient=OuterRef("pk"), at__gte=since))
        )
    return patients.order_by("id")


@dataclass
class CampaignReport:
    total: int
    by_status: dict[str, int]
    skipped_by_reason: dict[str, int]

    @property
    def done(self) -> int:
        return self.total - self.by_status.get("queued", 0) - self.by_status.get("sending", 0)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def campaign_report(*, user: User, campaign: Campaign) -> CampaignReport:
    """Sent, delivered, failed, skipped by reason: one grouped query."""
    _require(user, "messaging.view_campaign")
    by_status: dict[str, int] = {}
    skipped: dict[str, int] = {}
    rows = campaign.messages.values_list("status", "skip_reason").annotate(n=Count("id"))
    for status, reason, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        if status == Message.Status.SKIPPED:
            skipped[reason] = skipped.get(reason, 0) + n
    return CampaignReport(sum(by_status.values()), by_status, skipped)


_MESSAGE_TONES = {
    Message.Status.SENT: "success",
    Message.Status.DELIVERED: "success",
    Message.Status.FAILED: "danger",
    Message.Status.SKIPPED: "warning",
}


def message_timeline_for_patient(*, user: User, patient: Patient, limit: int) -> list:
    """SMS and e-mails to the patient for the patient page's timeline (one query).

    Seen by those who see follow-up work. A message sent for a task of a
    department outside the user's scope is left out; campaign and greeting
    messages (no task) belong to the patient, whose page the user may see.
    The text is shown with any number in it masked.
    """
    from huifang.accounts.selectors import ALL_DEPARTMENTS, user_department_scope
    from huifang.core.masking import mask_numbers_in_text
    from huifang.patients.timeline import TimelineEntry

    if not user.has_perm("followups.view_followuptask"):
        return []
    messages = Message.objects.filter(patient_id=patient.pk)
    scope = user_department_scope(user)
    if scope is not ALL_DEPARTMENTS:
        messages = messages.filter(
            Q(task__isnull=True) | Q(task__encounter__department_id__in=scope)
        )
    rows = messages.select_related("campaign", "template").order_by("-created_at", "-pk")[:limit]
    entries = []
    for message in rows:
        status = message.get_status_display()
        if message.skip_reason:
            status = f"{status}：{message.get_skip_reason_display()}"
        title = f"{message.get_channel_display()} · {message.get_category_display()}"
        if message.campaign is not None:
            title = f"{title} · {message.campaign.name}"
        entries.append(
            TimelineEntry(
                at=message.sent_at or message.created_at,
                kind="message",
                title=title,
                detail=mask_numbers_in_text(message.body)[:200],
                status=status,
                tone=_MESSAGE_TONES.get(message.status, "secondary"),
            )
        )
    return entries


def message_list(*, user: User, after_id: int | None = None) -> QuerySet[Message]:
    """SMS and e-mail sent or queued to the patients the user may see, in the order created.

    The patients' scope is the patients app's (``patient_scope``): a
    department head sees the messages of its department's patients.
    ``after_id``: only messages newer than that one.
    """
    from huifang.patients.selectors import patient_scope

    messages = Message.objects.filter(patient__in=patient_scope(user).values("pk"))
    if after_id:
        messages = messages.filter(pk__gt=after_id)
    return messages.select_related("patient", "phone", "email", "campaign", "task").order_by("id")
