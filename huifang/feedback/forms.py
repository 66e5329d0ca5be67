"""Forms of the case pages: one per step, and the capture of a hotline or walk-in case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.feedback.models import Case

_TEXT = {"rows": 3}


class _Styled(forms.Form):
    """Bootstrap's classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


def _departments():
    return Department.objects.filter(
        is_active=True, kind__in=(Department.Kind.DEPARTMENT, Department.Kind.WARD)
    ).order_by("sort_order", "code")


class TriageForm(_Styled):
    lead = forms.ModelChoiceField(label=_("Lead department"), queryset=Department.objects.none())
    others = forms.ModelMultipleChoiceField(
        label=_("Other departments involved"),
        required=False,
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Case.Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Case.Severity.choices)
    deadline_on = forms.DateField(
        label=_("Deadline (leave empty to count working days)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs=_TEXT)
    )
    forward = forms.BooleanField(label=_("Forward to the department now"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _departments()
        self.fields["others"].queryset = _departments()

    def departments(self) -> list[Department]:
        lead = self.cleaned_data["lead"]
        return [lead, *[d for d in self.cleaned_data["others"] if d.pk != lead.pk]]


class AnswerForm(_Styled):
    reply = forms.CharField(
        label=_("Reply to the patient"), max_length=4000, widget=forms.Textarea(attrs=_TEXT)
    )
    cause = forms.CharField(
        label=_("Cause found"), required=False, max_length=4000, widget=forms.Textarea(attrs=_TEXT)
    )
    rectification = forms.CharField(
        label=_("Rectification"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs=_TEXT),
    )


class DispositionForm(_Styled):
    """A clinical red flag's disposition: what was done, what became of the patient, by whom, when."""

    disposition = forms.ChoiceField(
        label=_("What became of the patient"),
        choices=[("", "—"), *Case.Disposition.choices],
    )
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs=_TEXT)
    )
    done_by = forms.CharField(label=_("Done by (empty: you)"), required=False, max_length=50)
    done_on = forms.DateTimeField(
        label=_("done on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_dispose_%s")  # the page holds other forms' notes
        super().__init__(*args, **kwargs)


class MergeForm(_Styled):
    """Pick the case (the same patient's) this one goes into."""

    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Case.objects.none())
    note = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, candidates=None, **kwargs):
        kwargs.setdefault("auto_id", "id_merge_%s")  # the page holds other forms' notes
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        field.queryset = candidates if candidates is not None else Case.objects.none()
        field.label_from_instance = lambda c: (
            f"{c.number} · {c.created_at:%Y-%m-%d} · {c.get_kind_display()} · "
            f"{c.get_status_display()} · {c.description[:30]}"
        )


class NoteForm(_Styled):
    note = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(NoteForm):
    result = forms.ChoiceField(
        label=_("The patient's verdict"),
        required=False,
        choices=[("", _("Not asked")), *Case.Verification.choices],
    )


class VerifyForm(NoteForm):
    result = forms.ChoiceField(label=_("The patient's verdict"), choices=Case.Verification.choices)


class AttachmentForm(_Styled):
    file = forms.FileField(label=_("Photo or document"))


class CaseForm(_Styled):
    """A complaint, suggestion or praise received by hotline, in person, by letter, or from 12345."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in Case.Kind.choices if c[0] != Case.Kind.ESCALATION],
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            c
            for c in Case.Source.choices
            if c[0] in (Case.Source.HOTLINE, Case.Source.WALK_IN, Case.Source.TRANSFER_12345)
        ],
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Case.Channel.choices)
    caller_name = forms.CharField(label=_("Caller's name"), required=False, max_length=50)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    caller_relation = forms.ChoiceField(
        label=_("Relation to the patient"),
        required=False,
        choices=[("", "—"), *Case.CallerRelation.choices],
    )
    reference_12345 = forms.CharField(
        label=_("12345 reference number"), required=False, max_length=40
    )
    record_number = forms.CharField(
        label=_("Patient's record number (empty: not a patient on record, or anonymous)"),
        required=False,
        max_length=32,
    )
    department = forms.ModelChoiceField(
        label=_("Department concerned"), required=False, queryset=Department.objects.none()
    )
    category = forms.ChoiceField(label=_("Category"), choices=Case.Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Case.Severity.choices, initial=Case.Severity.NORMAL
    )
    staff_named = forms.CharField(label=_("Staff named"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()

    def clean(self):
        data = super().clean()
        if data.get("source") == Case.Source.TRANSFER_12345 and not data.get("reference_12345"):
            self.add_error(
                "reference_12345", _("Enter the 12345 reference number of the transferred case.")
            )
        return data
