from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huifang.followups.forms import PlanForm, TouchpointForm
from huifang.followups.models import FollowUpTask, Outcome, Plan, Touchpoint
from huifang.followups.services import plans as services


class TouchpointInline(admin.StackedInline):
    # Removing a touchpoint that has tasks is refused by the admin itself: the
    # tasks protect it (on_delete=PROTECT), and the form says which ones.
    model = Touchpoint
    form = TouchpointForm
    extra = 0
    fields = [
        ("code", "name", "position"),
        ("anchor", "offset_days", "window_days"),
        ("channel", "condition", "max_attempts", "priority"),
        "call_windows",
        ("repeat_every_days", "repeat_max"),
        "questionnaire_code",
        "script",
    ]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Plans and touchpoints. Saves go through the plan services: a new version, audited.

    Open tasks are kept here as they are; re-planning them is offered on
    the follow-up plans page only.
    """

    list_display = ["name", "code", "is_active", "version", "priority", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    form = PlanForm
    inlines = [TouchpointInline]
    readonly_fields = ["version"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name", "description", "is_active", "priority", "version"],
                "description": _(
                    "Saving here makes a new version of the plan and keeps its open tasks "
                    "as they are (they keep the version they were planned with). To re-plan "
                    "open tasks, change the plan on the follow-up plans page instead."
                ),
            },
        ),
        (
            _("Who is followed up"),
            {
                "fields": [
                    "encounter_kinds",
                    "departments",
                    "include_subdepartments",
                    "icd_prefixes",
                    "diagnosis_keywords",
                    ("age_min", "age_max"),
                    "sex",
                    "tags",
                    "fallback_channel",
                    "required_rate",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The code names the plan in addresses and explanations: fixed once made.
        return ["code", "version"] if obj is not None else ["version"]

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.PLAN_FIELDS
            if name in form.cleaned_data
        }
        if change:
            saved = services.plan_update(actor=request.user, plan=obj, data=data, replan=False).plan
        else:
            saved = services.plan_create(
                actor=request.user, code=form.cleaned_data["code"], data=data
            )
        obj.pk, obj.version = saved.pk, saved.version
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at

    def save_related(self, request, form, formsets, change):
        # Departments were set by the service; touchpoints go through it one by one.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        plan = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            touchpoint = inline.instance
            if inline in formset.deleted_forms:
                if touchpoint.pk:
                    services.touchpoint_delete(actor=request.user, touchpoint=touchpoint)
                    formset.deleted_objects.append(touchpoint)
                continue
            if not inline.has_changed():
                continue
            services.touchpoint_save(
                actor=request.user,
                plan=plan,
                touchpoint=touchpoint if touchpoint.pk else None,
                data=inline.touchpoint_data(),
                replan=False,
            )
            if touchpoint.pk:
                formset.changed_objects.append((touchpoint, inline.changed_data))
            else:
                formset.new_objects.append(touchpoint)


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "label_zh",
        "label_en",
        "category",
        "counts_as_success",
        "ends_task",
        "patient_effect",
        "sort_order",
        "is_active",
    ]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "label_zh", "label_en"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    """Tasks are written by the scheduler and the workbench only: read-only here."""

    list_display = [
        "patient",
        "encounter",
        "plan",
        "touchpoint",
        "channel",
        "status",
        "due_from",
        "due_until",
        "next_attempt_at",
        "attempts",
    ]
    list_filter = ["status", "plan", "channel"]
    list_select_related = ["patient", "encounter", "plan", "touchpoint__plan"]
    search_fields = ["patient__record_number", "encounter__number"]
    date_hierarchy = "due_from"
    raw_id_fields = ["patient", "encounter", "phone", "merged_into", "assigned_to"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
