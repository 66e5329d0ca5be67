"""Forms for plans and touchpoints: lists and call windows typed as plain text."""

import re
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department
from huifang.followups import slots
from huifang.followups.models import Channel, Plan, Touchpoint
from huifang.followups.services.plans import PLAN_FIELDS, TOUCHPOINT_FIELDS
from huifang.patients.models import Encounter, Sex

# Staff type lists with Chinese or Latin punctuation alike.
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
_ICD_PREFIX = re.compile(r"^[A-Z][0-9A-Z]{0,2}(\.[0-9A-Z]{0,4})?$")
_WINDOW = re.compile(r"^(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})$")
# Slugs name plans in addresses; these would hide a page of the plans section.
RESERVED_PLAN_CODES = {"new"}


def split_list(text: str) -> list[str]:
    """``"a, b，c、a"`` → ``["a", "b", "c"]``: trimmed, without blanks or repeats, in order."""
    items: list[str] = []
    for part in _LIST_SEPARATORS.split(text or ""):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items


class ListField(forms.CharField):
    """A list of short texts, typed comma-separated."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return list(value)
        return split_list(super().to_python(value))


class IcdPrefixListField(ListField):
    def to_python(self, value) -> list[str]:
        return [item.upper().replace(" ", "") for item in super().to_python(value)]

    def validate(self, value):
        super().validate(value)
        wrong = [item for item in value if not _ICD_PREFIX.match(item)]
        if wrong:
            raise ValidationError(
                _("Not an ICD-10 code or prefix: %(codes)s (for example I10, I2 or C50.9)."),
                code="icd_prefix",
                params={"codes": "、".join(wrong)},
            )


def format_windows(raw) -> str:
    """``[["10:00", "12:00"], …]`` → ``"10:00-12:00, …"``."""
    return ", ".join(f"{start}-{end}" for start, end in raw or [])


class CallWindowsField(forms.CharField):
    """Call windows typed as ``10:00-12:00, 15:00-17:00``; stored as ``[["10:00", "12:00"], …]``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("For example 10:00-12:00, 15:00-17:00. Empty: the default windows."),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return format_windows(value)
        return value

    def to_python(self, value) -> list[list[str]]:
        if isinstance(value, list | tuple):
            return [list(pair) for pair in value]
        windows = []
        for part in split_list(super().to_python(value)):
            match = _WINDOW.match(part.replace(" ", ""))
            if match is None:
                raise ValidationError(
                    _("Cannot read the call window “%(value)s”; write it like 10:00-12:00."),
                    code="window_format",
                    params={"value": part},
                )
            hour1, minute1, hour2, minute2 = (int(group) for group in match.groups())
            if hour1 > 23 or hour2 > 23 or minute1 > 59 or minute2 > 59:
                raise ValidationError(
                    _("The call window “%(value)s” is not a time of day."),
                    code="window_time",
                    params={"value": part},
                )
            windows.append([f"{hour1:02d}:{minute1:02d}", f"{hour2:02d}:{minute2:02d}"])
        return windows

    def validate(self, value):
        super().validate(value)
        try:
            # The scheduler's own parser: what passes here, it can use.
            parsed = slots.parse_windows(value)
        except ValueError as exc:
            raise ValidationError(
                _("A call window must end after it starts."), code="window_order"
            ) from exc
        for (_start, end), (next_start, _end) in pairwise(parsed):
            if next_start < end:
                raise ValidationError(_("The call windows overlap."), code="window_overlap")


class BoundedIntegerField(forms.IntegerField):
    """A whole number from ``low`` to ``high``, with one message for both ends."""

    def __init__(self, *, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)
        self.widget.attrs.update({"min": low, "max": high})

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.low <= value <= self.high:
            raise ValidationError(
                _("Between %(low)d and %(high)d."),
                code="out_of_range",
                params={"low": self.low, "high": self.high},
            )


def _department_label(department: Department) -> str:
    # Wards indented under their department, as in the patient list's filter.
    indent = "　" if department.kind == Department.Kind.WARD else ""
    return f"{indent}{department.name}"


class DepartmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return _department_label(obj)


def _style(form: forms.BaseForm) -> None:
    """Bootstrap's classes on every widget, so the templates can render fields plainly."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


class TextWithLines(forms.CharField):
    """Text from a textarea with its line breaks as stored: browsers send CRLF,
    which would count as a change nobody made (and be saved as one)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class PlanForm(forms.ModelForm):
    """A plan's name, state and match rules. ``code`` only when the plan is new."""

    encounter_kinds = forms.MultipleChoiceField(
        label=_("encounter kinds"),
        choices=Encounter.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every kind."),
    )
    departments = DepartmentChoiceField(
        label=_("departments"),
        queryset=Department.objects.filter(is_active=True).order_by("sort_order", "code"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        required=False,
        help_text=_("None chosen: every department. Hold Ctrl to choose several."),
    )
    icd_prefixes = IcdPrefixListField(label=_("ICD-10 code prefixes"))
    diagnosis_keywords = ListField(label=_("diagnosis keywords"))
    tags = ListField(label=_("tags"), help_text=Plan._meta.get_field("tags").help_text)
    age_min = BoundedIntegerField(label=_("minimum age"), low=0, high=150, required=False)
    age_max = BoundedIntegerField(label=_("maximum age"), low=0, high=150, required=False)
    sex = forms.ChoiceField(
        label=_("sex"),
        choices=[("", _("Any")), (Sex.MALE, Sex.MALE.label), (Sex.FEMALE, Sex.FEMALE.label)],
        required=False,
    )
    fallback_channel = forms.ChoiceField(
        label=_("channel when no phone is usable"),
        choices=[
            ("", _("None: the task waits for a usable phone")),
            (Channel.SMS, Channel.SMS.label),
            (Channel.WEB, Channel.WEB.label),
        ],
        required=False,
    )

    class Meta:
        model = Plan
        fields = ["code", *PLAN_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"description": TextWithLines}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        if self.instance.pk:
            # A department since closed stays listed while the plan still names it.
            self.fields["departments"].queryset = Department.objects.filter(
                Q(is_active=True) | Q(pk__in=self.instance.departments.all())
            ).order_by("sort_order", "code")
            # The code names the plan in addresses, reports and explanations: fixed once made.
            self.fields.pop("code", None)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code in RESERVED_PLAN_CODES:
            raise ValidationError(_("This code is reserved; choose another."), code="reserved")
        return code

    def clean(self):
        cleaned = super().clean()
        age_min, age_max = cleaned.get("age_min"), cleaned.get("age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            self.add_error("age_max", _("The maximum age is below the minimum age."))
        return cleaned

    def plan_data(self) -> dict:
        """The cleaned values the plan services take (everything but ``code``)."""
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}


class TouchpointForm(forms.ModelForm):
    """One touchpoint: when, how, with what. ``code`` is fixed once the touchpoint exists."""

    offset_days = BoundedIntegerField(label=_("offset in days"), low=0, high=365)
    window_days = BoundedIntegerField(label=_("window in working days"), low=1, high=30)
    max_attempts = BoundedIntegerField(label=_("maximum attempts"), low=1, high=20, initial=3)
    repeat_every_days = BoundedIntegerField(
        label=_("repeat every (days)"),
        low=1,
        high=365,
        required=False,
        help_text=Touchpoint._meta.get_field("repeat_every_days").help_text,
    )
    repeat_max = BoundedIntegerField(label=_("maximum repeats"), low=0, high=24, required=False)
    call_windows = CallWindowsField(label=_("call windows"))

    class Meta:
        model = Touchpoint
        fields = list(TOUCHPOINT_FIELDS)
        widgets = {"script": forms.Textarea(attrs={"rows": 5})}
        field_classes = {"script": TextWithLines}

    def __init__(self, *args, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.plan = plan if plan is not None else getattr(self.instance, "plan", None)
        self.fields["repeat_max"].initial = 0
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.plan is not None and self.plan.pk:
            taken = self.plan.touchpoints.filter(code=code).exclude(pk=self.instance.pk)
            if taken.exists():
                raise ValidationError(
                    _("This plan already has a touchpoint with the code %(code)s."),
                    code="duplicate",
                    params={"code": code},
                )
        return code

    def clean_repeat_max(self):
        return self.cleaned_data.get("repeat_max") or 0

    def touchpoint_data(self) -> dict:
        """The cleaned values the touchpoint services take."""
        return {name: self.cleaned_data[name] for name in TOUCHPOINT_FIELDS}
