"""FHIR R4 ``Questionnaire`` and ``QuestionnaireResponse``: export and import.

Validated with ``fhir.resources`` (its R4B models, wire-compatible with R4
for these two resources). What FHIR has no field for — the item kind, the
dimension, the flag values, "agent only" — travels in extensions under
``EXTENSION``, so a Huifang export imports back unchanged; a questionnaire
from elsewhere imports with the kinds inferred from its item types.
"""

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as FhirQuestionnaireResponse,
)
from pydantic import ValidationError

from huifang.core.errors import ApplicationError, NotFound
from huifang.surveys import services
from huifang.surveys.models import ItemKind, Questionnaire, Response

EXTENSION = "https://huifang.org/fhir/StructureDefinition/"
QUESTIONNAIRE_SYSTEM = "urn:huifang:questionnaire"
SCALE_SYSTEM = "urn:huifang:scale:"
STATUS_TO_FHIR = {"draft": "draft", "active": "active", "retired": "retired"}
OPERATORS = {
    "eq": "=",
    "ne": "!=",
    "gt": ">",
    "lt": "<",
    "gte": ">=",
    "lte": "<=",
    "exists": "exists",
}
FHIR_TYPES = {
    ItemKind.SINGLE: "choice",
    ItemKind.MULTIPLE: "choice",
    ItemKind.SATISFACTION5: "choice",
    ItemKind.SATISFACTION3: "choice",
    ItemKind.FREQUENCY4: "choice",
    ItemKind.RATING10: "integer",
    ItemKind.YESNO: "boolean",
    ItemKind.NUMBER: "decimal",
    ItemKind.DATE: "date",
    ItemKind.TEXT: "text",
}
CODED_SCALES = (ItemKind.SATISFACTION5, ItemKind.SATISFACTION3, ItemKind.FREQUENCY4)


def _invalid(exc: ValidationError, what: str) -> ApplicationError:
    return ApplicationError(
        _("This is not a valid FHIR %(what)s.") % {"what": what},
        code="invalid_fhir",
        details={
            "errors": [{"loc": list(map(str, e["loc"])), "msg": e["msg"]} for e in exc.errors()]
        },
    )


def _coding_system(questionnaire_code: str, item) -> str:
    if item.kind in CODED_SCALES:
        return SCALE_SYSTEM + item.kind
    return f"{QUESTIONNAIRE_SYSTEM}:{questionnaire_code}:{item.code}"


def _fhir_answer(item, value: Any, questionnaire_code: str) -> dict:
    """One answer value as ``{"valueX": …}`` for ``item``'s FHIR type."""
    fhir_type = FHIR_TYPES[item.kind]
    if fhir_type == "choice":
        labels = {str(v): str(label) for v, label in item.choices}
        return {
            "valueCoding": {
                "system": _coding_system(questionnaire_code, item),
                "code": str(value),
                "display": labels.get(str(value), str(value)),
            }
        }
    if fhir_type == "integer":
        return {"valueInteger": int(value)}
    if fhir_type == "boolean":
        return {"valueBoolean": value in ("yes", True)}
    if fhir_type == "decimal":
        return {"valueDecimal": value}
    if fhir_type == "date":
        return {"valueDate": str(value)}
    return {"valueString": str(value)}


def _enable_when(rule: dict, target) -> dict:
    entry = {"question": rule["item"], "operator": OPERATORS[rule["op"]]}
    if rule["op"] == "exists":
        entry["answerBoolean"] = bool(rule["value"])
        return entry
    answer = _fhir_answer(target, rule["value"], "")
    key, value = next(iter(answer.items()))
    entry["answer" + key[len("value") :]] = value
    if key == "valueCoding":
        value.pop("display", None)
    return entry


def _ext(name: str, **value) -> dict:
    return {"url": EXTENSION + name, **value}


def questionnaire_to_fhir(questionnaire: Questionnaire) -> dict:
    """The version as a FHIR ``Questionnaire`` (a JSON-ready dict), validated."""
    items = list(questionnaire.items.order_by("position", "id"))
    by_code = {item.code: item for item in items}
    fhir_items = []
    for item in items:
        entry: dict[str, Any] = {
            "linkId": item.code,
            "text": item.text,
            "type": FHIR_TYPES[item.kind],
            "required": item.required,
        }
        if item.kind == ItemKind.MULTIPLE:
            entry["repeats"] = True
        if item.choices and FHIR_TYPES[item.kind] in ("choice", "integer"):
            entry["answerOption"] = [
                _fhir_answer(item, value, questionnaire.code) for value, _label in item.choices
            ]
        rules = (item.condition or {}).get("rules") or []
        if rules:
            entry["enableWhen"] = [_enable_when(rule, by_code[rule["item"]]) for rule in rules]
            if len(rules) > 1:
                entry["enableBehavior"] = "any" if item.condition.get("combine") == "any" else "all"
        extensions = [_ext("item-kind", valueCode=item.kind)]
        if item.dimension:
            extensions.append(_ext("dimension", valueCode=item.dimension))
        if item.feedback_values:
            extensions.append(_ext("feedback-values", valueString=json.dumps(item.feedback_values)))
        if item.red_flag_values:
            extensions.append(_ext("red-flag-values", valueString=json.dumps(item.red_flag_values)))
        if item.agent_only:
            extensions.append(_ext("agent-only", valueBoolean=True))
        if item.help_text:
            extensions.append(_ext("help-text", valueString=item.help_text))
        entry["extension"] = extensions
        fhir_items.append(entry)
    resource = {
        "resourceType": "Questionnaire",
        "id": f"{questionnaire.code}-v{questionnaire.version}",
        "url": f"{QUESTIONNAIRE_SYSTEM}:{questionnaire.code}",
        "identifier": [{"system": QUESTIONNAIRE_SYSTEM, "value": questionnaire.code}],
        "version": str(questionnaire.version),
        "title": questionnaire.title,
        "status": STATUS_TO_FHIR[questionnaire.status],
        "item": fhir_items,
    }
    if questionnaire.description:
        resource["description"] = questionnaire.description
    FhirQuestionnaire.model_validate(resource)
    return resource


def _extensions(entry: dict) -> dict[str, Any]:
    found = {}
    for ext in entry.get("extension") or []:
        url = ext.get("url", "")
        if url.startswith(EXTENSION):
            value = next((v for k, v in ext.items() if k.startswith("value")), None)
            found[url[len(EXTENSION) :]] = value
    return found


def _flatten(items: list[dict]) -> list[dict]:
    flat = []
    for entry in items or []:
        if entry.get("type") == "group":
            flat.extend(_flatten(entry.get("item") or []))
        elif entry.get("type") != "display":
            flat.append(entry)
    return flat


def _answer_value(answer: dict) -> Any:
    """The plain value of a FHIR answer (``valueCoding`` → its code, ``valueBoolean`` → yes/no)."""
    for key, value in answer.items():
        if key == "valueCoding":
            return value.get("code")
        if key == "valueBoolean":
            return "yes" if value else "no"
        if key.startswith("value"):
            return value
    return None


def _kind_for(entry: dict, declared: str | None) -> str:
    if declared in ItemKind.values:
        return declared
    fhir_type = entry.get("type")
    if fhir_type == "choice" or fhir_type == "open-choice":
        return ItemKind.MULTIPLE if entry.get("repeats") else ItemKind.SINGLE
    return {
        "boolean": ItemKind.YESNO,
        "integer": ItemKind.NUMBER,
        "decimal": ItemKind.NUMBER,
        "date": ItemKind.DATE,
    }.get(fhir_type, ItemKind.TEXT)


def _item_data(entry: dict) -> dict:
    ext = _extensions(entry)
    kind = _kind_for(entry, ext.get("item-kind"))
    options = []
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
        for option in entry.get("answerOption") or []:
            coding = option.get("valueCoding")
            if coding:
                options.append(
                    {
                        "value": coding.get("code"),
                        "label": coding.get("display") or coding.get("code"),
                    }
                )
            else:
                value = _answer_value(option)
                options.append({"value": str(value), "label": str(value)})
    operators = {v: k for k, v in OPERATORS.items()}
    rules = []
    for when in entry.get("enableWhen") or []:
        value = _answer_value(
            {k.replace("answer", "value", 1): v for k, v in when.items() if k.startswith("answer")}
        )
        op = operators.get(when.get("operator"), "eq")
        if op == "exists":
            value = value == "yes"
        rules.append({"item": when.get("question"), "op": op, "value": value})
    return {
        "code": entry["linkId"],
        "text": entry.get("text") or entry["linkId"],
        "kind": kind,
        "required": bool(entry.get("required")),
        "options": options,
        "condition": {"combine": entry.get("enableBehavior") or "all", "rules": rules}
        if rules
        else {},
        "dimension": ext.get("dimension") or "",
        "feedback_values": json.loads(ext["feedback-values"]) if ext.get("feedback-values") else [],
        "red_flag_values": json.loads(ext["red-flag-values"]) if ext.get("red-flag-values") else [],
        "agent_only": bool(ext.get("agent-only")),
        "help_text": ext.get("help-text") or "",
    }


def questionnaire_import(*, actor, data: dict) -> Questionnaire:
    """A FHIR ``Questionnaire`` as a new draft version (a new questionnaire if its code is new).

    The code is the identifier in ``urn:huifang:questionnaire``, else the
    last part of ``url``, else ``id``. Raises ``ApplicationError`` with the
    validation errors when the resource is not a valid Questionnaire.
    """
    try:
        FhirQuestionnaire.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "Questionnaire") from exc
    code = (
        next(
            (
                i.get("value")
                for i in data.get("identifier") or []
                if i.get("system") == QUESTIONNAIRE_SYSTEM
            ),
            None,
        )
        or (data.get("url") or "").rstrip("/").split(":")[-1].split("/")[-1]
        or data.get("id")
    )
    if not code:
        raise ApplicationError(
            _("The questionnaire needs an identifier, a url or an id."), code="invalid_fhir"
        )
    title = data.get("title") or data.get("name") or code
    entries = _flatten(data.get("item") or [])
    if not entries:
        raise ApplicationError(_("The questionnaire has no questions."), code="invalid_fhir")
    with transaction.atomic():
        latest = Questionnaire.objects.filter(code=code).order_by("-version").first()
        if latest is None:
            draft = services.questionnaire_create(
                actor=actor, code=code, title=title, description=data.get("description") or ""
            )
        else:
            draft = services.questionnaire_update(
                actor=actor,
                questionnaire=latest,
                title=title,
                description=data.get("description") or "",
            )
            draft.items.all().delete()
        for entry in entries:
            try:
                services.item_save(actor=actor, questionnaire=draft, data=_item_data(entry))
            except ApplicationError as exc:
                exc.details = {"item": entry.get("linkId"), **exc.details}
                raise
    return draft


def response_to_fhir(response: Response) -> dict:
    """The response as a FHIR ``QuestionnaireResponse`` (JSON-ready dict), validated.

    A voided response is ``entered-in-error``. The subject is the patient's
    UUID only: no name, number or diagnosis leaves with it.
    """
    questionnaire = response.questionnaire
    items = []
    for answer in response.answers.select_related("item").order_by("item__position", "item__id"):
        values = answer.value if isinstance(answer.value, list) else [answer.value]
        items.append(
            {
                "linkId": answer.item.code,
                "text": answer.item.text,
                "answer": [_fhir_answer(answer.item, v, questionnaire.code) for v in values],
            }
        )
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.uuid),
        "identifier": {"system": "urn:huifang:response", "value": str(response.uuid)},
        "questionnaire": f"{QUESTIONNAIRE_SYSTEM}:{questionnaire.code}|{questionnaire.version}",
        "status": "entered-in-error" if response.is_void else "completed",
        "subject": {"reference": f"Patient/{response.patient.uuid}"},
        "authored": response.submitted_at.isoformat(),
        "item": items,
    }
    FhirQuestionnaireResponse.model_validate(resource)
    return resource


def response_import(*, actor, data: dict, channel: str = "web") -> Response:
    """A FHIR ``QuestionnaireResponse`` recorded as a response (``services.response_record``).

    ``questionnaire`` must name a Huifang questionnaire as
    ``urn:huifang:questionnaire:<code>|<version>`` (without a version: the
    active one); ``subject`` must be ``Patient/<uuid>`` of a patient the
    actor may see.
    """
    from huifang.patients.selectors import patient_get

    try:
        FhirQuestionnaireResponse.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "QuestionnaireResponse") from exc
    canonical = data.get("questionnaire") or ""
    url, _sep, version = canonical.partition("|")
    code = url.rsplit(":", 1)[-1] if url.startswith(QUESTIONNAIRE_SYSTEM + ":") else ""
    qs = Questionnaire.objects.filter(code=code)
    questionnaire = (
        qs.filter(version=int(version)).first()
        if version.isdigit()
        else qs.filter(status=Questionnaire.Status.ACTIVE).first()
    )
    if questionnaire is None:
        raise NotFound(_("Questionnaire not found"), code="questionnaire_not_found")
    reference = ((data.get("subject") or {}).get("reference") or "").split("/")
    if len(reference) != 2 or reference[0] != "Patient":
        raise ApplicationError(_("The subject must be Patient/<uuid>."), code="invalid_subject")
    try:
        patient = patient_get(user=actor, patient_uuid=reference[1])
    except (ValueError, ApplicationError) as exc:
        raise NotFound(_("Patient not found"), code="patient_not_found") from exc
    answers: dict[str, Any] = {}
    for entry in _flatten_answers(data.get("item") or []):
        values = [_answer_value(a) for a in entry.get("answer") or []]
        answers[entry["linkId"]] = values if len(values) > 1 else (values[0] if values else None)
    kinds = dict(questionnaire.items.values_list("code", "kind"))
    for key, value in list(answers.items()):
        if (
            kinds.get(key) == ItemKind.MULTIPLE
            and not isinstance(value, list)
            and value is not None
        ):
            answers[key] = [value]
    return services.response_record(
        actor=actor,
        questionnaire=questionnaire,
        answers=answers,
        channel=channel,
        patient=patient,
    )


def _flatten_answers(items: list[dict]) -> list[dict]:
    flat = []
    for entry in items:
        if entry.get("answer"):
            flat.append(entry)
        flat.extend(_flatten_answers(entry.get("item") or []))
    return flat


__all__ = [
    "questionnaire_import",
    "questionnaire_to_fhir",
    "response_import",
    "response_to_fhir",
]
