"""Forms for giving tasks to people and for the tasks made from the workbench."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import User


class CallAgainForm(forms.Form):
    in_days = forms.IntegerField(label=_("In how many days"), required=False, min_value=1)
    on = forms.DateField(
        label=_("On"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Why"), max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("in_days") is None and data.get("on") is None and not self.errors:
            raise forms.ValidationError(_("Give either a number of days or a date."))
        if data.get("in_days") is not None and data.get("on") is not None:
            data["on"] = None  # the number typed last wins over a date left in the box
        return data


class DoctorCallbackForm(forms.Form):
    clinician = forms.ModelChoiceField(label=_("Doctor or nurse"), queryset=User.objects.none())
    reason = forms.CharField(label=_("What the doctor should know"), max_length=1000)

    def __init__(self, *args, clinicians: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the patient's department's clinicians. Anyone else is refused by the service.
        self.fields["clinician"].queryset = User.objects.filter(
            pk__in=[user.pk for user in clinicians]
        )
        self.fields["clinician"].error_messages["invalid_choice"] = _(
            "Choose a clinician of the patient's department from the list."
        )


class BulkReassignForm(forms.Form):
    receivers = forms.ModelMultipleChoiceField(
        label=_("Give to"), queryset=User.objects.filter(is_active=True)
    )
    tasks = forms.TypedMultipleChoiceField(label=_("Tasks"), coerce=int, required=False)
    scope = forms.ChoiceField(
        choices=[("all", _("All open tasks")), ("selected", _("Only the selected tasks"))],
        initial="all",
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, task_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]
        self.fields["tasks"].error_messages["invalid_choice"] = _(
            "Some of the chosen tasks are no longer this colleague's; reload the page."
        )
        self.fields["receivers"].error_messages["required"] = _(
            "Choose at least one colleague to receive the tasks."
        )
        self.fields["reason"].error_messages["required"] = _(
            "Say why the tasks are moved; the reason is kept in the audit log."
        )

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("tasks"):
            self.add_error("tasks", _("Tick the tasks to move, or choose “All open tasks”."))
        return data
