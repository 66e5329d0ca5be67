"""Questionnaire responses as Excel rows: one row per response, one column per item.

Phone and ID numbers are masked, free-text answers have any number in them
masked, voided responses are left out. The download is audited by the view
(``services.report_export_audit``).
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext

from huifang.core.masking import mask_id_number, mask_numbers_in_text, mask_phone
from huifang.patients.models import PhoneNumber
from huifang.surveys.answers import answer_label
from huifang.surveys.models import Item, ItemKind, Response, SurveyChannel

# Cells a spreadsheet program would run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass
class ResponseSheet:
    """One questionnaire (all its versions): the item columns and a row per response."""

    code: str
    title: str
    items: list[tuple[str, str]]  # (item code, question text) in the latest version's order
    rows: list[list] = field(default_factory=list)
    version: int = 0


def fixed_headers() -> list[str]:
    """The columns before the items: when, how, who (numbers masked), where, recorded by."""
    return [
        pgettext("report sheet", "Submitted"),
        pgettext("report sheet", "Channel"),
        pgettext("report sheet", "Patient"),
        pgettext("report sheet", "Medical record number"),
        pgettext("report sheet", "Phone number"),
        pgettext("report sheet", "ID number"),
        pgettext("report sheet", "Department"),
        pgettext("report sheet", "Encounter number"),
        pgettext("report sheet", "Recorded by"),
    ]


def _answer_text(item: Item, value) -> str:
    if item.kind == ItemKind.TEXT:
        return _cell(mask_numbers_in_text(str(value or "")))
    if item.kind in (ItemKind.NUMBER, ItemKind.DATE):
        return _cell(str(value)) if value not in (None, "") else ""
    return answer_label(item, value)


def response_sheets(responses: QuerySet[Response]) -> list[ResponseSheet]:
    """The sheets of ``responses`` (scoped, not voided), oldest first. Six queries.

    Columns are the items of the questionnaire's latest version in the
    period, then any item only older versions had.
    """
    responses = (
        responses.select_related("questionnaire", "patient", "encounter__department", "recorded_by")
        .prefetch_related(
            Prefetch("answers__item"),
            Prefetch(
                "patient__phones",
                queryset=PhoneNumber.objects.order_by("-is_primary", "id"),
            ),
        )
        .order_by("questionnaire__code", "submitted_at", "id")
    )
    sheets: dict[str, ResponseSheet] = {}
    columns: dict[str, dict[str, tuple[int, int, str]]] = {}
    channels = dict(SurveyChannel.choices)
    for response in responses:
        questionnaire = response.questionnaire
        sheet = sheets.setdefault(
            questionnaire.code, ResponseSheet(code=questionnaire.code, title="", items=[])
        )
        if questionnaire.version >= sheet.version:
            sheet.title, sheet.version = questionnaire.title, questionnaire.version
        answers = {answer.item.code: answer for answer in response.answers.all()}
        for answer in answers.values():
            known = columns.setdefault(questionnaire.code, {})
            rank = (-questionnaire.version, answer.item.position, answer.item.text)
            if answer.item.code not in known or rank < known[answer.item.code]:
                known[answer.item.code] = rank
        patient = response.patient
        phones = list(patient.phones.all())
        encounter = response.encounter
        sheet.rows.append(
            [
                timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M"),
                str(channels.get(response.channel, response.channel)),
                patient.name,
                patient.record_number,
                mask_phone(phones[0].number) if phones else "",
                mask_id_number(patient.id_number),
                encounter.department.name if encounter and encounter.department else "",
                encounter.number if encounter else "",
                (response.recorded_by.display_name or response.recorded_by.username)
                if response.recorded_by
                else "",
                {code: _answer_text(a.item, a.value) for code, a in answers.items()},
            ]
        )
    for code, sheet in sheets.items():
        ordered = sorted(columns.get(code, {}).items(), key=lambda kv: kv[1])
        sheet.items = [(item_code, rank[2]) for item_code, rank in ordered]
        for row in sheet.rows:
            by_code = row.pop()
            row.extend(by_code.get(item_code, "") for item_code, _text in sheet.items)
    return list(sheets.values())
