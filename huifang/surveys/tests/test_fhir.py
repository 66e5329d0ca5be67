"""FHIR R4 Questionnaire and QuestionnaireResponse, validated with fhir.resources (R4B)."""

import copy

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

from huifang.core.errors import ApplicationError
from huifang.surveys import fhir, services
from huifang.surveys.models import Questionnaire
from huifang.surveys.selectors import questionnaire_active


def test_it_exports_a_valid_questionnaire_with_its_conditions(questionnaire):
    resource = fhir.questionnaire_to_fhir(questionnaire)

    parsed = FhirQuestionnaire.model_validate(resource)
    assert parsed.status == "active" and parsed.version == "1"
    why = next(i for i in resource["item"] if i["linkId"] == "why")
    assert why["enableBehavior"] == "any"
    assert why["enableWhen"] == [
        {
            "question": "overall",
            "operator": "<=",
            "answerCoding": {"system": "urn:huifang:scale:satisfaction5", "code": "2"},
        },
        {
            "question": "nurses",
            "operator": "=",
            "answerCoding": {"system": "urn:huifang:scale:frequency4", "code": "1"},
        },
    ]
    overall = next(i for i in resource["item"] if i["linkId"] == "overall")
    assert [o["valueCoding"]["display"] for o in overall["answerOption"]] == [
        "非常满意",
        "满意",
        "一般",
        "不太满意",
        "不满意",
    ]


@pytest.mark.parametrize("code", [
    "inpatient-discharge", "outpatient", "surgery", "maternity-newborn",
    "health-check-recheck", "complaint-verification", "inpatient-satisfaction", "inpatient-hcahps",
])  # fmt: skip
def test_it_exports_every_builtin_questionnaire_validly(db, code):
    FhirQuestionnaire.model_validate(fhir.questionnaire_to_fhir(questionnaire_active(code)))


def test_it_imports_its_own_export_unchanged_as_a_new_draft(questionnaire, personas):
    exported = fhir.questionnaire_to_fhir(questionnaire)

    draft = fhir.questionnaire_import(actor=personas["manager"], data=exported)

    assert (draft.code, draft.version, draft.status) == (questionnaire.code, 2, "draft")
    fields = [*services.ITEM_FIELDS, "position"]
    assert list(draft.items.values(*fields)) == list(questionnaire.items.values(*fields))


def test_it_imports_a_foreign_questionnaire_inferring_kinds(db, personas):
    resource = {
        "resourceType": "Questionnaire",
        "status": "active",
        "url": "http://example.org/Questionnaire/phq-2",
        "title": "情绪筛查",
        "item": [
            {
                "linkId": "g",
                "type": "group",
                "item": [
                    {"linkId": "low", "text": "情绪低落？", "type": "boolean", "required": True},
                    {
                        "linkId": "days",
                        "text": "多少天？",
                        "type": "integer",
                        "enableWhen": [{"question": "low", "operator": "=", "answerBoolean": True}],
                    },
                ],
            }
        ],
    }
    draft = fhir.questionnaire_import(actor=personas["manager"], data=resource)
    items = {i.code: i for i in draft.items.all()}
    assert draft.code == "phq-2"
    assert items["low"].kind == "yesno" and items["low"].required
    assert items["days"].kind == "number"
    assert items["days"].condition == {
        "combine": "all",
        "rules": [{"item": "low", "op": "eq", "value": "yes"}],
    }


def test_it_refuses_an_invalid_resource_with_the_errors(db, personas):
    with pytest.raises(ApplicationError) as caught:
        fhir.questionnaire_import(
            actor=personas["manager"],
            data={
                "resourceType": "Questionnaire",
                "status": "active",
                "item": [{"type": "string"}],
            },
        )
    assert caught.value.code == "invalid_fhir"
    assert caught.value.details["errors"][0]["loc"][-1] == "linkId"
    assert not Questionnaire.objects.filter(status="draft").exists()


def test_it_refuses_the_import_for_an_agent(questionnaire, personas):
    with pytest.raises(ApplicationError) as caught:
        fhir.questionnaire_import(
            actor=personas["agent"], data=fhir.questionnaire_to_fhir(questionnaire)
        )
    assert caught.value.status == 403


def test_it_round_trips_a_response(questionnaire, personas, patient_medicine):
    response = services.response_record(
        actor=personas["agent"],
        questionnaire=questionnaire,
        answers={"overall": "1", "nurses": "2", "why": "没人理", "recommend": "0", "pain": "no"},
        channel="phone",
        patient=patient_medicine,
    )
    resource = fhir.response_to_fhir(response)
    FhirResponse.model_validate(resource)
    assert resource["questionnaire"] == "urn:huifang:questionnaire:ward-check|1"
    assert resource["subject"] == {"reference": f"Patient/{patient_medicine.uuid}"}
    assert "张三丰" not in str(resource)

    again = fhir.response_import(actor=personas["agent"], data=copy.deepcopy(resource))

    original = {a.item.code: a.value for a in response.answers.all()}
    imported = {a.item.code: a.value for a in again.answers.all()}
    assert (
        imported
        == original
        == {"overall": 1, "nurses": 2, "why": "没人理", "recommend": 0, "pain": "no"}
    )


def test_it_marks_a_voided_response_entered_in_error(questionnaire, personas, patient_medicine):
    response = services.response_record(
        actor=personas["agent"],
        questionnaire=questionnaire,
        answers={"overall": "5", "nurses": "4"},
        channel="phone",
        patient=patient_medicine,
    )
    voided = services.response_void(actor=personas["quality"], response=response, reason="重复")
    assert fhir.response_to_fhir(voided)["status"] == "entered-in-error"


def test_it_exports_and_imports_over_the_api(client, login, questionnaire):
    login("manager")
    exported = client.get(f"/api/v1/surveys/questionnaires/{questionnaire.pk}/fhir")
    assert exported.status_code == 200
    imported = client.post(
        "/api/v1/surveys/questionnaires/fhir", exported.json(), content_type="application/json"
    )
    assert imported.status_code == 201
    assert imported.json()["version"] == 2 and imported.json()["status"] == "draft"
    bad = client.post(
        "/api/v1/surveys/questionnaires/fhir",
        {"resourceType": "Patient"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_fhir"
