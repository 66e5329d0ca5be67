"""Deadlines in working days (National Day 2026 and its make-up Saturday), rules by category."""

import pytest

from huifang.feedback import services
from huifang.feedback.models import Case, DeadlineRule
from huifang.feedback.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_several_departments_get_ten_working_days_across_national_day():
    # Received Wed 30 Sep 2026; 1–7 Oct are off; Sat 10 Oct is a make-up working day:
    # 8, 9, 10 (Sat), 12, 13, 14, 15, 16, 19, 20 → due by the end of Tue 20 Oct.
    assert services.case_deadline(
        kind="complaint", received_at=at(2026, 9, 30, 10, 0), departments=2
    ) == at(2026, 10, 21)


def test_one_department_gets_five_working_days_across_national_day():
    # 8, 9, 10 (Sat), 12, 13 → due by the end of Tue 13 Oct.
    assert services.case_deadline(kind="complaint", received_at=at(2026, 9, 30, 10, 0)) == at(
        2026, 10, 14
    )


def test_a_rule_for_the_category_wins_over_the_general_one():
    DeadlineRule.objects.create(category="privacy", working_days_one=3, working_days_several=6)

    # 8, 9, 10 (Sat) → due by the end of Sat 10 Oct.
    assert services.case_deadline(
        kind="complaint", category="privacy", received_at=at(2026, 9, 30, 10, 0)
    ) == at(2026, 10, 11)


def test_a_rule_in_hours_for_critical_cases():
    DeadlineRule.objects.create(severity="critical", hours=48)

    assert services.case_deadline(
        kind="complaint", severity="critical", received_at=at(2026, 10, 1, 9, 0)
    ) == at(2026, 10, 3, 9, 0)


def test_the_default_rule_is_seeded_and_editable_in_admin():
    rule = services.deadline_rule_for(category="food", severity="normal")

    assert (rule.category, rule.severity, rule.working_days_one, rule.working_days_several) == (
        "",
        "",
        5,
        10,
    )


def test_triage_counts_the_deadline_again_for_several_departments(personas, departments):
    case = services.case_create(
        actor=personas["manager"],
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.HOTLINE,
        description="出入院手续来回跑了三个窗口",
        now=at(2026, 9, 30, 10, 0),
    )
    Case.objects.filter(pk=case.pk).update(created_at=at(2026, 9, 30, 10, 0))

    services.case_triage(
        actor=personas["manager"],
        case=case,
        departments=[departments["medicine"], departments["surgery"]],
        category="process",
    )

    case.refresh_from_db()
    assert case.deadline_at == at(2026, 10, 21)
    assert set(case.departments.values_list("code", flat=True)) == {"MED", "SUR"}
