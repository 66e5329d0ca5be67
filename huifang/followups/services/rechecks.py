"""A health-check re-check the patient reported, and the end of that check's repeated calls.

The health-check plan calls "repeat until the re-check is done": the
repeats stop at the next health-check encounter (``scheduling.stop_facts``).
A patient who says on a call or in a web questionnaire that they were
re-checked here, elsewhere or by a specialist ends the chain the same way:
the answer is recorded as a ``ReportedRecheck``, which the stop rule reads
as a re-check on that day, and the encounter is planned again, so the
open repeats due from then on are cancelled as ``rechecked`` and no new
one is made. The rule itself stays in one place.
"""

from datetime import date

from django.db import transaction

from huifang.core.models import AuditAction
from huifang.core.services import audit_record
from huifang.followups.models import ReportedRecheck
from huifang.followups.services.generation import tasks_generate_for_encounters
from huifang.patients.models import Encounter


def encounter_recheck_record(
    *, encounter: Encounter, reported_on: date, where: str, source: str, actor=None
) -> bool:
    """Record that the patient of this health check reports it re-checked; end its repeats.

    ``where``: ``ReportedRecheck.Where`` (here, elsewhere, specialist);
    ``source``: the channel the answer came through (``phone``, ``sms``,
    ``web``…). Only for a health-check encounter, and once: a later answer
    changes nothing (returns False). Audited; in the caller's transaction
    when there is one (the call's, the submission's).
    """
    if encounter.kind != Encounter.Kind.HEALTH_CHECK:
        return False
    if where not in ReportedRecheck.Where.values:
        raise ValueError(f"unknown re-check place {where!r}")
    with transaction.atomic():
        _recheck, created = ReportedRecheck.objects.get_or_create(
            encounter=encounter,
            defaults={"reported_on": reported_on, "where": where, "source": source[:20]},
        )
        if not created:
            return False
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=_recheck,
            patient_id=encounter.patient_id,
            changes={"reported_on": reported_on.isoformat(), "where": where, "source": source},
        )
        tasks_generate_for_encounters([encounter.pk])
    return True
