from django.urls import path

from huifang.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.questionnaire_list, name="questionnaire_list"),
    path("new/", views.questionnaire_create, name="questionnaire_create"),
    path("q/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("q/<int:pk>/edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path("q/<int:pk>/publish/", views.questionnaire_publish, name="questionnaire_publish"),
    path("q/<int:pk>/retire/", views.questionnaire_retire, name="questionnaire_retire"),
    path("q/<int:pk>/items/new/", views.item_add, name="item_add"),
    path("q/<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("q/<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item_move"),
    path("q/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("q/<int:pk>/preview/agent/", views.preview_agent, name="preview_agent"),
    path("q/<int:pk>/preview/patient/", views.preview_patient, name="preview_patient"),
    path("scores/<slug:code>/", views.scores, name="scores"),
    path("responses/", views.response_list, name="response_list"),
    path("responses/<uuid:response_uuid>/", views.response_detail, name="response_detail"),
    path("record/<slug:code>/<uuid:patient_uuid>/", views.record, name="record"),
    path("invite/<uuid:patient_uuid>/", views.invite, name="invite"),
]
