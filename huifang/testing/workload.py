"""A queue of due follow-up tasks, written in bulk: for concurrency tests and bench/claim.py.

``due_tasks`` makes ``count`` patients, each with one stay in ``department``
and one phone task due in the call window that holds ``now`` (with a mobile
number, so the workbench has something to dial).
"""

import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from huifang.followups.models import FollowUpTask, Plan, Touchpoint
from huifang.patients.models import Encounter, Patient, PhoneNumber


def workload_touchpoint() -> Touchpoint:
    plan, _ = Plan.objects.get_or_create(code="workload", defaults={"name": "压力测试方案"})
    touchpoint, _ = Touchpoint.objects.get_or_create(
        plan=plan,
        code="call",
        defaults={"name": "电话回访", "offset_days": 3, "window_days": 4, "channel": "phone"},
    )
    return touchpoint


def due_tasks(*, count: int, department, now: datetime, prefix: str = "W") -> list[int]:
    """Write ``count`` pending phone tasks due at ``now``; returns their ids."""
    touchpoint = workload_touchpoint()
    today = timezone.localtime(now).date()
    patients = Patient.objects.bulk_create(
        [Patient(record_number=f"{prefix}{n:07d}", name=f"测试{n}", sex="F") for n in range(count)],
        batch_size=1000,
    )
    PhoneNumber.objects.bulk_create(
        [
            PhoneNumber(
                patient=patient,
                number=f"+8613{n:09d}",
                owner=PhoneNumber.Owner.SELF,
                line_type=PhoneNumber.LineType.MOBILE,
                status=PhoneNumber.Status.VALID,
                is_primary=True,
            )
            for n, patient in enumerate(patients)
        ],
        batch_size=1000,
    )
    encounters = Encounter.objects.bulk_create(
        [
            Encounter(
                patient=patient,
                kind=Encounter.Kind.INPATIENT,
                number=f"{prefix}ZY{n:07d}",
                department=department,
                admitted_on=today - timedelta(days=10),
                discharged_on=today - timedelta(days=3),
            )
            for n, patient in enumerate(patients)
        ],
        batch_size=1000,
    )
    slot = now - timedelta(minutes=5)
    tasks = FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                uuid=uuid.uuid4(),
                patient=encounter.patient,
                encounter=encounter,
                plan=touchpoint.plan,
                plan_version=touchpoint.plan.version,
                touchpoint=touchpoint,
                channel="phone",
                due_from=today,
                due_until=today + timedelta(days=3),
                first_slot=slot,
                next_attempt_at=slot,
                max_attempts=3,
                priority=n % 3,
            )
            for n, encounter in enumerate(encounters)
        ],
        batch_size=1000,
    )
    return [task.pk for task in tasks]
