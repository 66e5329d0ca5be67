from django import template

from huifang.surveys.forms import question_fields

register = template.Library()


@register.simple_tag
def survey_fields(questionnaire, values=None, errors=None, for_patient=False):
    """``{% survey_fields questionnaire values errors as fields %}``: the questions as fields."""
    return question_fields(questionnaire, values, errors, for_patient=bool(for_patient))
