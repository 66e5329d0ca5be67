"""Finding a patient from the worklist or the start page, to open their open task.

The search is the patient list's (``patients.selectors.patient_list``:
name, pinyin, initials, record or encounter number, a phone's last digits),
scoped to the user's departments; the open task is read within the
worklist's scope, so an agent finds only patients and tasks of their queue.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from huifang.followups.models import FollowUpTask
from huifang.followups.selectors.worklist import scope_q
from huifang.patients.models import Patient
from huifang.patients.selectors import PatientFilters, patient_list

FIND_LIMIT = 10


@dataclass(frozen=True)
class FoundPatient:
    patient: Patient
    task: FollowUpTask | None  # the open task to open, None when they have none


def patient_find_with_open_task(*, user, q: str, limit: int = FIND_LIMIT) -> list[FoundPatient]:
    """Up to ``limit`` patients matching ``q`` with the open task each should open.

    Two queries (plus the phones prefetched for the masked numbers) whatever
    the number of matches. Of several open tasks the one the user may call
    now comes first: pending before "no usable phone", free or the user's
    own before a colleague's, the earliest next attempt first.
    """
    q = (q or "").strip()[:50]
    if not q:
        return []
    patients = list(patient_list(user=user, filters=PatientFilters(q=q))[:limit])
    if not patients:
        return []
    preference = Case(
        When(Q(status=FollowUpTask.Status.PENDING) & Q(assigned_to__isnull=True), then=Value(0)),
        When(Q(status=FollowUpTask.Status.PENDING) & Q(assigned_to=user), then=Value(0)),
        When(status=FollowUpTask.Status.PENDING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    best: dict[int, FollowUpTask] = {}
    for task in (
        FollowUpTask.objects.filter(
            scope_q(user),
            patient_id__in=[patient.pk for patient in patients],
            status__in=FollowUpTask.OPEN,
        )
        .select_related("plan", "touchpoint")
        .annotate(preference=preference)
        .order_by("preference", "next_attempt_at", "pk")
    ):
        best.setdefault(task.patient_id, task)
    return [FoundPatient(patient=patient, task=best.get(patient.pk)) for patient in patients]
