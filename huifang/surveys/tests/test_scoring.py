"""The one scoring module, against examples computed by hand (docs/surveys.md)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.surveys import scoring


def test_it_maps_five_levels_onto_0_to_100():
    assert [scoring.to_100(v, "satisfaction5") for v in (5, 4, 3, 2, 1)] == [100, 75, 50, 25, 0]


def test_it_scores_a_dimension_as_the_mean_on_0_to_100():
    # 5, 5, 4, 3, 1 → 100 + 100 + 75 + 50 + 0 = 325; 325 / 5 = 65.0
    assert scoring.mean_score([5, 5, 4, 3, 1], "satisfaction5") == 65.0


def test_it_counts_the_top_two_of_five_as_satisfied():
    # 5, 5, 4, 3, 1: three of five are 4 or 5 → 60.0 %
    assert scoring.satisfaction_rate([5, 5, 4, 3, 1]) == 60.0


def test_it_gives_the_top_box_share():
    # 2 of 5 answered 非常满意 → 40.0 %; 1 of 3 answered 总是 → 33.3 %
    assert scoring.top_box([5, 5, 4, 3, 1], "satisfaction5") == 40.0
    assert scoring.top_box([4, 3, 2], "frequency4") == 33.3


def test_it_gives_three_level_rates():
    # 满意 ×3, 基本满意 ×1, 不满意 ×1 of 5
    rates = scoring.three_level_rates([3, 3, 3, 2, 1])
    assert rates == {
        "satisfied": 60.0,
        "basically_satisfied": 20.0,
        "dissatisfied": 20.0,
        "satisfaction_rate": 80.0,
    }


def test_it_computes_nps_as_promoters_minus_detractors():
    # 10, 9, 9, 8, 7, 6, 3, 0, 10, 9: promoters 5, passives 2, detractors 3 → 50 − 30 = 20
    assert scoring.nps([10, 9, 9, 8, 7, 6, 3, 0, 10, 9]) == 20.0
    # 1 promoter, 2 passives → 33.3
    assert scoring.nps([9, 8, 7]) == 33.3


def test_it_returns_none_instead_of_dividing_by_zero():
    assert scoring.mean_score([], "satisfaction5") is None
    assert scoring.satisfaction_rate([]) is None
    assert scoring.nps([]) is None
    assert scoring.response_rate(completed=0, dispatched=0) is None
    assert scoring.three_level_rates([])["satisfaction_rate"] is None


def test_it_computes_the_response_rate():
    # 7 completed of 20 dispatched → 35.0 %
    assert scoring.response_rate(completed=7, dispatched=20) == 35.0


def test_it_weighs_every_answer_once_in_a_dimension():
    answers = [
        ("nurses", "a", "satisfaction5", 5),  # 100
        ("nurses", "a", "satisfaction5", 3),  # 50
        ("nurses", "b", "frequency4", 4),  # 100
        ("nurses", "b", "frequency4", 1),  # 0
        ("", "c", "satisfaction5", 1),  # no dimension: left out
        ("overall", "d", "rating10", 8),  # 80
    ]
    result = {d.dimension: d for d in scoring.dimension_scores(answers)}
    assert result["nurses"].score == 62.5  # (100 + 50 + 100 + 0) / 4
    assert result["nurses"].count == 4
    assert result["nurses"].items == ["a", "b"]
    assert result["overall"].score == 80.0
    assert set(result) == {"nurses", "overall"}


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1))
def test_it_keeps_nps_between_minus_and_plus_100(values):
    assert -100 <= scoring.nps(values) <= 100


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1))
def test_it_keeps_five_level_measures_within_0_and_100(values):
    assert 0 <= scoring.mean_score(values, "satisfaction5") <= 100
    assert scoring.top_box(values, "satisfaction5") <= scoring.satisfaction_rate(values)


@pytest.mark.parametrize("kind", ["satisfaction5", "satisfaction3", "frequency4", "rating10"])
def test_it_puts_the_ends_of_every_scale_at_0_and_100(kind):
    low, high = scoring.SCALE_RANGE[kind]
    assert scoring.to_100(low, kind) == 0
    assert scoring.to_100(high, kind) == 100
