from django.urls import path

from huifang.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("start/", views.feedback_home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("board/", views.board, name="board"),
    path("overview/", views.overview, name="overview"),
    path("new/", views.case_new, name="case_new"),
    path("notice/", views.notice, name="notice"),
    path("notice.xlsx", views.notice_xlsx, name="notice_xlsx"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("<uuid:case_uuid>/", views.case_detail, name="case_detail"),
    path(
        "<uuid:case_uuid>/caller-phone/reveal/",
        views.caller_phone_reveal,
        name="caller_phone_reveal",
    ),
    path("<uuid:case_uuid>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<uuid:case_uuid>/attachments/<uuid:attachment_uuid>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<uuid:case_uuid>/<slug:action>/", views.case_step, name="case_step"),
]
