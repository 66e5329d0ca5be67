from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.accounts.selectors import ALL_DEPARTMENTS, department_list, user_department_scope
from huifang.followups.forms import DepartmentChoiceField
from huifang.messaging.models import Category, MessageChannel, MessageTemplate
from huifang.patients.models import AbnormalFinding, Encounter


class TemplateForm(forms.Form):
    code = forms.SlugField(label=_("Template code"), max_length=50)
    name = forms.CharField(label=_("Template name"), max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    subject = forms.CharField(label=_("E-mail subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    provider_template_code = forms.CharField(
        label=_("Template code at the SMS provider"), max_length=50, required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def _style(form: forms.BaseForm) -> None:
    """Bootstrap's classes on the widgets, so the template renders fields plainly."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


ICD_PREFIX = RegexValidator(
    r"^[A-Za-z][0-9]{0,2}(\.[0-9A-Za-z]{0,4})?$",
    _("Enter the start of an ICD-10 code, such as I10, E11 or C50."),
)


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MessageTemplate) -> str:
        return obj.name  # the code is for administrators, not for the list


class CampaignForm(forms.Form):
    """A campaign's template and cohort: departments from the user's own tree, real dates.

    Errors are said in the user's language (Chinese by default), each on
    its field; ``cohort_dict`` gives the cohort as ``selectors.Cohort`` stores it.
    """

    name = forms.CharField(label=_("Campaign name"), max_length=100)
    template = TemplateChoiceField(
        label=_("Template"), queryset=MessageTemplate.objects.filter(is_active=True)
    )
    departments = DepartmentChoiceField(
        label=_("Departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("A department includes its wards. None chosen: all your departments."),
    )
    encounter_kinds = forms.MultipleChoiceField(
        label=_("Encounter kinds"),
        choices=Encounter.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date_from = forms.DateField(
        label=_("Discharged or seen from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    diagnosis_prefix = forms.CharField(
        label=_("ICD-10 code prefix"), max_length=20, required=False, validators=[ICD_PREFIX]
    )
    age_min = forms.IntegerField(label=_("Age from"), min_value=0, max_value=150, required=False)
    age_max = forms.IntegerField(label=_("Age up to"), min_value=0, max_value=150, required=False)
    tags = forms.MultipleChoiceField(
        label=_("Abnormal health-check findings"),
        choices=AbnormalFinding.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_contact_days = forms.IntegerField(
        label=_("No message or call in the last … days"),
        min_value=1,
        max_value=365,
        required=False,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Send from"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: as soon as it is started. SMS wait for the end of the quiet hours."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["departments"].queryset = Department.objects.filter(
            pk__in=[department.pk for department in department_list(user=user)]
        ).order_by("sort_order", "code")
        _style(self)

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        age_min, age_max = data.get("age_min"), data.get("age_max")
        if age_min is not None and age_max is not None and age_max < age_min:
            self.add_error("age_max", _("The highest age is below the lowest."))
        scheduled_at = data.get("scheduled_at")
        if scheduled_at and scheduled_at < timezone.now():
            self.add_error(
                "scheduled_at", _("This time has passed: choose a later one or leave it empty.")
            )
        return data

    def _department_codes(self) -> list[str]:
        chosen = list(self.cleaned_data.get("departments") or [])
        if not chosen and user_department_scope(self.user) is not ALL_DEPARTMENTS:
            chosen = list(self.fields["departments"].queryset)  # all of theirs, never others'
        return [department.code for department in chosen]

    def cohort_dict(self) -> dict:
        data = self.cleaned_data
        return {
            "departments": self._department_codes(),
            "encounter_kinds": list(data.get("encounter_kinds") or []),
            "date_from": data.get("date_from").isoformat() if data.get("date_from") else None,
            "date_to": data.get("date_to").isoformat() if data.get("date_to") else None,
            "diagnosis_prefix": (data.get("diagnosis_prefix") or "").strip().upper(),
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "tags": list(data.get("tags") or []),
            "no_contact_days": data.get("no_contact_days"),
        }


class OptOutForm(forms.Form):
    record_number = forms.CharField(label=_("Medical record number"), max_length=32)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Every category")), *Category.choices],
        required=False,
    )
