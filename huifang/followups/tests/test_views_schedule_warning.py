"""The schedule page says once, not under every task, that a year's holidays are not announced."""

from datetime import date

import pytest

from huifang.followups.tests.test_generation import (
    _only_our_plans,  # noqa: F401  (autouse: the seeded plans are switched off)
    discharge_plan,
    frozen,
    generate,
    make_patient,
    make_stay,
    make_touchpoint,
)

pytestmark = pytest.mark.django_db


def test_it_shows_the_unannounced_year_warning_once(client, login, personas):
    make_touchpoint(discharge_plan(), "month", offset_days=30, window_days=5)
    stay = make_stay(make_patient(), date(2026, 12, 29), number="ZY-2027C")
    with frozen(date(2026, 12, 29)):
        generate(stay)
        login("manager")
        html = client.get(f"/followups/encounters/{stay.uuid}/schedule/").content.decode()
    assert html.count('data-testid="calendar-warning"') == 1
    assert html.count("2027 年节假日安排尚未公布") == 1
    assert "ZY-2027C" in html
