from django.contrib import admin

from huifang.feedback.models import Case, CaseEvent, DeadlineRule


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "action", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # the timeline is written by the loop's steps only


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "department", "category", "deadline_at")
    list_filter = ("kind", "status", "category")
    raw_id_fields = (
        "patient",
        "encounter",
        "task",
        "attempt",
        "department",
        "reported_by",
        "answered_by",
        "verification_task",
    )
    readonly_fields = ("uuid", "created_at", "updated_at")
    inlines = [CaseEventInline]

    def has_delete_permission(self, request, obj=None):
        return False  # cases are never deleted; they are closed or withdrawn


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """How long departments have to answer, by category and severity (blank: any)."""

    list_display = (
        "category",
        "severity",
        "working_days_one",
        "working_days_several",
        "hours",
        "is_active",
    )
    list_editable = ("working_days_one", "working_days_several", "hours", "is_active")
    list_filter = ("is_active",)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead: past deadlines were counted with it
