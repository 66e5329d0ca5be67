"""Answers: reading them from a form or JSON, conditions on earlier answers, flags.

Plain functions over items (anything with ``code``, ``kind``, ``required``,
``options``, ``condition``…), so the same rules check what an agent types,
what a patient submits and what an import brings. The patient's page runs
the same conditions in ``static/surveys/questionnaire.js``.
"""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from huifang.surveys.models import SCALES, ItemKind

OPERATORS = ("eq", "ne", "gt", "lt", "gte", "lte", "exists")
COMBINE = ("all", "any")
TEXT_LIMIT = 2000


class AnswerError(ValueError):
    """An answer that does not fit its question."""


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "") or raw == []


def _scale_value(item, raw: Any) -> Any:
    allowed = [value for value, _label in SCALES[item.kind]]
    if item.kind == ItemKind.YESNO:
        if raw is True or str(raw).lower() in ("yes", "true", "1", "y"):
            return "yes"
        if raw is False or str(raw).lower() in ("no", "false", "0", "n"):
            return "no"
        raise AnswerError(_("Answer yes or no."))
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise AnswerError(_("Pick one of the answers offered.")) from exc
    if value not in allowed:
        raise AnswerError(_("Pick one of the answers offered."))
    return value


def coerce(item, raw: Any) -> Any:
    """The stored form of ``raw`` for ``item``; ``None`` when unanswered.

    Raises ``AnswerError`` when the answer does not fit the question.
    """
    if isinstance(raw, list | tuple) and item.kind != ItemKind.MULTIPLE:
        raw = raw[-1] if raw else None
    if _is_empty(raw):
        return None
    kind = item.kind
    if kind in SCALES:
        return _scale_value(item, raw)
    if kind == ItemKind.SINGLE:
        values = [str(o["value"]) for o in item.options]
        if str(raw) not in values:
            raise AnswerError(_("Pick one of the answers offered."))
        return str(raw)
    if kind == ItemKind.MULTIPLE:
        picked = raw if isinstance(raw, list | tuple) else [raw]
        picked = [str(p) for p in picked if not _is_empty(p)]
        values = [str(o["value"]) for o in item.options]
        if any(p not in values for p in picked):
            raise AnswerError(_("Pick among the answers offered."))
        # In the order offered, each once.
        return [v for v in values if v in picked] or None
    if kind == ItemKind.NUMBER:
        try:
            number = float(str(raw).strip())
        except ValueError as exc:
            raise AnswerError(_("Enter a number.")) from exc
        if number != number or number in (float("inf"), float("-inf")):
            raise AnswerError(_("Enter a number."))
        return int(number) if number.is_integer() else number
    if kind == ItemKind.DATE:
        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError as exc:
            raise AnswerError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == ItemKind.TEXT:
        text = str(raw).strip()
        if len(text) > TEXT_LIMIT:
            raise AnswerError(
                _("Keep the answer under %(limit)d characters.") % {"limit": TEXT_LIMIT}
            )
        return text
    raise AnswerError(_("Unknown question kind."))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def rule_met(rule: dict, answers: dict[str, Any]) -> bool:
    """One rule on one earlier answer. A rule on an unanswered item is not met,
    except ``exists`` with value false."""
    answer = answers.get(rule.get("item"))
    op, expected = rule.get("op", "eq"), rule.get("value")
    if op == "exists":
        wanted = expected not in (False, "false", "0", 0, "no")
        return (answer is not None) == wanted
    if answer is None:
        return False
    if op in ("eq", "ne"):
        if isinstance(answer, list):
            found = str(expected) in [str(a) for a in answer]
        elif _number(answer) is not None and _number(expected) is not None:
            found = _number(answer) == _number(expected)
        else:
            found = str(answer) == str(expected)
        return found if op == "eq" else not found
    left, right = _number(answer), _number(expected)
    if left is None or right is None:
        return False
    return {
        "gt": left > right,
        "lt": left < right,
        "gte": left >= right,
        "lte": left <= right,
    }.get(op, False)


def condition_met(condition: dict | None, answers: dict[str, Any]) -> bool:
    """Whether an item with this condition is shown, given the answers so far."""
    rules = (condition or {}).get("rules") or []
    if not rules:
        return True
    results = (rule_met(rule, answers) for rule in rules)
    return any(results) if condition.get("combine") == "any" else all(results)


def clean_answers(items, raw: dict[str, Any], *, for_patient: bool = False):
    """``(answers, errors)``: the answers of the shown items in stored form, and
    per-item error messages. Items hidden by their condition are dropped, as
    are items for the agent only when the patient answers."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in items:
        if for_patient and item.agent_only:
            continue
        if not condition_met(item.condition, answers):
            continue
        try:
            value = coerce(item, raw.get(item.code))
        except AnswerError as exc:
            errors[item.code] = str(exc)
            continue
        if value is None:
            if item.required:
                errors[item.code] = _("This question needs an answer.")
            continue
        answers[item.code] = value
    return answers, errors


def matches(values: list, answer: Any) -> bool:
    """Whether ``answer`` is one of ``values`` (``"*"``: any answer)."""
    if not values or answer is None:
        return False
    if "*" in values:
        return True
    wanted = {str(v) for v in values}
    if isinstance(answer, list):
        return any(str(a) in wanted for a in answer)
    return str(answer) in wanted


def answer_number(item, value: Any) -> float | None:
    """The number kept beside an answer for scoring: scales and numbers only."""
    if item.kind in (
        ItemKind.SATISFACTION5,
        ItemKind.SATISFACTION3,
        ItemKind.FREQUENCY4,
        ItemKind.RATING10,
        ItemKind.NUMBER,
    ):
        return float(value)
    return None


def answer_label(item, value: Any) -> str:
    """An answer as people read it: the option's label, or the value."""
    labels = {str(v): str(label) for v, label in item.choices}
    if isinstance(value, list):
        return "、".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))
