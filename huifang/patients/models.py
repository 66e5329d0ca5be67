import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.core.crypto import EncryptedTextField


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web survey")


class Patient(models.Model):
    """A person the hospital follows up. One row per person (by record number)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record_number = models.CharField(_("medical record number"), max_length=32, unique=True)
    name = models.CharField(_("full name"), max_length=50)
    # Searched by prefix only: one pattern index each (see Meta), not Django's
    # two per indexed text column on PostgreSQL.
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    # Looked up by equality only: a plain index (see Meta), no pattern one.
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    do_not_contact = models.JSONField(
        _("do not contact by"),
        default=list,
        blank=True,
        help_text=_("Channels the patient must not be contacted by."),
    )
    preferred_time_start = models.TimeField(_("preferred call time from"), null=True, blank=True)
    preferred_time_end = models.TimeField(_("preferred call time until"), null=True, blank=True)
    preferred_time_note = models.CharField(_("note on contact time"), max_length=100, blank=True)
    # How to talk with the patient (粤语, 听力不好, 只讲方言…): shown before every call.
    # A database default too: the imports' bulk insert leaves the column out.
    language_note = models.CharField(
        _("language or dialect note"),
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text=_("e.g. speaks Cantonese only, hard of hearing; shown before every call."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["-id"]
        permissions = [
            ("reveal_phone", "Can reveal a patient's full phone number"),
            ("reveal_id_number", "Can reveal a patient's ID number"),
            (
                "edit_contact",
                "Can add, correct and retire phone numbers and set contact preferences "
                "at any time (agents only during their claimed call)",
            ),
        ]
        indexes = [
            models.Index(
                fields=["name_pinyin"],
                name="patient_pinyin_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_initials"],
                name="patient_initials_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["id_number_hash"], name="patient_id_number_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.record_number}）"

    @property
    def is_deceased(self) -> bool:
        return self.deceased_on is not None

    @property
    def do_not_contact_labels(self) -> list[str]:
        """The channels in ``do_not_contact`` as people read them (an unknown code as is)."""
        labels = dict(Channel.choices)
        return [str(labels.get(code, code)) for code in self.do_not_contact or []]


class PhoneNumber(models.Model):
    class Owner(models.TextChoices):
        SELF = "self", _("Patient")
        FAMILY = "family", _("Family member")
        OTHER = "other", _("Other contact")

    class LineType(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Landline")
        UNKNOWN = "unknown", _("Unknown")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid (empty or wrong number)")
        SUSPENDED = "suspended", _("Suspended")
        UNKNOWN = "unknown", _("Not yet checked")
        RETIRED = "retired", _("No longer used")

    # No index of its own: the unique (patient, number) serves lookups by patient.
    patient = models.ForeignKey(
        Patient,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="phones",
        db_index=False,
    )
    number = models.CharField(_("number (E.164)"), max_length=20)
    owner = models.CharField(_("whose number"), max_length=10, choices=Owner.choices)
    relation = models.CharField(_("relation to patient"), max_length=20, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    line_type = models.CharField(
        _("line type"), max_length=10, choices=LineType.choices, default=LineType.UNKNOWN
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UNKNOWN
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    source = models.CharField(_("source"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "owner", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="phone_unique_per_patient"),
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        from huifang.core.masking import mask_phone

        return mask_phone(self.number)

    @property
    def is_usable(self) -> bool:
        return self.status in (self.Status.VALID, self.Status.UNKNOWN)


class Encounter(models.Model):
    """A contact with the hospital: a stay, a visit, an operation, a health check."""

    class Kind(models.TextChoices):
        INPATIENT = "inpatient", _("In-patient stay")
        OUTPATIENT = "outpatient", _("Out-patient visit")
        DAY_SURGERY = "day_surgery", _("Day surgery")
        MATERNITY = "maternity", _("Maternity")
        NEWBORN = "newborn", _("Newborn")
        HEALTH_CHECK = "health_check", _("Health check")
        EMERGENCY = "emergency", _("Emergency")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="encounters"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("encounter number"), max_length=40)
    # No index of its own: (department, kind) in Meta serves lookups by department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="encounters",
        db_index=False,
    )
    attending_doctor = models.CharField(_("attending doctor"), max_length=50, blank=True)
    responsible_nurse = models.CharField(_("responsible nurse"), max_length=50, blank=True)
    admitted_on = models.DateField(_("admission date"), null=True, blank=True)
    # Indexed where set (see Meta): a stay has no visit date, a visit no discharge.
    discharged_on = models.DateField(_("discharge date"), null=True, blank=True)
    visit_on = models.DateField(_("visit date"), null=True, blank=True)
    chief_complaint = models.TextField(_("symptoms on admission"), blank=True)
    treatment = models.TextField(_("treatment"), blank=True)
    discharge_orders = models.TextField(_("discharge orders"), blank=True)
    discharge_medication = models.TextField(_("discharge medication"), blank=True)
    source_system = models.CharField(_("source system"), max_length=50, default="manual")
    source_record = models.JSONField(_("source record"), default=dict, blank=True)
    # Fingerprint of the imported row as normalised: an identical re-import
    # is recognised as unchanged without comparing every field.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-visit_on", "-discharged_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "number"], name="encounter_unique_number_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "kind"]),
            models.Index(
                fields=["discharged_on"],
                name="encounter_discharged_on",
                condition=models.Q(discharged_on__isnull=False),
            ),
            models.Index(
                fields=["visit_on"],
                name="encounter_visit_on",
                condition=models.Q(visit_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def anchor_date(self):
        """The date follow-up counts from: discharge for stays, the visit otherwise."""
        return self.discharged_on or self.visit_on or self.admitted_on


class Diagnosis(models.Model):
    encounter = models.ForeignKey(
        Encounter, verbose_name=_("encounter"), on_delete=models.CASCADE, related_name="diagnoses"
    )
    # Matched by prefix (ICD-10 ranges) and equality: one pattern index (see Meta).
    code = models.CharField(_("ICD-10 code"), max_length=20, blank=True)
    name = models.CharField(_("diagnosis"), max_length=200)
    is_primary = models.BooleanField(_("primary"), default=False)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Never disclosed to anyone but the patient, never in an SMS."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["position", "id"]
        indexes = [
            models.Index(
                fields=["code"], name="diagnosis_code_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Procedure(models.Model):
    encounter = models.ForeignKey(
        Encounter, verbose_name=_("encounter"), on_delete=models.CASCADE, related_name="procedures"
    )
    code = models.CharField(_("code"), max_length=20, blank=True)
    name = models.CharField(_("procedure"), max_length=200)
    performed_on = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["performed_on", "id"]

    def __str__(self) -> str:
        return self.name


class AbnormalFinding(models.Model):
    """An abnormal health-check result that needs a targeted call until re-checked."""

    class Kind(models.TextChoices):
        LIPIDS = "lipids", _("Blood lipids")
        GLUCOSE = "glucose", _("Blood glucose")
        BLOOD_PRESSURE = "blood_pressure", _("Blood pressure")
        LIVER_FUNCTION = "liver_function", _("Liver function")
        KIDNEY_FUNCTION = "kidney_function", _("Kidney function")
        URIC_ACID = "uric_acid", _("Uric acid")
        THYROID = "thyroid", _("Thyroid")
        IMAGING = "imaging", _("Imaging finding")
        OTHER = "other", _("Other")

    encounter = models.ForeignKey(
        Encounter,
        verbose_name=_("encounter"),
        on_delete=models.CASCADE,
        related_name="abnormal_findings",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("finding"), max_length=200)

    class Meta:
        verbose_name = _("abnormal finding")
        verbose_name_plural = _("abnormal findings")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class ImportSource(models.Model):
    """A system that sends files (e.g. the HIS), with its saved column mapping."""

    name = models.CharField(_("source"), max_length=50, unique=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    default_kind = models.CharField(
        _("default encounter kind"), max_length=20, choices=Encounter.Kind.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from huifang.patients.importing.mapping import UnknownMappingField, check_mapping

        try:
            check_mapping(self.mapping if isinstance(self.mapping, dict) else {})
        except UnknownMappingField as exc:
            raise ValidationError({"mapping": exc.message}) from exc


class ImportRun(models.Model):
    """One import of one file: its progress, counts and where its rejects went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=50)
    kind = models.CharField(_("encounter kind"), max_length=20, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.BigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=20, default="auto")
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rows_expected = models.PositiveIntegerField(_("rows expected"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    patients_created = models.PositiveIntegerField(_("patients created"), default=0)
    rejects_path = models.CharField(max_length=500, blank=True)
    warnings_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    # [number, fingerprint] of rows a later row of the same file replaced
    # (one encounter number on several rows): unchanged when imported again.
    superseded = models.JSONField(default=list, blank=True, editable=False)
    # Written with every batch: a running import silent for long was interrupted.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        permissions = [("import_encounters", "Can import patients and encounters from files")]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name}"

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected
