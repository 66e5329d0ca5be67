"""A small conditional questionnaire, built through the services as a manager would."""

import pytest

from huifang.surveys import services


def build_questionnaire(actor=None, code="ward-check", publish=True):
    """Three questions: satisfaction, "why" shown only when dissatisfied (≤ 2) OR
    the nurses were rated "never", and a 0–10 recommend."""
    q = services.questionnaire_create(actor=actor, code=code, title="病区满意度小调查")
    services.item_save(
        actor=actor,
        questionnaire=q,
        data={
            "code": "overall",
            "kind": "satisfaction5",
            "text": "您对这次住院满意吗？",
            "required": True,
            "dimension": "overall",
            "feedback_values": [1, 2],
        },
    )
    services.item_save(
        actor=actor,
        questionnaire=q,
        data={
            "code": "nurses",
            "kind": "frequency4",
            "text": "护士认真倾听您说话吗？",
            "required": True,
            "dimension": "nurses",
        },
    )
    services.item_save(
        actor=actor,
        questionnaire=q,
        data={
            "code": "why",
            "kind": "text",
            "text": "哪里让您不满意？",
            "required": True,
            "condition": {
                "combine": "any",
                "rules": [
                    {"item": "overall", "op": "lte", "value": 2},
                    {"item": "nurses", "op": "eq", "value": 1},
                ],
            },
            "feedback_values": ["*"],
        },
    )
    services.item_save(
        actor=actor,
        questionnaire=q,
        data={
            "code": "recommend",
            "kind": "rating10",
            "text": "您有多大可能向亲友推荐我们？",
            "required": False,
            "dimension": "overall",
        },
    )
    services.item_save(
        actor=actor,
        questionnaire=q,
        data={
            "code": "pain",
            "kind": "yesno",
            "text": "伤口是否剧烈疼痛？",
            "required": False,
            "red_flag_values": ["yes"],
        },
    )
    if publish:
        services.questionnaire_publish(actor=actor, questionnaire=q)
    q.refresh_from_db()
    return q


@pytest.fixture
def questionnaire(db):
    return build_questionnaire()


@pytest.fixture
def built_questionnaire_items(questionnaire):
    """The questions in order, as plain objects (hypothesis reuses them across examples)."""
    return list(questionnaire.items.order_by("position"))
