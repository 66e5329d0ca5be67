from django.contrib import admin

from huifang.surveys.models import Dispatch, Item, Questionnaire, Response


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ("position", "code", "kind", "text", "required", "dimension")
    readonly_fields = fields
    can_delete = False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """Read-only: questionnaires are built and versioned in the builder."""

    list_display = ("code", "version", "title", "status", "is_builtin")
    list_filter = ("status", "is_builtin")
    search_fields = ("code", "title")
    inlines = [ItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ("uuid", "questionnaire", "channel", "status", "sent_at")
    list_filter = ("channel", "status")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("uuid", "questionnaire", "channel", "submitted_at", "voided_at")
    list_filter = ("channel",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
