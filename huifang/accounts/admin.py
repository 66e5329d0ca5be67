from axes import admin as axes_admin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import ApiToken, Department, User
from huifang.accounts.roles import ROLES


def role_label(group: Group) -> str:
    """A role as staff read it (回访员…); a group that is no role keeps its name."""
    role = ROLES.get(group.name)
    return str(role.label) if role is not None else group.name


# Django names its default permissions "Can add user" when they are created,
# in English, and keeps that text in the database: say them again here.
_DEFAULT_PERMISSION_TEXTS = {
    "add": lambda model: pgettext("permission", "Can add %(model)s") % {"model": model},
    "change": lambda model: pgettext("permission", "Can change %(model)s") % {"model": model},
    "delete": lambda model: pgettext("permission", "Can delete %(model)s") % {"model": model},
    "view": lambda model: pgettext("permission", "Can view %(model)s") % {"model": model},
}


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language: 患者 · 可以查看患者, not "patients | patient | Can view patient"."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    action, _sep, rest = permission.codename.partition("_")
    meta = model._meta
    if action in _DEFAULT_PERMISSION_TEXTS and rest == meta.model_name:
        text = _DEFAULT_PERMISSION_TEXTS[action](meta.verbose_name)
    else:
        # Custom permissions are written in English in the models' Meta; their
        # Chinese is in the catalogue under the same English text.
        text = gettext(permission.name)
    return f"{meta.app_config.verbose_name} · {text}"


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(name, role.label) for name, role in ROLES.items()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "display_name",
        "employee_number",
        "roles",
        "is_active",
        "last_login",
    ]
    list_filter = [RoleFilter, "is_active", "is_staff"]
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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return "、".join(role_label(group) for group in obj.groups.all())

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = role_label
            # Django's own help speaks of groups; here they are the roles.
            field.help_text = _(
                "The user's roles: each gives the permissions written for it. "
                "Choose several with Ctrl (Command on a Mac)."
            )
        elif db_field.name == "user_permissions":
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(BaseGroupAdmin):
    """Roles are groups whose permissions ``roles_sync`` writes from ``accounts/roles.py``."""

    list_display = ["label", "name"]

    @admin.display(description=_("role"), ordering="name")
    def label(self, obj):
        return role_label(obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at", "token_hash"]
    fields = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        # Tokens are issued with `huifang api_token create`, which shows the
        # clear token once.
        return False


class LockoutAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """django-axes' failed sign-ins, its two computed columns named in the reader's language."""

    @admin.display(description=_("Expires At"))
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.display(description=_("status"))
    def status(self, obj):
        left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if left > 0:
            return ngettext("%(n)d attempt left", "%(n)d attempts left", left) % {"n": left}
        return gettext("Locked out")


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LockoutAttemptAdmin)
