from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import ApiToken, Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "employee_number", "is_active", "last_login"]
    search_fields = ["username", "display_name", "employee_number"]
    filter_horizontal = ["groups", "user_permissions", "departments"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("display_name", "employee_number", "title", "email")}),
        (_("Roles and departments"), {"fields": ("groups", "departments", "is_active")}),
        (
            _("Advanced"),
            {
                "classes": ("collapse",),
                "fields": ("is_staff", "is_superuser", "user_permissions"),
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at", "token_hash"]
    fields = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        # Tokens are issued with `huifang api_token create`, which shows the
        # clear token once.
        return False
