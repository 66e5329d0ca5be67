"""/api/v1/surveys: questionnaires, dispatches, responses and scores for other systems."""

import pytest
from django.test import Client

from huifang.accounts.services import api_token_create
from huifang.surveys.models import Dispatch, Response

ALL = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin", "nobody"]
MAY_VIEW = {"agent", "head_medicine", "head_surgery", "manager", "quality", "admin"}
MAY_ASK = {"agent", "manager", "admin"}
ANSWERS = {"overall": 2, "nurses": 4, "why": "等太久", "recommend": 3}


def _bearer(user):
    _, clear = api_token_create(user=user, name="测试对接")
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_questionnaires_for_those_who_may_see_them(client, login, persona):
    login(persona)
    response = client.get("/api/v1/surveys/questionnaires")
    if persona in MAY_VIEW:
        assert response.status_code == 200
        codes = {q["code"] for q in response.json()}
        assert {"inpatient-satisfaction", "inpatient-hcahps", "complaint-verification"} <= codes
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_it_refuses_without_authentication(db):
    response = Client().get("/api/v1/surveys/questionnaires")
    assert response.status_code == 401


def test_it_returns_a_version_with_its_questions(client, login, questionnaire):
    login("agent")
    body = client.get(f"/api/v1/surveys/questionnaires/{questionnaire.pk}").json()
    assert body["version"] == 1 and body["status"] == "active"
    why = next(i for i in body["items"] if i["code"] == "why")
    assert why["condition"]["combine"] == "any"


@pytest.mark.parametrize("persona", ALL)
def test_it_creates_a_dispatch_with_a_one_time_link(
    persona, personas, questionnaire, patient_medicine
):
    response = Client().post(
        "/api/v1/surveys/dispatches",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "channel": "sms",
        },
        content_type="application/json",
        headers=_bearer(personas[persona]),
    )
    if persona not in MAY_ASK:
        assert response.status_code in (403, 404)
        assert not Dispatch.objects.exists()
        return
    assert response.status_code == 201
    body = response.json()
    assert body["url"].startswith("/s/") and len(body["url"]) == 25
    assert body["status"] == "sent" and body["version"] == 1
    page = Client().get(body["url"])
    assert page.status_code == 200


def test_it_records_answers_and_reports_bad_ones_per_question(
    client, login, questionnaire, patient_medicine
):
    login("agent")
    bad = client.post(
        "/api/v1/surveys/responses",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "answers": {"overall": 2},
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_answers"
    assert set(bad.json()["details"]["items"]) == {"nurses", "why"}

    good = client.post(
        "/api/v1/surveys/responses",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "answers": ANSWERS,
        },
        content_type="application/json",
    )
    assert good.status_code == 201
    body = good.json()
    flagged = {a["item"] for a in body["answers"] if a["opens_feedback"]}
    assert flagged == {"overall", "why"}
    assert body["channel"] == "phone"


def test_it_refuses_a_patient_outside_the_agents_scope(
    client, login, questionnaire, patient_surgery
):
    login("agent")
    response = client.post(
        "/api/v1/surveys/responses",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_surgery.uuid),
            "answers": ANSWERS,
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_it_completes_a_dispatch_once(client, login, questionnaire, patient_medicine):
    login("agent")
    dispatch = client.post(
        "/api/v1/surveys/dispatches",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "channel": "phone",
        },
        content_type="application/json",
    ).json()
    payload = {
        "questionnaire": questionnaire.code,
        "patient": str(patient_medicine.uuid),
        "dispatch": dispatch["uuid"],
        "answers": ANSWERS,
    }
    first = client.post("/api/v1/surveys/responses", payload, content_type="application/json")
    second = client.post("/api/v1/surveys/responses", payload, content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["code"] == "already_submitted"
    assert Dispatch.objects.get().status == "completed"


def test_it_voids_and_scores_for_the_quality_office(
    client, login, personas, questionnaire, patient_medicine
):
    login("agent")
    created = client.post(
        "/api/v1/surveys/responses",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "answers": ANSWERS,
        },
        content_type="application/json",
    ).json()
    refused = client.post(
        f"/api/v1/surveys/responses/{created['uuid']}/void",
        {"reason": "录错患者"},
        content_type="application/json",
    )
    assert refused.status_code == 403

    login("quality")
    before = client.get(f"/api/v1/surveys/questionnaires/{questionnaire.code}/scores").json()
    voided = client.post(
        f"/api/v1/surveys/responses/{created['uuid']}/void",
        {"reason": "录错患者"},
        content_type="application/json",
    )
    after = client.get(f"/api/v1/surveys/questionnaires/{questionnaire.code}/scores").json()

    assert voided.status_code == 200 and voided.json()["voided"] is True
    assert before["responses"] == 1
    overall = next(i for i in before["items"] if i["code"] == "overall")
    assert overall["score"] == 25.0 and overall["satisfaction_rate"] == 0.0
    assert after["responses"] == 0 and after["voided"] == 1 and after["items"] == []


@pytest.mark.parametrize("persona", ["agent", "doctor", "nobody"])
def test_it_refuses_scores_to_roles_without_them(client, login, persona, questionnaire):
    login(persona)
    response = client.get(f"/api/v1/surveys/questionnaires/{questionnaire.code}/scores")
    assert response.status_code == 403


def test_it_lists_responses_in_scope(client, login, personas, questionnaire, patient_medicine):
    login("agent")
    client.post(
        "/api/v1/surveys/responses",
        {
            "questionnaire": questionnaire.code,
            "patient": str(patient_medicine.uuid),
            "answers": ANSWERS,
        },
        content_type="application/json",
    )
    assert client.get("/api/v1/surveys/responses").json()["count"] == 1
    login("head_surgery")
    assert client.get("/api/v1/surveys/responses").json()["count"] == 0


def test_it_publishes_the_endpoints_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/surveys/dispatches" in spec["paths"]
    assert "/api/v1/surveys/responses/{response_uuid}/void" in spec["paths"]
