"""Cases at each step of the loop, for the personas of the project's conftest."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.feedback.models import Case
from huifang.feedback.services import case_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 16 Nov 2026, in office hours.
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def complaint(personas, patient_medicine):
    """A complaint about 内科 taken down on a call, waiting for triage."""
    return case_create(
        actor=personas["agent"],
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.AGENT,
        category=Case.Category.ATTITUDE,
        description="夜班护士说话很冲，不耐烦",
        staff_named="夜班护士",
        encounter=patient_medicine.encounters.first(),
    )


def put(case: Case, status: str, **fields) -> Case:
    """Move a case to ``status`` directly (to test the step that starts there)."""
    Case.objects.filter(pk=case.pk).update(status=status, **fields)
    case.refresh_from_db()
    return case


VERIFICATION_ANSWERS = {
    "satisfied": {
        "answered-by": "self",
        "contacted": "yes",
        "resolved": "yes",
        "sat-handling": "3",
        "sat-speed": "3",
        "may-close": "yes",
    },
    "partly": {
        "answered-by": "self",
        "contacted": "yes",
        "resolved": "partly",
        "still-open": "护士长没有回电",
        "sat-handling": "2",
        "sat-speed": "2",
        "may-close": "yes",
    },
    "not_satisfied": {
        "answered-by": "self",
        "contacted": "no",
        "resolved": "no",
        "still-open": "没有人联系过我",
        "sat-handling": "1",
        "sat-speed": "1",
        "may-close": "no",
    },
}
