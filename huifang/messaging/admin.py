from django.contrib import admin

from huifang.messaging.models import Campaign, Message, MessageTemplate, OptOut


class ReadOnlyAdmin(admin.ModelAdmin):
    """Writes go through the pages and services (checks, audit); the admin only shows."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "channel", "category", "is_active"]
    list_filter = ["channel", "category", "is_active"]
    readonly_fields = [f.name for f in MessageTemplate._meta.fields]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "template", "status", "recipients", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Campaign._meta.fields]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    # No body or number here: the list is for delivery problems, not for reading texts.
    list_display = ["key", "channel", "category", "status", "skip_reason", "sent_at"]
    list_filter = ["channel", "category", "status", "skip_reason"]
    fields = ["key", "channel", "category", "status", "skip_reason", "error", "backend", "sent_at"]
    readonly_fields = fields


@admin.register(OptOut)
class OptOutAdmin(ReadOnlyAdmin):
    list_display = ["patient", "channel", "category", "source", "created_at"]
    list_filter = ["channel", "category", "source"]
    readonly_fields = ["patient", "channel", "category", "source", "created_by", "created_at"]
