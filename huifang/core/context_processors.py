from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

# (key, label, url name, permission needed or None)
_NAV = [
    ("home", _("Workbench"), "home", None),
    ("callbacks", _("My callbacks"), "followups:clinician_tasks", "followups.work_callback_task"),
    ("patients", _("Patients"), "patients:list", "patients.view_patient"),
    ("imports", _("Imports"), "patients:imports", "patients.import_encounters"),
    ("plans", _("Follow-up plans"), "followups:plan_list", "followups.view_plan"),
    ("reassign", _("Reassign tasks"), "followups:reassign_bulk", "followups.reassign_task"),
    ("surveys", _("Satisfaction"), "reports:satisfaction", "reports.view_reports"),
    ("questionnaires", _("Questionnaires"), "surveys:questionnaire_list", "surveys.view_scores"),
    ("messaging", _("SMS campaigns"), "messaging:campaign_list", "messaging.view_campaign"),
    ("feedback", _("Complaints & suggestions"), "feedback:home", "feedback.view_case"),
    ("reports", _("Reports"), "reports:summary", "reports.view_reports"),
    ("audit", _("Audit log"), "core:audit", "core.view_auditentry"),
]

# Counts an app shows on its entry (unread notifications…), registered by the
# app itself so that core imports none of them: key → count(user).
_BADGES: dict[str, Callable] = {}


def register_badge(key: str, count: Callable) -> None:
    _BADGES[key] = count


def navigation(request):
    user = getattr(request, "user", None)
    context = {"hospital_name": settings.HUIFANG_HOSPITAL_NAME}
    if user is None or not user.is_authenticated:
        return context
    items = []
    badges: dict[str, int] = {}
    for key, label, url_name, perm in _NAV:
        if perm and not user.has_perm(perm):
            continue
        url = reverse(url_name, args=[key]) if url_name == "core:coming" else reverse(url_name)
        count = _BADGES[key](user) if key in _BADGES else 0
        if count:
            badges[key] = count
            label = format_html(
                '{} <span class="badge rounded-pill text-bg-danger" data-testid="nav-badge-{}">{}</span>',
                label,
                key,
                count,
            )
        items.append({"key": key, "label": label, "url": url})
    if user.is_staff:
        items.append({"key": "system", "label": _("Administration"), "url": reverse("core:system")})
    context["nav_items"] = items
    context["nav_badges"] = badges
    return context
