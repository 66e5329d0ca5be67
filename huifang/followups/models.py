"""Follow-up plans, their touchpoints, the outcome table, tasks and attempts."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.patients.models import Encounter, Patient, PhoneNumber


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web survey")


class Plan(models.Model):
    """Which encounters are followed up, and the touchpoints each gets."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    priority = models.IntegerField(_("priority"), default=0)
    # Match rules: an empty rule matches everything.
    encounter_kinds = models.JSONField(_("encounter kinds"), default=list, blank=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="+"
    )
    include_subdepartments = models.BooleanField(_("include sub-departments"), default=True)
    icd_prefixes = models.JSONField(_("ICD-10 code prefixes"), default=list, blank=True)
    diagnosis_keywords = models.JSONField(_("diagnosis keywords"), default=list, blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    tags = models.JSONField(
        _("tags"),
        default=list,
        blank=True,
        help_text=_("e.g. abnormal-finding kinds (lipids, glucose…) or visit types (初诊)."),
    )
    fallback_channel = models.CharField(
        _("channel when no phone is usable"), max_length=10, choices=Channel.choices, blank=True
    )
    education_items = models.JSONField(
        _("health education checklist"),
        default=list,
        blank=True,
        help_text=_("What the agent should teach on the call; ticked off on the workbench."),
    )
    # The follow-up rate this plan's population must reach (the hospital's documents
    # require 100 % per category); empty: the global HUIFANG_AGENT_REQUIRED_RATE.
    required_rate = models.DecimalField(
        _("required follow-up rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: the hospital-wide required rate applies."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        ordering = ["-priority", "code"]

    def __str__(self) -> str:
        return self.name


class Touchpoint(models.Model):
    """One contact of a plan: when (anchor + offset, window), how, with what."""

    class Anchor(models.TextChoices):
        DISCHARGE = "discharge", _("Discharge date")
        VISIT = "visit", _("Visit date")
        PROCEDURE = "procedure", _("Procedure date")

    class Condition(models.TextChoices):
        ALWAYS = "", _("Always")
        CHRONIC_OR_SURGICAL = "chronic_or_surgical", _("Chronic disease or surgery")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="touchpoints"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    anchor = models.CharField(
        _("anchor"), max_length=20, choices=Anchor.choices, default=Anchor.DISCHARGE
    )
    offset_days = models.PositiveSmallIntegerField(_("offset in days"))
    window_days = models.PositiveSmallIntegerField(_("window in working days"), default=4)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    condition = models.CharField(
        _("only when"), max_length=30, choices=Condition.choices, blank=True, default=""
    )
    questionnaire_code = models.CharField(_("questionnaire"), max_length=50, blank=True)
    script = models.TextField(_("call script"), blank=True)
    call_windows = models.JSONField(
        _("call windows"),
        default=list,
        blank=True,
        help_text=_('e.g. [["10:00", "12:00"], ["15:00", "17:00"]]; empty: the default windows.'),
    )
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    priority = models.IntegerField(_("priority"), default=0)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"),
        null=True,
        blank=True,
        help_text=_("Repeat until a re-check encounter exists (health-check findings)."),
    )
    repeat_max = models.PositiveSmallIntegerField(_("maximum repeats"), default=0)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["plan", "position", "offset_days"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="touchpoint_code_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan.code}/{self.code}"


class Outcome(models.Model):
    """What happened on a contact attempt, and what follows from it."""

    class Category(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")
        FINAL = "final", _("Final")

    class PatientEffect(models.TextChoices):
        NONE = "", _("None")
        DECEASED = "deceased", _("Patient deceased")
        NUMBER_INVALID = "number_invalid", _("Number invalid")
        NUMBER_SUSPENDED = "number_suspended", _("Number suspended")
        OPTED_OUT = "opted_out", _("Opted out")
        READMITTED = "readmitted", _("Readmitted")
        TRANSFERRED = "transferred", _("Transferred elsewhere")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=50)
    label_en = models.CharField(_("label (English)"), max_length=50)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    counts_as_success = models.BooleanField(_("counts as success"), default=False)
    retry_after_minutes = models.PositiveIntegerField(
        _("retry after (minutes)"), null=True, blank=True
    )
    next_window = models.BooleanField(_("retry in a different call window"), default=False)
    try_next_phone = models.BooleanField(_("try the next phone number"), default=False)
    ends_task = models.BooleanField(_("ends the task"), default=False)
    patient_effect = models.CharField(
        _("effect on the patient"),
        max_length=20,
        choices=PatientEffect.choices,
        blank=True,
        default="",
    )
    note_required = models.BooleanField(_("note required"), default=False)
    shortcut = models.CharField(_("keyboard shortcut"), max_length=1, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label_zh


class FollowUpTask(models.Model):
    """One contact owed to a patient for one encounter and touchpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        NO_PHONE = "no_phone", _("No usable phone")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Unreachable")
        CANCELLED = "cancelled", _("Cancelled")
        WINDOW_PASSED = "window_passed", _("Window passed")
        MERGED = "merged", _("Merged into another call")

    OPEN = (Status.PENDING, Status.NO_PHONE)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of their own: (patient, status) and one_task_per_touchpoint lead with them.
    # The patient is the encounter's own (``encounter`` holds the database's
    # constraint for both): no second check per new task.
    patient = models.ForeignKey(
        Patient,
        verbose_name=_("patient"),
        on_delete=models.PROTECT,
        related_name="tasks",
        db_constraint=False,
        db_index=False,
    )
    encounter = models.ForeignKey(
        Encounter,
        verbose_name=_("encounter"),
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    # Foreign keys other than encounter hold no constraint in the database
    # (db_constraint=False): each would cost a check per new task at commit —
    # most of writing a back-fill's history, 97 % of whose rows never change
    # again. The rows they point at (patients, plans, touchpoints, phone numbers,
    # users, tasks) are only ever deleted through the ORM, which keeps PROTECT and
    # SET_NULL. Only open tasks are indexed by plan (a plan change re-plans them).
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
    )
    plan_version = models.PositiveIntegerField(_("plan version"))
    touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
    )
    sequence = models.PositiveSmallIntegerField(_("repeat number"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    due_from = models.DateField(_("due from"))
    due_until = models.DateField(_("due until"))
    first_slot = models.DateTimeField(_("first slot"))
    next_attempt_at = models.DateTimeField(_("next attempt"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    priority = models.IntegerField(_("priority"), default=0)
    phone = models.ForeignKey(
        PhoneNumber,
        verbose_name=_("phone to dial"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tasks",
        db_index=False,  # a partial index (Meta): most tasks have none
        db_constraint=False,
    )
    reason = models.JSONField(_("why these dates"), default=dict, blank=True)
    closed_reason = models.CharField(_("why closed"), max_length=200, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (Meta): most tasks have none
        db_constraint=False,
    )
    # The claim: who is working the task now, until when (a renewable lease).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (Meta): most tasks have none
        db_constraint=False,
    )
    lease_expires_at = models.DateTimeField(_("claim expires"), null=True, blank=True)
    # The agent who booked the pending callback; others get it only once it
    # has waited unanswered for HUIFANG_CALLBACK_OPEN_AFTER_MINUTES.
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("callback booked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (Meta): most tasks have none
        db_constraint=False,
    )
    # Optimistic locking: every change a person could collide with bumps it.
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["next_attempt_at", "-priority", "id"]
        permissions = [
            ("work_task", _("Can call patients and record outcomes")),
            ("reassign_task", _("Can reassign or take over a claimed task")),
            (
                "work_callback_task",
                _("Can call back own departments' patients when the doctor is asked to"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "touchpoint", "sequence"], name="one_task_per_touchpoint"
            )
        ]
        indexes = [
            # Queues and the SMS sender read open tasks by next attempt; history
            # (done, cancelled, window passed) needs no place in this index.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "no_phone"]),
                name="task_open_next_attempt",
            ),
            models.Index(
                fields=["plan"],
                condition=models.Q(status__in=["pending", "no_phone"]),
                name="task_open_plan",
            ),
            models.Index(fields=["patient", "status"]),
            # "Next task" walks pending tasks in this order and stops at the first free one.
            models.Index(
                fields=["-priority", "due_until", "next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="task_queue",
            ),
            # Most tasks are never merged, assigned, claimed or booked for a
            # callback: indexing only those that are keeps writing a million
            # new tasks from touching four more indexes per row.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"task_{name}",
                )
                for name in ("merged_into", "assigned_to", "claimed_by", "callback_by")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint} → {self.patient_id} ({self.status})"


class PassedTouchpoint(models.Model):
    """A touchpoint whose window had already ended when its encounter arrived (back-filled history).

    Never a call: nothing queues it, nobody attempts it. Reports count it
    as due and not reached, under "window passed", and explain lists it with
    its computed dates. It is kept apart from ``FollowUpTask`` because a
    back-fill's history is almost all of these (97 % of the rows of a year
    imported at once), and this narrow row with its one index costs a
    fraction of a task's to write (``bench/schedule.py``). Generation owns
    these rows: it adds, moves and removes them as the encounter and the
    plans change, and one key never has both a task and a passed record.
    """

    pk = models.CompositePrimaryKey("encounter", "touchpoint", "sequence")
    # No database constraints (as on the task's references): a check per row
    # at commit would cost more than the row. Encounters, plans and
    # touchpoints are only deleted through the ORM, which keeps PROTECT.
    encounter = models.ForeignKey(
        Encounter,
        verbose_name=_("encounter"),
        on_delete=models.PROTECT,
        related_name="passed_touchpoints",
        db_constraint=False,
        db_index=False,  # the primary key leads with it
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    sequence = models.PositiveSmallIntegerField(_("repeat number"), default=0)
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    due_from = models.DateField(_("due from"))
    due_until = models.DateField(_("due until"))
    first_slot = models.DateTimeField(_("first slot"))
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("passed touchpoint")
        verbose_name_plural = _("passed touchpoints")

    def __str__(self) -> str:
        return f"{self.touchpoint_id}#{self.sequence} → {self.encounter_id} (window passed)"


class ContactAttempt(models.Model):
    """One try at reaching the patient for a task, and how it ended."""

    task = models.ForeignKey(
        FollowUpTask, verbose_name=_("task"), on_delete=models.PROTECT, related_name="attempts_made"
    )
    outcome = models.ForeignKey(Outcome, verbose_name=_("outcome"), on_delete=models.PROTECT)
    phone = models.ForeignKey(
        PhoneNumber,
        verbose_name=_("number dialled"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    # When the agent opened the task: at − started_at is the handling time.
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    education = models.JSONField(_("health education given"), default=list, blank=True)
    education_note = models.TextField(_("other education given"), blank=True)
    red_flag = models.TextField(
        _("worrying condition reported"),
        blank=True,
        help_text=_("Filled in: escalated to the attending doctor's department."),
    )
    # Imported from a follow-up register: who called when no user matches,
    # the row's identity (source_key) and its content fingerprint
    # (source_hash), so a re-import tells unchanged rows from corrected ones.
    agent_name = models.CharField(_("agent (as written)"), max_length=50, blank=True)
    source_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "at"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.outcome.code} {self.at:%Y-%m-%d %H:%M}"


class RegisterImport(models.Model):
    """One historical follow-up register (回访登记本) uploaded from the web, and its run.

    The counts are those of ``huifang import-followups``; they are updated
    after each batch so the page can show progress.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(default=0)
    source = models.CharField(
        _("source system of the encounter numbers"), max_length=50, default="his"
    )
    encoding = models.CharField(_("encoding"), max_length=20, default="auto")
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
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
    tasks_created = models.PositiveIntegerField(_("tasks created"), default=0)
    rejects_path = models.CharField(max_length=500, blank=True)
    warnings_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.file_name} ({self.created_at:%Y-%m-%d})" if self.created_at else self.file_name
        )


class ReportedRecheck(models.Model):
    """The patient's word that an abnormal health check was re-checked (复查).

    Recorded from the re-check questionnaire's answer (on a call or on the
    web): re-checked here, elsewhere, or seen a specialist. It ends the
    check's repeated calls exactly as a later health-check encounter does
    (``scheduling.stop_facts``: repeats due on or after ``reported_on``
    are not owed) and counts in the re-check rate (docs/metrics.md). One
    per encounter: the first answer that says so.
    """

    class Where(models.TextChoices):
        HERE = "here", _("Re-checked here")
        ELSEWHERE = "elsewhere", _("Re-checked elsewhere")
        SPECIALIST = "specialist", _("Seen a specialist")

    encounter = models.OneToOneField(
        Encounter,
        verbose_name=_("encounter"),
        on_delete=models.CASCADE,
        related_name="reported_recheck",
    )
    reported_on = models.DateField(_("reported on"))
    where = models.CharField(_("re-checked"), max_length=20, choices=Where.choices)
    source = models.CharField(_("reported through"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("reported re-check")
        verbose_name_plural = _("reported re-checks")

    def __str__(self) -> str:
        return f"{self.encounter_id} {self.where} {self.reported_on}"
