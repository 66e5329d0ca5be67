from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huifang.core import calendar
from huifang.core.models import AuditEntry, CalendarDay, JobRun
from huifang.core.services import calendar_day_remove, calendar_day_set


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


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The holiday table. Writes go through the services: audited, cache invalidated."""

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
        for day in queryset.values_list("date", flat=True):
            calendar_day_remove(actor=request.user, day=day)
