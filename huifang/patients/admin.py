from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huifang.core.masking import mask_id_number, mask_phone
from huifang.patients import services
from huifang.patients.models import (
    AbnormalFinding,
    Diagnosis,
    Encounter,
    ImportRun,
    ImportSource,
    Patient,
    PhoneNumber,
    Procedure,
)


class PhoneInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0
    fields = ["masked_number", "owner", "relation", "contact_name", "line_type", "status"]
    readonly_fields = ["masked_number", "line_type"]

    @admin.display(description=_("number"))
    def masked_number(self, obj):
        return mask_phone(obj.number)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["record_number", "name", "sex", "birth_date", "deceased_on"]
    search_fields = ["record_number", "name", "name_pinyin", "name_initials"]
    list_filter = ["sex"]
    readonly_fields = ["masked_id_number", "name_pinyin", "name_initials"]
    exclude = ["id_number", "id_number_hash"]
    inlines = [PhoneInline]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited with what it was before.
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            fresh = Patient.objects.get(pk=obj.pk)
            services.patient_update(actor=request.user, patient=fresh, **data)
        else:
            created = services.patient_create(
                actor=request.user,
                record_number=form.cleaned_data["record_number"],
                name=form.cleaned_data["name"],
                **{k: v for k, v in data.items() if k not in {"record_number", "name"}},
            )
            obj.pk = created.pk


class DiagnosisInline(admin.TabularInline):
    model = Diagnosis
    extra = 0


class ProcedureInline(admin.TabularInline):
    model = Procedure
    extra = 0


class FindingInline(admin.TabularInline):
    model = AbnormalFinding
    extra = 0


@admin.register(Encounter)
class EncounterAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "patient", "department", "discharged_on", "visit_on"]
    list_filter = ["kind", "source_system"]
    search_fields = ["number", "patient__record_number", "patient__name"]
    list_select_related = ["patient", "department"]
    raw_id_fields = ["patient"]
    inlines = [DiagnosisInline, ProcedureInline, FindingInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["file_name", "source", "status", "rows", "created", "updated", "rejected"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "default_kind", "updated_at"]
