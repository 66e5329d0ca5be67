from django.urls import path

from huifang.core import views

app_name = "core"

urlpatterns = [
    path("coming/<slug:section>/", views.coming, name="coming"),
    path("audit/", views.audit_log, name="audit"),
    path("system/", views.system_status, name="system"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
