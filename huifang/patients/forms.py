from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.patients.models import Encounter, PhoneNumber


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, TSV or XLSX)"))
    source = forms.CharField(label=_("Source system"), initial="his", max_length=50)
    kind = forms.ChoiceField(
        label=_("Encounter kind when the file has none"),
        choices=[("", _("Decide from the file")), *Encounter.Kind.choices],
        required=False,
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")],
        initial="auto",
    )
    sheet = forms.CharField(label=_("Sheet (XLSX)"), required=False, max_length=100)


class PhoneForm(forms.Form):
    """A number staff add or correct; on correction an empty number keeps the one on record."""

    number = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    owner = forms.ChoiceField(label=_("Whose number"), choices=PhoneNumber.Owner.choices)
    relation = forms.CharField(label=_("Relation to the patient"), max_length=20, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)


class ContactPreferencesForm(forms.Form):
    preferred_time_start = forms.TimeField(label=_("Call from"), required=False)
    preferred_time_end = forms.TimeField(label=_("Call until"), required=False)
    preferred_time_note = forms.CharField(
        label=_("Note on contact time"), max_length=100, required=False
    )
    language_note = forms.CharField(
        label=_("Language or dialect note"), max_length=100, required=False
    )
