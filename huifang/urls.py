from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from huifang import views
from huifang.api import api
from huifang.surveys import public_views as survey_public_views

admin.site.site_header = _("Huifang follow-up · Administration")
admin.site.site_title = _("Huifang follow-up")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("huifang.core.urls")),
    path("accounts/", include("huifang.accounts.urls")),
    path("patients/", include("huifang.patients.urls")),
    path("followups/", include("huifang.followups.urls")),
    path("feedback/", include("huifang.feedback.urls")),
    path("surveys/", include("huifang.surveys.urls")),
    path("messaging/", include("huifang.messaging.urls")),
    path("reports/", include("huifang.reports.urls")),
    path("s/<str:token>", survey_public_views.patient_form, name="survey_link"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler404 = "huifang.core.views.page_not_found"
handler403 = "huifang.core.views.permission_denied"
handler500 = "huifang.core.views.server_error"
