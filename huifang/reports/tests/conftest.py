"""A small month of follow-ups whose figures are worked out by hand in the tests.

November 2026, plan ``test-plan``, four tasks due (a fifth merged, a sixth
due in December):

| task | department | attempts (local time)                  | counts as |
| ---- | ---------- | -------------------------------------- | --------- |
| t1   | MED        | 13th no answer, 14th reached (满意)     | attempted, reached, on time |
| t2   | MED        | 20th no answer (window ended 18th; 不满意) | attempted, late |
| t3   | SUR        | none, status no_phone                  | excluded: no phone |
| t4   | SUR        | 15th patient deceased                  | attempted, on time, excluded: deceased |
| t5   | MED        | merged                                 | not due |
| t6   | MED        | due 1 December                         | not in November |

The agent persona made the calls of t1 and t2; t4's call was made by the manager.
"""

import datetime

import pytest

from huifang.followups import slots
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
from huifang.testing.factories import make_task, make_touchpoint


def attempt(task, code, day, hour=10, agent=None, **fields):
    return ContactAttempt.objects.create(
        task=task,
        outcome=Outcome.objects.get(code=code),
        agent=agent,
        at=slots.at(day, datetime.time(hour, 0)),
        phone=task.phone,
        **fields,
    )


@pytest.fixture
def month(personas, patient_medicine, patient_surgery):
    tp1 = make_touchpoint(code="call1")
    tp2 = make_touchpoint(code="call2")
    tp3 = make_touchpoint(code="call3")
    nov = datetime.date
    t1 = make_task(patient_medicine, touchpoint=tp1)
    t2 = make_task(patient_medicine, touchpoint=tp2)
    t3 = make_task(patient_surgery, touchpoint=tp1)
    FollowUpTask.objects.filter(pk=t3.pk).update(status=FollowUpTask.Status.NO_PHONE, phone=None)
    t4 = make_task(patient_surgery, touchpoint=tp2)
    t5 = make_task(patient_medicine, touchpoint=tp3)
    FollowUpTask.objects.filter(pk=t5.pk).update(status=FollowUpTask.Status.MERGED)
    t6 = make_task(
        patient_medicine,
        touchpoint=make_touchpoint(code="call4"),
        due_from=nov(2026, 12, 1),
        due_until=nov(2026, 12, 4),
    )
    agent, manager = personas["agent"], personas["manager"]
    attempt(t1, "no_answer", nov(2026, 11, 13), agent=agent)
    attempt(
        t1,
        "reached_patient",
        nov(2026, 11, 14),
        agent=agent,
        answers={"satisfaction": "satisfied"},
        note="恢复良好",
    )
    attempt(
        t2, "no_answer", nov(2026, 11, 20), agent=agent, answers={"satisfaction": "dissatisfied"}
    )
    attempt(t4, "deceased", nov(2026, 11, 15), agent=manager)
    attempt(t6, "reached_patient", nov(2026, 12, 1), agent=agent)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}
