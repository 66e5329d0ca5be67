from django.contrib import admin

from huifang.feedback.models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "department", "category", "deadline_at")
    list_filter = ("kind", "status", "category")
    raw_id_fields = ("patient", "encounter", "task", "attempt", "department", "reported_by")
    readonly_fields = ("uuid", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False  # cases are never deleted; they are closed or withdrawn
