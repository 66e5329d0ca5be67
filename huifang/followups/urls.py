from django.urls import path

from huifang.followups.views import assignment, registers, workbench
from huifang.followups.views import plans as views

app_name = "followups"

urlpatterns = [
    path("worklist/", workbench.worklist, name="worklist"),
    path("next/", workbench.task_next, name="task_next"),
    path("find/", workbench.find_patient, name="find"),
    path("tasks/<uuid:task_uuid>/", workbench.task_page, name="task"),
    path("tasks/<uuid:task_uuid>/record/", workbench.task_record, name="task_record"),
    path("tasks/<uuid:task_uuid>/contact/", workbench.task_contact, name="task_contact"),
    path("tasks/<uuid:task_uuid>/lease/", workbench.task_lease, name="task_lease"),
    path("tasks/<uuid:task_uuid>/release/", workbench.task_release, name="task_release"),
    path("tasks/<uuid:task_uuid>/reassign/", workbench.task_reassign, name="task_reassign"),
    path("tasks/<uuid:task_uuid>/call-again/", assignment.task_call_again, name="task_call_again"),
    path(
        "tasks/<uuid:task_uuid>/doctor-callback/",
        assignment.task_doctor_callback,
        name="task_doctor_callback",
    ),
    path("reassign/", assignment.reassign_bulk, name="reassign_bulk"),
    path("my-callbacks/", assignment.clinician_tasks, name="clinician_tasks"),
    path("register/", workbench.daily_register, name="register"),
    path("registers/", registers.register_import_list, name="register_imports"),
    path(
        "registers/<uuid:run_uuid>/preview/",
        registers.register_import_preview,
        name="register_import_preview",
    ),
    path(
        "registers/<uuid:run_uuid>/",
        registers.register_import_detail,
        name="register_import_detail",
    ),
    path(
        "registers/<uuid:run_uuid>/<slug:which>/",
        registers.register_import_download,
        name="register_import_download",
    ),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<slug:code>/", views.plan_detail, name="plan_detail"),
    path("plans/<slug:code>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<slug:code>/touchpoints/new/", views.touchpoint_add, name="touchpoint_add"),
    path(
        "plans/<slug:code>/touchpoints/<int:touchpoint_id>/edit/",
        views.touchpoint_edit,
        name="touchpoint_edit",
    ),
    path(
        "plans/<slug:code>/touchpoints/<int:touchpoint_id>/delete/",
        views.touchpoint_delete,
        name="touchpoint_delete",
    ),
    path(
        "encounters/<uuid:encounter_uuid>/schedule/",
        views.encounter_schedule,
        name="encounter_schedule",
    ),
]
