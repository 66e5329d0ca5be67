from django.urls import path

from huifang.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("<uuid:patient_uuid>/", views.patient_detail, name="detail"),
    path(
        "<uuid:patient_uuid>/phones/<int:phone_id>/reveal/",
        views.phone_reveal,
        name="phone_reveal",
    ),
    path("<uuid:patient_uuid>/contact/", views.patient_contact, name="contact"),
    path("<uuid:patient_uuid>/id-number/reveal/", views.id_number_reveal, name="id_reveal"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<uuid:run_uuid>/preview/", views.import_preview, name="import_preview"),
    path("imports/<uuid:run_uuid>/", views.import_detail, name="import_detail"),
    path("imports/<uuid:run_uuid>/<slug:which>/", views.import_download, name="import_download"),
]
