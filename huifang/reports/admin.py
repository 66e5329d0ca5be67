"""Administrators edit the department groups the reports break figures down by."""

from django.contrib import admin

from huifang.reports.models import DepartmentGroup, DepartmentGroupMember


class DepartmentGroupMemberInline(admin.TabularInline):
    model = DepartmentGroupMember
    extra = 1
    autocomplete_fields = ["department"]


@admin.register(DepartmentGroup)
class DepartmentGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order"]
    ordering = ["sort_order", "code"]
    inlines = [DepartmentGroupMemberInline]
