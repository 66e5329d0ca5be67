from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huifang.core import calendar
from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry, CalendarDay, JobRun
from huifang.core.services import (
    CalendarRange,
    calendar_day_remove,
    calendar_day_set,
    calendar_days_remove,
    calendar_ranges_set,
)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "target_type", "target_repr", "ip_address"]
    list_filter = ["action", "target_type", "via"]
    search_fields = ["actor_name", "target_repr", "target_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "started_at", "finished_at", "status"]
    list_filter = ["name", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CalendarYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=self.value())
        return queryset


class CalendarRangeForm(forms.Form):
    """Several days of the holiday table under one name: a whole break, or its 调休 days."""

    name = forms.CharField(
        label=_("name"),
        max_length=50,
        help_text=_("For example 春节, 国庆节 or 春节调休."),
    )
    date_from = forms.DateField(label=_("first day"), widget=AdminDateWidget)
    date_to = forms.DateField(
        label=_("last day"),
        widget=AdminDateWidget,
        required=False,
        help_text=_("Leave empty for a single day."),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=CalendarDay.Kind.choices)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def calendar_range(self) -> CalendarRange:
        data = self.cleaned_data
        return CalendarRange(
            name=data["name"],
            date_from=data["date_from"],
            date_to=data["date_to"] or data["date_from"],
            kind=data["kind"],
            note=data["note"],
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The holiday table. Writes go through the services: audited, cache invalidated."""

    change_list_template = "core/admin/calendarday_change_list.html"

    list_display = ["date", "weekday", "kind", "name", "note", "created_by"]
    list_filter = ["kind", CalendarYearFilter]
    search_fields = ["name", "note"]
    ordering = ["date"]
    fields = ["date", "kind", "name", "note"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return calendar.WEEKDAY_NAMES_ZH[obj.date.weekday()]

    def get_readonly_fields(self, request, obj=None):
        # Moving a row to another date is a removal and a new entry.
        return ["date"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        entry = calendar_day_set(
            actor=request.user, day=obj.date, kind=obj.kind, name=obj.name, note=obj.note
        )
        obj.pk, obj.created_by_id = entry.pk, entry.created_by_id
        obj.created_at, obj.updated_at = entry.created_at, entry.updated_at

    def delete_model(self, request, obj):
        calendar_day_remove(actor=request.user, day=obj.date)

    def delete_queryset(self, request, queryset):
        # One re-planning for the whole selection, not one per day.
        calendar_days_remove(actor=request.user, days=list(queryset.values_list("date", flat=True)))

    def get_urls(self):
        return [
            path(
                "range/",
                self.admin_site.admin_view(self.range_view),
                name="core_calendarday_range",
            ),
            *super().get_urls(),
        ]

    def range_view(self, request):
        """Enter a date range in one go (one name, first to last day, one kind)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CalendarRangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = calendar_ranges_set(actor=request.user, ranges=[form.calendar_range()])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(days)d days entered (%(created)d new, %(updated)d changed, "
                        "%(unchanged)d unchanged)."
                    )
                    % {
                        "days": result.days,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:core_calendarday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Enter a date range"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "core/admin/calendarday_range.html", context)
