from django.urls import path

from huifang.messaging import views, webhooks

app_name = "messaging"

urlpatterns = [
    path("hooks/receipt", webhooks.receipt, name="hook_receipt"),
    path("hooks/inbound", webhooks.inbound, name="hook_inbound"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new", views.template_edit, name="template_new"),
    path("templates/<slug:code>/", views.template_edit, name="template_edit"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new", views.campaign_new, name="campaign_new"),
    path("campaigns/<uuid:campaign_uuid>/", views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<uuid:campaign_uuid>/<str:action>", views.campaign_action, name="campaign_action"
    ),
    path("opt-outs/new", views.optout_new, name="optout_new"),
]
