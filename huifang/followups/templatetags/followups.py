from django import template

from huifang.followups.questions import SATISFACTION_LABELS

register = template.Library()


@register.filter
def satisfaction_label(answers) -> str:
    """The satisfaction answered on a call, as staff read it (set when the call was recorded)."""
    if not isinstance(answers, dict):
        return ""
    if answers.get("satisfaction_label"):
        return str(answers["satisfaction_label"])
    value = answers.get("satisfaction")
    return str(SATISFACTION_LABELS.get(value, value or ""))
