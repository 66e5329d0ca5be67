"""Conditions on earlier answers (AND / OR), hidden questions dropped, answer types."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.core.errors import ApplicationError
from huifang.surveys import answers as rules
from huifang.surveys import services


def test_it_combines_rules_with_and():
    condition = {
        "combine": "all",
        "rules": [
            {"item": "a", "op": "eq", "value": "yes"},
            {"item": "b", "op": "gte", "value": 7},
        ],
    }
    assert rules.condition_met(condition, {"a": "yes", "b": 8})
    assert not rules.condition_met(condition, {"a": "yes", "b": 6})
    assert not rules.condition_met(condition, {"a": "no", "b": 8})


def test_it_combines_rules_with_or():
    condition = {
        "combine": "any",
        "rules": [
            {"item": "a", "op": "eq", "value": "yes"},
            {"item": "b", "op": "lte", "value": 2},
        ],
    }
    assert rules.condition_met(condition, {"a": "no", "b": 1})
    assert rules.condition_met(condition, {"a": "yes"})
    assert not rules.condition_met(condition, {"a": "no", "b": 3})


def test_it_treats_a_rule_on_an_unanswered_question_as_not_met():
    assert not rules.rule_met({"item": "a", "op": "ne", "value": "x"}, {})
    assert rules.rule_met({"item": "a", "op": "exists", "value": False}, {})
    assert rules.rule_met({"item": "a", "op": "exists", "value": True}, {"a": 3})


def test_it_matches_a_multiple_choice_answer_containing_the_value():
    rule = {"item": "signs", "op": "eq", "value": "fever"}
    assert rules.rule_met(rule, {"signs": ["fever", "bleeding"]})
    assert not rules.rule_met(rule, {"signs": ["none"]})


def test_it_drops_the_answer_to_a_hidden_question(questionnaire):
    items = list(questionnaire.items.all())
    clean, errors = rules.clean_answers(
        items, {"overall": "5", "nurses": "4", "why": "没有不满意", "recommend": "9"}
    )
    assert errors == {}
    assert "why" not in clean
    assert clean == {"overall": 5, "nurses": 4, "recommend": 9}


def test_it_requires_a_shown_required_question(questionnaire):
    items = list(questionnaire.items.all())
    _clean, errors = rules.clean_answers(items, {"overall": "2", "nurses": "4"})
    assert set(errors) == {"why"}


def test_it_shows_the_question_when_either_rule_is_met(questionnaire):
    items = list(questionnaire.items.all())
    clean, errors = rules.clean_answers(
        items, {"overall": "5", "nurses": "1", "why": "按铃很久没人来"}
    )
    assert errors == {}
    assert clean["why"] == "按铃很久没人来"


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("overall", "6"),
        ("overall", "very"),
        ("nurses", "0"),
        ("recommend", "11"),
        ("pain", "maybe"),
    ],
)
def test_it_refuses_answers_outside_the_scale(questionnaire, code, raw):
    items = list(questionnaire.items.all())
    answers = {"overall": "4", "nurses": "3", code: raw}
    _clean, errors = rules.clean_answers(items, answers)
    assert code in errors


def test_it_refuses_a_condition_on_a_later_question(questionnaire):
    draft = services.questionnaire_draft(actor=None, questionnaire=questionnaire)
    first = draft.items.get(code="overall")
    with pytest.raises(ApplicationError) as caught:
        services.item_save(
            actor=None,
            questionnaire=draft,
            item=first,
            data={
                "code": "overall",
                "kind": "satisfaction5",
                "text": "总体满意度",
                "condition": {"rules": [{"item": "recommend", "op": "gte", "value": 5}]},
            },
        )
    assert "condition" in caught.value.details


def test_it_refuses_to_move_a_question_above_the_one_it_depends_on(questionnaire):
    draft = services.questionnaire_draft(actor=None, questionnaire=questionnaire)
    with pytest.raises(ApplicationError) as caught:
        services.item_move(
            actor=None, questionnaire=draft, item=draft.items.get(code="why"), direction="up"
        )
    assert caught.value.code == "condition_order"
    with pytest.raises(ApplicationError):
        services.item_move(
            actor=None, questionnaire=draft, item=draft.items.get(code="nurses"), direction="down"
        )
    services.item_move(
        actor=None, questionnaire=draft, item=draft.items.get(code="why"), direction="down"
    )
    assert [i.code for i in draft.items.order_by("position")] == [
        "overall",
        "nurses",
        "recommend",
        "why",
        "pain",
    ]


def test_it_refuses_to_delete_a_question_a_condition_uses(questionnaire):
    with pytest.raises(ApplicationError) as caught:
        services.item_delete(
            actor=None, questionnaire=questionnaire, item=questionnaire.items.get(code="overall")
        )
    assert caught.value.code == "item_referenced"


@given(
    st.sampled_from(["eq", "ne", "gt", "lt", "gte", "lte"]),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=10),
)
def test_it_compares_numbers_as_numbers(op, answer, expected):
    result = rules.rule_met({"item": "x", "op": op, "value": expected}, {"x": answer})
    assert (
        result
        == {
            "eq": answer == expected,
            "ne": answer != expected,
            "gt": answer > expected,
            "lt": answer < expected,
            "gte": answer >= expected,
            "lte": answer <= expected,
        }[op]
    )


ANSWER_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", "1", "2", "5", "6", "yes", "no", "x", "10", "2026-11-30"]),
    st.integers(min_value=-2, max_value=12),
    st.lists(st.sampled_from(["a", "b", "z"]), max_size=3),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.dictionaries(
        st.sampled_from(["overall", "nurses", "why", "recommend", "pain"]), ANSWER_VALUES
    )
)
def test_it_never_keeps_an_answer_to_a_hidden_question(built_questionnaire_items, raw):
    items = built_questionnaire_items
    clean, errors = rules.clean_answers(items, raw)
    assert set(clean).isdisjoint(errors)
    why_shown = rules.condition_met(items[2].condition, clean)
    if not why_shown:
        assert "why" not in clean and "why" not in errors
    for item in items:
        if item.code in clean and item.code != "why":
            assert rules.coerce(item, clean[item.code]) == clean[item.code]
