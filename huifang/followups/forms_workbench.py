"""The workbench's recording form: outcome, number dialled, callback, education, captures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.followups.models import FollowUpTask, Outcome
from huifang.followups.services.outcomes import outcome_needs_callback

FEEDBACK_KINDS = [
    ("", _("Nothing to report")),
    ("complaint", _("Complaint")),
    ("suggestion", _("Suggestion")),
    ("praise", _("Praise")),
]
FEEDBACK_CATEGORIES = [
    ("attitude", _("Attitude")),
    ("technique", _("Medical technique")),
    ("cost", _("Cost")),
    ("environment", _("Environment")),
    ("process", _("Process")),
    ("privacy", _("Privacy")),
    ("communication", _("Communication")),
    ("facilities", _("Facilities")),
    ("food", _("Food")),
    ("other", _("Other")),
]


class AttemptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    started_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    outcome = forms.ModelChoiceField(
        label=_("Outcome"), queryset=Outcome.objects.filter(is_active=True), to_field_name="code"
    )
    phone = forms.TypedChoiceField(label=_("Number dialled"), required=False, coerce=int)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    education = forms.MultipleChoiceField(
        label=_("Health education given"), required=False, widget=forms.CheckboxSelectMultiple
    )
    education_note = forms.CharField(label=_("Other education"), required=False, max_length=1000)
    red_flag = forms.CharField(
        label=_("Worrying condition reported"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feedback_kind = forms.ChoiceField(label=_("Feedback"), required=False, choices=FEEDBACK_KINDS)
    feedback_category = forms.ChoiceField(
        label=_("Category"), required=False, choices=FEEDBACK_CATEGORIES, initial="other"
    )
    feedback_description = forms.CharField(
        label=_("What the patient said"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    then = forms.ChoiceField(
        required=False, choices=[("next", "next"), ("list", "list")], initial="next"
    )

    def __init__(self, *args, task: FollowUpTask, phones, education_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].choices = [("", "—")] + [(p.pk, str(p.pk)) for p in phones]
        self.fields["education"].choices = [(item, item) for item in education_items]
        self.task = task

    def clean(self):
        data = super().clean()
        if data.get("feedback_kind") and not (data.get("feedback_description") or "").strip():
            self.add_error(
                "feedback_description",
                _("Write down what the patient said, or choose “Nothing to report”."),
            )
        outcome = data.get("outcome")
        if outcome is not None and data.get("callback_at") and not outcome_needs_callback(outcome):
            # A callback time typed and then another outcome chosen: the rule decides, not the box.
            data["callback_at"] = None
        return data

    def feedback_items(self) -> list[dict]:
        data = self.cleaned_data
        if not data.get("feedback_kind"):
            return []
        return [
            {
                "kind": data["feedback_kind"],
                "category": data.get("feedback_category") or "other",
                "description": data["feedback_description"],
            }
        ]
