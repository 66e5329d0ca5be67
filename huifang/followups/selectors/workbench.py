"""Reads for the workbench screen: everything an agent prepares before dialling.

A fixed number of queries whatever the patient's history (the page lists at
most ``HISTORY_LIMIT`` earlier encounters and calls and says how many more
there are), so a patient with fifty stays opens as fast as one with one.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch

from huifang.followups import panels, scheduling, slots
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.followups.script import patient_title, script_fill
from huifang.patients.models import Diagnosis, Encounter, PhoneNumber

HISTORY_LIMIT = 20


@dataclass
class Workbench:
    task: FollowUpTask
    encounter: Encounter
    title: str
    script: str
    phones: list[PhoneNumber]
    outcomes: list[Outcome]
    education_items: list[str]
    earlier_encounters: list[Encounter]
    earlier_encounter_count: int
    earlier_calls: list[ContactAttempt]
    earlier_call_count: int
    panels: list[dict] = field(default_factory=list)


def _diagnoses() -> Prefetch:
    return Prefetch("diagnoses", queryset=Diagnosis.objects.order_by("position", "pk"))


def phones_in_dial_order(phones) -> list[PhoneNumber]:
    """Usable numbers first, the patient's own before family's, the primary first."""
    return sorted(
        phones,
        key=lambda p: (
            not p.is_usable,
            scheduling.OWNER_ORDER.get(p.owner, 9),
            not p.is_primary,
            p.pk,
        ),
    )


def dial_default(task: FollowUpTask, phones: list[PhoneNumber]) -> int | None:
    """The number the call form starts on: the task's, unless retired or dead; else the first usable."""
    for phone in phones:
        if phone.pk == task.phone_id and phone.is_usable:
            return phone.pk
    return phones[0].pk if phones else None


def workbench_load(*, user, task: FollowUpTask, now: datetime, today: date) -> Workbench:
    """The preparation for calling ``task``'s patient, as ``user`` may see it."""
    patient = task.patient
    encounter = (
        Encounter.objects.select_related("department__parent")
        .prefetch_related(_diagnoses(), "procedures", "abnormal_findings")
        .get(pk=task.encounter_id)
    )
    earlier = Encounter.objects.filter(patient_id=patient.pk).exclude(pk=encounter.pk)
    earlier_encounters = list(
        earlier.select_related("department")
        .prefetch_related(_diagnoses())
        .order_by("-discharged_on", "-visit_on", "-pk")[:HISTORY_LIMIT]
    )
    calls = ContactAttempt.objects.filter(task__patient_id=patient.pk)
    earlier_calls = list(
        calls.select_related("outcome", "agent", "task__touchpoint", "task__plan").order_by(
            "-at", "-pk"
        )[:HISTORY_LIMIT]
    )
    return Workbench(
        task=task,
        encounter=encounter,
        title=patient_title(
            name=patient.name, sex=patient.sex, birth_date=patient.birth_date, on=today
        ),
        script=script_fill(
            script=task.touchpoint.script,
            patient=patient,
            encounter=encounter,
            agent=user,
            on=today,
        ),
        phones=phones_in_dial_order(PhoneNumber.objects.filter(patient_id=patient.pk)),
        outcomes=list(Outcome.objects.filter(is_active=True).order_by("sort_order", "code")),
        education_items=list(task.plan.education_items or []),
        earlier_encounters=earlier_encounters,
        earlier_encounter_count=earlier.count()
        if len(earlier_encounters) == HISTORY_LIMIT
        else len(earlier_encounters),
        earlier_calls=earlier_calls,
        earlier_call_count=calls.count()
        if len(earlier_calls) == HISTORY_LIMIT
        else len(earlier_calls),
        panels=panels.collect(user=user, patient=patient),
    )


def register_rows(*, agent, day: date):
    """The agent's calls of ``day`` for the daily register (回访登记), in call order."""
    start = slots.at(day, time.min)
    end = slots.at(day + timedelta(days=1), time.min)
    return list(
        ContactAttempt.objects.filter(agent=agent, at__gte=start, at__lt=end)
        .select_related("outcome", "phone", "task__patient", "task__touchpoint", "task__plan")
        .order_by("at", "pk")
    )
