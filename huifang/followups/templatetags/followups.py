from django import template

from huifang.followups.questions import SATISFACTION_LABELS

register = template.Library()


@register.filter
def satisfaction_label(answers) -> str:
    """The satisfaction answered on a call (built-in three levels), as staff read it."""
    if not isinstance(answers, dict):
        return ""
    value = answers.get("satisfaction")
    return str(SATISFACTION_LABELS.get(value, value or ""))
