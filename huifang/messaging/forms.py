from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.messaging.models import Category, MessageChannel, MessageTemplate
from huifang.patients.models import Encounter


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


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=MessageTemplate.objects.filter(is_active=True)
    )
    departments = forms.CharField(
        label=_("Department codes (comma-separated)"), required=False, max_length=500
    )
    encounter_kinds = forms.MultipleChoiceField(
        label=_("Encounter kinds"), choices=Encounter.Kind.choices, required=False
    )
    date_from = forms.DateField(label=_("Discharged or seen from"), required=False)
    date_to = forms.DateField(label=_("until"), required=False)
    diagnosis_prefix = forms.CharField(label=_("ICD-10 code prefix"), max_length=20, required=False)
    age_min = forms.IntegerField(label=_("Age from"), min_value=0, required=False)
    age_max = forms.IntegerField(label=_("Age up to"), min_value=0, required=False)
    tags = forms.CharField(label=_("Abnormal findings (comma-separated)"), required=False)
    no_contact_days = forms.IntegerField(
        label=_("No message or call in the last … days"), min_value=1, required=False
    )
    scheduled_at = forms.DateTimeField(label=_("Send from"), required=False)

    def cohort_dict(self) -> dict:
        data = self.cleaned_data

        def split(value):
            return [item.strip() for item in (value or "").split(",") if item.strip()]

        return {
            "departments": split(data.get("departments")),
            "encounter_kinds": list(data.get("encounter_kinds") or []),
            "date_from": data.get("date_from").isoformat() if data.get("date_from") else None,
            "date_to": data.get("date_to").isoformat() if data.get("date_to") else None,
            "diagnosis_prefix": (data.get("diagnosis_prefix") or "").strip(),
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "tags": split(data.get("tags")),
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
