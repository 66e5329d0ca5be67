"""A holiday range entered in one go re-plans the open tasks once, as one edit does."""

from datetime import date

import pytest

from huifang.core.models import JobRun
from huifang.core.services import CalendarRange, calendar_ranges_set
from huifang.followups.models import FollowUpTask
from huifang.followups.tests.test_generation import (
    _only_our_plans,  # noqa: F401  (autouse: the seeded plans are switched off)
    discharge_plan,
    frozen,
    generate,
    make_patient,
    make_stay,
)

pytestmark = pytest.mark.django_db


def test_a_new_year_break_moves_the_calls_due_in_it_with_one_job(
    django_capture_on_commit_callbacks,
):
    discharge_plan()
    # + 3 = Friday 1 January 2027, a working day while 2027 is not announced.
    stays = [make_stay(make_patient(), date(2026, 12, 29)) for _ in range(3)]
    with frozen(date(2026, 12, 29)):
        generate(*stays)
        assert set(FollowUpTask.objects.values_list("due_from", flat=True)) == {date(2027, 1, 1)}
        with django_capture_on_commit_callbacks(execute=True):
            calendar_ranges_set(
                actor=None,
                ranges=[
                    CalendarRange(
                        name="元旦",
                        date_from=date(2027, 1, 1),
                        date_to=date(2027, 1, 4),
                        kind="holiday",
                    )
                ],
            )
    # Friday to Monday off: the calls move to Tuesday 5 January.
    assert set(FollowUpTask.objects.values_list("due_from", flat=True)) == {date(2027, 1, 5)}
    runs = JobRun.objects.filter(name="followups.replan_for_calendar")
    assert runs.count() == 1
    assert runs.get().summary["updated"] == 3
