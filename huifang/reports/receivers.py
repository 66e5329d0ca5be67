"""On-write marks: the writes that change a month's figures mark it dirty in their transaction.

Follow-ups, feedback and surveys never import reports: their signals
(``attempt_recorded``) and Django's ``post_save`` reach these receivers.
Marking is one INSERT (``rollups.rollup_mark_dirty``), so a call being
recorded never waits for a recompute in progress. Writes that send no
signal (bulk imports, generation, periodic status changes) are found by
the periodic scan instead (``rollups.rollups_scan``).
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask, PassedTouchpoint
from huifang.followups.signals import attempt_recorded
from huifang.patients.models import Patient
from huifang.reports.rollups import rollup_mark_dirty
from huifang.surveys.models import Response


def _patient_months(patient_id: int) -> list:
    """The due days of the patient's tasks and passed records (a death excludes both)."""
    tasks = FollowUpTask.objects.filter(patient_id=patient_id).values_list("due_from", flat=True)
    passed = PassedTouchpoint.objects.filter(encounter__patient_id=patient_id).values_list(
        "due_from", flat=True
    )
    return list(tasks.distinct()) + list(passed.distinct())


@receiver(attempt_recorded, dispatch_uid="reports.rollups_attempt")
def mark_attempt(sender, attempt, task, **kwargs) -> None:
    months = [task.due_from]
    if attempt.outcome.patient_effect == "deceased":
        # The death cancels or excludes the patient's tasks of other months too.
        months += _patient_months(task.patient_id)
    rollup_mark_dirty(months=months, reason="attempt")


@receiver(post_save, sender=Patient, dispatch_uid="reports.rollups_patient")
def mark_patient(sender, instance, created, **kwargs) -> None:
    if not created and instance.deceased_on is not None:
        rollup_mark_dirty(months=_patient_months(instance.pk), reason="deceased")


@receiver(post_save, sender=Case, dispatch_uid="reports.rollups_case")
def mark_case(sender, instance, **kwargs) -> None:
    if instance.created_at is not None:
        rollup_mark_dirty(months=[timezone.localdate(instance.created_at)], reason="case")


@receiver(post_save, sender=Response, dispatch_uid="reports.rollups_response")
def mark_response(sender, instance, **kwargs) -> None:
    if instance.submitted_at is not None:
        rollup_mark_dirty(months=[timezone.localdate(instance.submitted_at)], reason="response")
