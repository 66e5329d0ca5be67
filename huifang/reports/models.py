"""The permissions of reports (an unmanaged model) and the rollup tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    """No table: the permissions the roles grant for reports."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_reports", _("Can see follow-up reports for the departments in scope")),
            ("view_own_figures", _("Can see one's own follow-up figures")),
        ]

    def __str__(self) -> str:
        return "reports"


# Rollups: additive counts per month (and per day for the task totals) that
# the dashboard and the summary read instead of the live tables. Every
# column is a count or a sum, so any roll-up (a department subtree, a
# quarter, a plan) is a SUM; rates are computed after summing. Grain and
# maintenance: docs/metrics.md, "Rollups"; written only by reports.rollups.


class RollupMonth(models.Model):
    """One month of rollups: when it was last built, and the tasks it was built from.

    ``task_count`` and ``task_id_sum`` fingerprint the month's tasks (every
    status): a task moved to another month changes them, which the periodic
    scan notices even though the row it left behind says nothing.
    ``passed_count`` and ``passed_sum`` do the same for the month's passed
    records (``rollups.passed_fingerprints``), which generation deletes and
    replaces without a trace.
    """

    month = models.DateField(unique=True)
    built_at = models.DateTimeField(null=True, blank=True)
    task_count = models.BigIntegerField(default=0)
    task_id_sum = models.BigIntegerField(default=0)
    passed_count = models.BigIntegerField(default=0)
    passed_sum = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class RollupDirty(models.Model):
    """A month whose rollups are out of date. Inserted (never updated) by the writes
    that change it, inside their transaction; deleted by the recompute that saw it."""

    month = models.DateField(db_index=True)
    marked_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=30, blank=True)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.reason})"


class RollupScan(models.Model):
    """The periodic scan's watermark: rows changed since ``scanned_from`` are looked at."""

    name = models.CharField(max_length=30, unique=True)
    scanned_from = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} from {self.scanned_from:%Y-%m-%d %H:%M}"


class TaskRollup(models.Model):
    """Task figures per (month of due_from, encounter department, plan, encounter kind,
    agent, failure reason). ``reason`` is "" for reached tasks, else the last outcome
    code (or the status of a task never attempted)."""

    month = models.DateField()
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    plan = models.ForeignKey(
        "followups.Plan", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    encounter_kind = models.CharField(max_length=20)
    agent = models.CharField(max_length=150, null=True)
    reason = models.CharField(max_length=50, blank=True)
    due = models.IntegerField(default=0)
    attempted = models.IntegerField(default=0)
    reached = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    excluded_deceased = models.IntegerField(default=0)
    excluded_no_phone = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "department"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.department_id} {self.agent} {self.reason}"


class TaskDayRollup(models.Model):
    """Task figures and the built-in satisfaction answers per (day of due_from,
    encounter department, plan, encounter kind)."""

    day = models.DateField()
    month = models.DateField()
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    plan = models.ForeignKey(
        "followups.Plan", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    encounter_kind = models.CharField(max_length=20)
    due = models.IntegerField(default=0)
    attempted = models.IntegerField(default=0)
    reached = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    excluded_deceased = models.IntegerField(default=0)
    excluded_no_phone = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    fairly_satisfied = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["month", "department"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}"


class CallRollup(models.Model):
    """Timed calls on due tasks per (month of the task, encounter department, plan,
    encounter kind, agent who called): count and total handling time in microseconds."""

    month = models.DateField()
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    plan = models.ForeignKey(
        "followups.Plan", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    encounter_kind = models.CharField(max_length=20)
    agent = models.CharField(max_length=150)
    calls_timed = models.IntegerField(default=0)
    handling_microseconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "department"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agent}"


class AnswerRollup(models.Model):
    """Questionnaire scale answers per (local month submitted, encounter department,
    item kind, dimension, value), voided responses left out."""

    month = models.DateField()
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(max_length=20)
    dimension = models.CharField(max_length=30, blank=True)
    number = models.FloatField()
    answers = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "department"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension} {self.number}"


class CaseRollup(models.Model):
    """Feedback cases per (local month recorded, department sent to, kind, category,
    status)."""

    month = models.DateField()
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(max_length=20)
    category = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20)
    cases = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    verified = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "department"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.status}"


class DepartmentGroup(models.Model):
    """A group of departments the reports break figures down by (surgical, medical…).

    Administrators edit the groups and which departments belong to them in
    the admin. A department belongs to the group it (or its nearest listed
    parent) is listed in; failing that, to the first group with a word in
    ``name_keywords`` found in its name (or its nearest parent's), so a new
    department lands in a sensible group before anyone lists it.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    name_keywords = models.JSONField(
        _("words in department names"),
        default=list,
        blank=True,
        help_text=_(
            "Departments not listed in any group belong here when their name contains "
            "one of these words, e.g. 外科."
        ),
    )

    class Meta:
        verbose_name = _("department group")
        verbose_name_plural = _("department groups")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class DepartmentGroupMember(models.Model):
    """One department in one group: a department is in at most one group."""

    group = models.ForeignKey(
        DepartmentGroup,
        verbose_name=_("department group"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    department = models.OneToOneField(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="report_group",
    )

    class Meta:
        verbose_name = _("department in a group")
        verbose_name_plural = _("departments in groups")

    def __str__(self) -> str:
        return f"{self.group} · {self.department}"
