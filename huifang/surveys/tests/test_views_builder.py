"""The staff pages, for the personas that may and may not use them."""

import pytest

from huifang.surveys import services
from huifang.surveys.models import Questionnaire, Response

ALL = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin", "nobody"]
MAY_VIEW = {"agent", "head_medicine", "head_surgery", "manager", "quality", "admin"}
MAY_CHANGE = {"manager", "admin"}
MAY_VOID = {"quality", "admin"}
MAY_SCORES = {"head_medicine", "head_surgery", "manager", "quality", "admin"}
MAY_RECORD = {"agent", "manager", "admin"}
# Measured for a manager with the eight built-in questionnaires: session, user,
# permissions (2), newest versions, active versions, response counts, session
# save. Budget: + 3.
LIST_QUERY_BUDGET = 14


def _item_post(**overrides):
    data = {
        "code": "wait",
        "text": "候诊时间长吗？",
        "kind": "satisfaction5",
        "required": "on",
        "dimension": "process",
        "combine": "all",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_the_list_only_to_those_who_may_see_questionnaires(
    client, login, persona, django_assert_max_num_queries
):
    login(persona)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        page = client.get("/surveys/")
    assert page.status_code == (200 if persona in MAY_VIEW else 403)
    if persona in MAY_VIEW:
        assert "住院患者满意度调查" in page.content.decode()


def test_it_offers_the_navigation_entry_to_managers_not_agents(client, login):
    login("manager")
    assert 'data-nav="questionnaires"' in client.get("/").content.decode()
    login("agent")
    assert 'data-nav="questionnaires"' not in client.get("/").content.decode()


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_managers_add_a_question(client, login, persona, questionnaire):
    login(persona)
    page = client.post(f"/surveys/q/{questionnaire.pk}/items/new/", _item_post())
    if persona in MAY_CHANGE:
        draft = Questionnaire.objects.get(code=questionnaire.code, status="draft")
        assert page.status_code == 302 and page["Location"] == f"/surveys/q/{draft.pk}/"
        assert draft.items.filter(code="wait").exists()
        assert not questionnaire.items.filter(code="wait").exists()
    else:
        assert page.status_code == 403
        assert not Questionnaire.objects.filter(status="draft").exists()


def test_it_builds_a_conditional_question_from_the_form(client, login, questionnaire):
    login("manager")
    client.post(f"/surveys/q/{questionnaire.pk}/items/new/", _item_post())
    draft = Questionnaire.objects.get(code=questionnaire.code, status="draft")

    page = client.post(
        f"/surveys/q/{draft.pk}/items/new/",
        _item_post(
            code="wait-why",
            kind="text",
            text="等了多久？",
            dimension="",
            combine="any",
            rule_item_0="wait",
            rule_op_0="lte",
            rule_value_0="2",
            rule_item_1="overall",
            rule_op_1="eq",
            rule_value_1="1",
            feedback_values="*",
        ),
    )

    assert page.status_code == 302
    item = draft.items.get(code="wait-why")
    assert item.condition == {
        "combine": "any",
        "rules": [
            {"item": "wait", "op": "lte", "value": 2},
            {"item": "overall", "op": "eq", "value": 1},
        ],
    }
    assert item.feedback_values == ["*"]
    detail = client.get(f"/surveys/q/{draft.pk}/").content.decode()
    assert "wait ≤ 2 或 overall = 1" in detail


def test_it_shows_the_services_complaint_on_the_form(client, login, questionnaire):
    login("manager")
    page = client.post(
        f"/surveys/q/{questionnaire.pk}/items/new/",
        _item_post(code="overall"),
    )
    assert page.status_code == 200
    assert "本问卷中已有题目使用这个代码" in page.content.decode()


def test_it_reorders_and_publishes(client, login, questionnaire):
    login("manager")
    recommend = questionnaire.items.get(code="recommend")
    client.post(f"/surveys/q/{questionnaire.pk}/items/{recommend.pk}/move/", {"direction": "up"})
    draft = Questionnaire.objects.get(code=questionnaire.code, status="draft")
    assert list(draft.items.order_by("position").values_list("code", flat=True))[:4] == [
        "overall",
        "nurses",
        "recommend",
        "why",
    ]
    page = client.post(f"/surveys/q/{draft.pk}/publish/")
    assert page.status_code == 302
    draft.refresh_from_db()
    questionnaire.refresh_from_db()
    assert (draft.status, questionnaire.status) == ("active", "retired")


def test_it_refuses_a_move_that_breaks_a_condition_with_a_clear_message(
    client, login, questionnaire
):
    login("manager")
    why = questionnaire.items.get(code="why")
    page = client.post(f"/surveys/q/{questionnaire.pk}/items/{why.pk}/move/", {"direction": "up"})
    assert page.status_code == 409
    assert "必须排在它后面" in page.content.decode()


@pytest.mark.parametrize("persona", ALL)
def test_it_previews_as_agent_and_as_patient(client, login, persona, questionnaire):
    login(persona)
    agent_view = client.get(f"/surveys/q/{questionnaire.pk}/preview/agent/")
    patient_view = client.get(f"/surveys/q/{questionnaire.pk}/preview/patient/")
    expected = 200 if persona in MAY_VIEW else 403
    assert agent_view.status_code == patient_view.status_code == expected
    if persona in MAY_VIEW:
        assert 'name="q-overall"' in agent_view.content.decode()
        assert "尊敬的张先生，您好！" in patient_view.content.decode()
        assert 'data-testid="preview-banner"' in patient_view.content.decode()


def _responses(questionnaire, personas, patient_medicine, patient_surgery):
    services.response_record(
        actor=personas["manager"],
        questionnaire=questionnaire,
        answers={"overall": "5", "nurses": "4", "recommend": "10"},
        channel="phone",
        patient=patient_medicine,
    )
    services.response_record(
        actor=personas["manager"],
        questionnaire=questionnaire,
        answers={"overall": "3", "nurses": "4", "recommend": "6"},
        channel="phone",
        patient=patient_surgery,
    )


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_scores_scoped_to_the_department(
    client, login, persona, questionnaire, personas, patient_medicine, patient_surgery
):
    _responses(questionnaire, personas, patient_medicine, patient_surgery)
    login(persona)
    page = client.get(f"/surveys/scores/{questionnaire.code}/")
    if persona not in MAY_SCORES:
        assert page.status_code == 403
        return
    html = page.content.decode()
    assert page.status_code == 200
    if persona == "head_medicine":
        # Only 内科's patient: overall 5 → 100.0, NPS 100.0
        assert '<td class="text-end" data-testid="nps">100.0</td>' in html
    elif persona == "head_surgery":
        assert '<td class="text-end" data-testid="nps">-100.0</td>' in html
    else:
        # 10 and 6: one promoter, one detractor → 0.0; overall (100 + 50) / 2 = 75.0
        assert '<td class="text-end" data-testid="nps">0.0</td>' in html
        assert ">75.0<" in html


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_responses_in_scope(
    client,
    login,
    persona,
    questionnaire,
    personas,
    patient_medicine,
    patient_surgery,
    django_assert_max_num_queries,
):
    _responses(questionnaire, personas, patient_medicine, patient_surgery)
    login(persona)
    with django_assert_max_num_queries(14):
        page = client.get("/surveys/responses/")
    if persona not in MAY_VIEW:
        assert page.status_code == 403
        return
    html = page.content.decode()
    assert ("张三丰" in html) == (persona != "head_surgery")
    assert ("李秀英" in html) == (persona not in {"agent", "head_medicine"})


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_the_quality_office_and_admins_void(
    client, login, persona, questionnaire, personas, patient_medicine
):
    response = services.response_record(
        actor=personas["agent"],
        questionnaire=questionnaire,
        answers={"overall": "5", "nurses": "4"},
        channel="phone",
        patient=patient_medicine,
    )
    login(persona)
    page = client.post(f"/surveys/responses/{response.uuid}/", {"reason": "测试数据"})
    response.refresh_from_db()
    if persona in MAY_VOID:
        assert page.status_code == 302
        assert response.void_reason == "测试数据"
    else:
        assert page.status_code in (403, 404)
        assert response.voided_at is None


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_an_agent_record_answers_from_the_phone(
    client, login, persona, questionnaire, patient_medicine
):
    login(persona)
    url = f"/surveys/record/{questionnaire.code}/{patient_medicine.uuid}/"
    page = client.post(url, {"q-overall": "1", "q-nurses": "2", "q-why": "呼叫铃没人应"})
    if persona not in MAY_RECORD:
        assert page.status_code in (403, 404)
        assert not Response.objects.exists()
        return
    response = Response.objects.get()
    assert page.status_code == 302
    assert response.recorded_by.username == persona
    assert response.channel == "phone"
    assert response.answers.get(item__code="why").opens_feedback


def test_it_keeps_the_agents_answers_when_one_is_missing(
    client, login, questionnaire, patient_medicine
):
    login("agent")
    url = f"/surveys/record/{questionnaire.code}/{patient_medicine.uuid}/"
    page = client.post(url, {"q-overall": "1", "q-nurses": "2"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "请回答这个问题" in html
    assert 'value="1" checked' in html


def test_it_records_a_refusal_in_the_ledger(client, login, questionnaire, patient_medicine):
    from huifang.surveys.models import Dispatch

    login("agent")
    url = f"/surveys/record/{questionnaire.code}/{patient_medicine.uuid}/"
    page = client.post(url, {"refused": "1"})
    assert page.status_code == 302
    dispatch = Dispatch.objects.get()
    assert (dispatch.channel, dispatch.status) == ("phone", "refused")
    assert not Response.objects.exists()
