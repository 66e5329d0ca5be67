"""Forms of the builder, and the questions as form fields for agents and patients."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.surveys import answers as answer_rules
from huifang.surveys.models import Dimension, Item, ItemKind, Questionnaire

RULE_ROWS = 3
OPERATOR_CHOICES = [
    ("eq", _("is")),
    ("ne", _("is not")),
    ("gte", _("is at least")),
    ("lte", _("is at most")),
    ("gt", _("is more than")),
    ("lt", _("is less than")),
    ("exists", _("is answered")),
]
_SPLIT = re.compile(r"[,，、;；\s]+")


class QuestionnaireForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description (for staff)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


class ItemForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens; unique here.")
    )
    text = forms.CharField(label=_("Question"), max_length=500)
    kind = forms.ChoiceField(label=_("Question type"), choices=ItemKind.choices)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    agent_only = forms.BooleanField(label=_("Asked by the agent only"), required=False)
    dimension = forms.ChoiceField(
        label=_("Dimension"), choices=[("", "—"), *Dimension.choices], required=False
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Single and multiple choice: one option a line, as value=label."),
    )
    combine = forms.ChoiceField(
        label=_("Show this question when"),
        choices=[("all", _("all rules are met (AND)")), ("any", _("any rule is met (OR)"))],
        required=False,
    )
    feedback_values = forms.CharField(
        label=_("Answers that open a feedback case"),
        required=False,
        help_text=_("Answer values separated by commas; * for any answer."),
    )
    red_flag_values = forms.CharField(
        label=_("Answers that are a clinical red flag"),
        required=False,
        help_text=_("Answer values separated by commas; * for any answer."),
    )

    def __init__(self, *args, earlier: list[Item] = (), **kwargs):
        super().__init__(*args, **kwargs)
        item_choices = [("", "—"), *[(i.code, f"{i.code}: {i.text[:30]}") for i in earlier]]
        for n in range(RULE_ROWS):
            self.fields[f"rule_item_{n}"] = forms.ChoiceField(
                label=_("Question"), choices=item_choices, required=False
            )
            self.fields[f"rule_op_{n}"] = forms.ChoiceField(
                label=_("Comparison"), choices=OPERATOR_CHOICES, required=False
            )
            self.fields[f"rule_value_{n}"] = forms.CharField(
                label=_("Value"), max_length=100, required=False
            )
        for name, f in self.fields.items():
            if isinstance(f, forms.BooleanField):
                f.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(f, forms.ChoiceField):
                f.widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                f.widget.attrs.setdefault("class", "form-control form-control-sm")
            if name.startswith("rule_"):
                f.widget.attrs["aria-label"] = f"{f.label} {int(name[-1]) + 1}"

    @classmethod
    def initial_for(cls, item: Item) -> dict[str, Any]:
        initial = {
            "code": item.code,
            "text": item.text,
            "kind": item.kind,
            "help_text": item.help_text,
            "required": item.required,
            "agent_only": item.agent_only,
            "dimension": item.dimension,
            "options": "\n".join(f"{o['value']}={o['label']}" for o in item.options),
            "combine": (item.condition or {}).get("combine", "all"),
            "feedback_values": ", ".join(str(v) for v in item.feedback_values),
            "red_flag_values": ", ".join(str(v) for v in item.red_flag_values),
        }
        for n, rule in enumerate(((item.condition or {}).get("rules") or [])[:RULE_ROWS]):
            initial[f"rule_item_{n}"] = rule.get("item", "")
            initial[f"rule_op_{n}"] = rule.get("op", "eq")
            initial[f"rule_value_{n}"] = rule.get("value", "")
        return initial

    def item_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        options = []
        for line in (data.get("options") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            value, sep, label = line.partition("=")
            options.append({"value": value.strip(), "label": (label if sep else value).strip()})
        rules = []
        for n in range(RULE_ROWS):
            item = data.get(f"rule_item_{n}")
            if item:
                rules.append(
                    {
                        "item": item,
                        "op": data.get(f"rule_op_{n}") or "eq",
                        "value": data.get(f"rule_value_{n}", ""),
                    }
                )
        return {
            "code": data["code"],
            "text": data["text"],
            "kind": data["kind"],
            "help_text": data.get("help_text", ""),
            "required": data.get("required", False),
            "agent_only": data.get("agent_only", False),
            "dimension": data.get("dimension", ""),
            "options": options,
            "condition": {"combine": data.get("combine") or "all", "rules": rules} if rules else {},
            "feedback_values": [v for v in _SPLIT.split(data.get("feedback_values") or "") if v],
            "red_flag_values": [v for v in _SPLIT.split(data.get("red_flag_values") or "") if v],
        }


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this response voided?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


# --- Questions as form fields ------------------------------------------------------------


@dataclass
class QuestionField:
    """One question ready to render: its input name, choices and current value."""

    item: Item
    name: str
    input: str  # radio, checkbox, number, date, textarea
    value: Any = None
    error: str = ""
    choices: list[dict] = field(default_factory=list)
    condition_json: str = ""
    inline: bool = False


def field_name(item: Item) -> str:
    return f"q-{item.code}"


def _input_kind(kind: str) -> str:
    return {
        ItemKind.MULTIPLE: "checkbox",
        ItemKind.NUMBER: "number",
        ItemKind.DATE: "date",
        ItemKind.TEXT: "textarea",
    }.get(kind, "radio")


def question_fields(
    questionnaire: Questionnaire,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    for_patient: bool = False,
) -> list[QuestionField]:
    """The questions of ``questionnaire`` as fields named ``q-<code>``."""
    values, errors = values or {}, errors or {}
    fields = []
    for item in questionnaire.items.all():
        if for_patient and item.agent_only:
            continue
        value = values.get(item.code)
        picked = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        fields.append(
            QuestionField(
                item=item,
                name=field_name(item),
                input=_input_kind(item.kind),
                value="" if value is None else value,
                error=errors.get(item.code, ""),
                choices=[
                    {"value": str(v), "label": label, "checked": str(v) in picked}
                    for v, label in item.choices
                ],
                condition_json=json.dumps(item.condition) if item.condition else "",
                inline=item.kind in (ItemKind.RATING10, ItemKind.YESNO),
            )
        )
    return fields


def answers_from_post(questionnaire: Questionnaire, post) -> dict[str, Any]:
    """The raw answers in a posted form (``q-<code>`` fields), by item code."""
    raw = {}
    for item in questionnaire.items.all():
        name = field_name(item)
        if item.kind == ItemKind.MULTIPLE:
            raw[item.code] = post.getlist(name)
        else:
            raw[item.code] = post.get(name)
    return raw


def values_for_display(questionnaire: Questionnaire, raw: dict[str, Any]) -> dict[str, Any]:
    """Posted answers to show again after an error, coerced where they fit."""
    shown = {}
    for item in questionnaire.items.all():
        try:
            shown[item.code] = answer_rules.coerce(item, raw.get(item.code))
        except answer_rules.AnswerError:
            shown[item.code] = raw.get(item.code)
    return shown
