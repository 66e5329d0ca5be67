from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.patients.models import Encounter


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
