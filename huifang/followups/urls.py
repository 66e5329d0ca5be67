from django.urls import path

from huifang.followups import views

app_name = "followups"

urlpatterns = [
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
