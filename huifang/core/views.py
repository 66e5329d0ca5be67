import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from huifang.core import selectors
from huifang.core.models import AuditAction

logger = logging.getLogger(__name__)

# The navigation's labels (core/context_processors.py); as page titles the
# Chinese is fuller (满意度调查, 统计报表), hence the context.
COMING_SECTIONS = {
    "plans": pgettext_lazy("section title", "Follow-up plans"),
    "feedback": pgettext_lazy("section title", "Complaints & suggestions"),
    "reports": pgettext_lazy("section title", "Reports"),
}


def coming(request, section: str):
    if section not in COMING_SECTIONS:
        raise Http404
    return render(
        request,
        "core/coming.html",
        {"section_title": COMING_SECTIONS[section], "nav_active": section},
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def audit_log(request):
    filters = selectors.AuditFilters(
        actor=request.GET.get("actor", "").strip(),
        action=request.GET.get("action", ""),
        target_type=request.GET.get("target_type", ""),
        patient_id=_int_or_none(request.GET.get("patient")),
        date_from=parse_date(request.GET.get("date_from") or "") or None,
        date_to=parse_date(request.GET.get("date_to") or "") or None,
    )
    entries = selectors.audit_list(user=request.user, filters=filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "actions": AuditAction.choices,
        "target_types": selectors.audit_target_types(),
        "nav_active": "audit",
    }
    if request.htmx:
        return render(request, "core/audit_log.html#results", context)
    return render(request, "core/audit_log.html", context)


def system_status(request):
    runs = selectors.job_run_recent(user=request.user)
    day_ago = timezone.now() - timedelta(days=1)
    context = {
        "runs": runs,
        "database_vendor": connection.vendor,
        "huey_backend": settings.HUEY_BACKEND,
        "recent_ok": any(r.status == "succeeded" and r.started_at >= day_ago for r in runs),
        "nav_active": "system",
    }
    return render(request, "core/system.html", context)


@login_not_required
@require_GET
def healthz(request):
    """For load balancers and monitoring: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # any database failure means unhealthy
        logger.exception("health check failed")
        return JsonResponse({"status": "error"}, status=503)


@login_not_required
@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on every page, the administration's too: point them at ours."""
    return redirect(static("huifang/favicon.ico"))


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "core/http_error.html", {"status": 404}, status=404)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "core/http_error.html", {"status": 403}, status=403)


@login_not_required
def server_error(request):
    return render(request, "core/http_error.html", {"status": 500}, status=500)
