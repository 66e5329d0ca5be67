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
    path("<uuid:patient_uuid>/id-number/reveal/", views.id_number_reveal, name="id_reveal"),
]
