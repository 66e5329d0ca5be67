"""The questions asked on a call, inline on the workbench.

Built in: a short recovery and satisfaction set, asked on every call. An
app that knows questionnaires (surveys) registers a provider that returns
its own question set for a task's questionnaire code; the first provider
that answers wins, else the built-in set is used. Answers travel on the
``ContactAttempt`` (``answers``) and the ``attempt_recorded`` signal, inside
the call's transaction.

A question set has ``render()`` (the HTML to put inside the workbench's
form; field names start with ``q-``) and ``answers()``, which returns the
JSON-safe answers or raises ``ApplicationError``. Answers are only read when
the call reached someone: "no answer" never trips over a required question.
"""

from collections.abc import Callable

from django import forms
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huifang.core.errors import ApplicationError

Provider = Callable[..., object | None]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


class BuiltinQuestionsForm(forms.Form):
    prefix = "q"

    recovery = forms.ChoiceField(
        label=_("How is the recovery?"),
        required=False,
        choices=[
            ("", "—"),
            ("good", _("Good")),
            ("fair", _("Fair")),
            ("poor", _("Poor")),
        ],
    )
    medication = forms.ChoiceField(
        label=_("Taking the medicines as prescribed?"),
        required=False,
        choices=[
            ("", "—"),
            ("as_prescribed", _("As prescribed")),
            ("sometimes_missed", _("Sometimes missed")),
            ("stopped", _("Stopped on their own")),
            ("none_prescribed", _("None prescribed")),
        ],
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfied with the care?"),
        required=False,
        choices=[
            ("", "—"),
            ("satisfied", _("Satisfied")),
            ("fairly_satisfied", _("Fairly satisfied")),
            ("dissatisfied", _("Dissatisfied")),
        ],
    )
    suggestions = forms.CharField(
        label=_("Opinions and suggestions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BuiltinQuestions:
    """The recovery and satisfaction questions asked until a questionnaire is set."""

    def __init__(self, *, task, data=None):
        self.form = BuiltinQuestionsForm(data=data)

    def render(self) -> str:
        return render_to_string("followups/_builtin_questions.html", {"form": self.form})

    def answers(self) -> dict:
        if not self.form.is_valid():
            raise ApplicationError(
                gettext("Some answers are not valid; check the questions."),
                code="invalid_answers",
                details={"fields": {k: [str(e) for e in v] for k, v in self.form.errors.items()}},
            )
        return {key: value for key, value in self.form.cleaned_data.items() if value}


def question_set(*, task, data=None):
    """The questions for ``task``'s call: a registered provider's, else the built-in set."""
    for provider in _providers:
        questions = provider(task=task, data=data)
        if questions is not None:
            return questions
    return BuiltinQuestions(task=task, data=data)


# The built-in three levels by key, as the question offers them.
SATISFACTION_LABELS = {
    value: label
    for value, label in BuiltinQuestionsForm.base_fields["satisfaction"].choices
    if value
}
