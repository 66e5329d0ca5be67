from django.urls import path

from huifang.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.case_list, name="case_list"),
]
