from django.urls import path

from huifang.reports import breakdown_views, views

app_name = "reports"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("department/", views.department_report, name="department"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("compare/", views.compare, name="compare"),
    path("definitions/", views.definitions, name="definitions"),
    path("daily.xlsx", views.daily_xlsx, name="daily_xlsx"),
    path("summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("daily.pdf", views.daily_pdf, name="daily_pdf"),
    path("summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("satisfaction/", views.satisfaction_page, name="satisfaction"),
    path("satisfaction.xlsx", views.satisfaction_xlsx, name="satisfaction_xlsx"),
    path("breakdowns/", breakdown_views.breakdowns, name="breakdowns"),
    path("breakdowns.xlsx", breakdown_views.breakdowns_xlsx, name="breakdowns_xlsx"),
    path("answers/", breakdown_views.answer_tables, name="answer_tables"),
    path("answers.xlsx", breakdown_views.answer_tables_xlsx, name="answer_tables_xlsx"),
    path("responses.xlsx", breakdown_views.responses_xlsx, name="responses_xlsx"),
]
