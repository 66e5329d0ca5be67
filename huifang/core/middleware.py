import logging
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
from django.shortcuts import render

from huifang.core.context import RequestInfo, current_request
from huifang.core.errors import ApplicationError

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address; behind trusted proxies, the one the nearest proxy saw.

    Proxies append to X-Forwarded-For, so only the right-most entries (one
    per trusted proxy) can be believed; anything to their left was written
    by the client. Also used by django-axes, so a sign-in lock is per
    computer, not per proxy.
    """
    proxies = settings.HUIFANG_TRUSTED_PROXY_COUNT if settings.HUIFANG_TRUST_X_FORWARDED_FOR else 0
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give every request an id and remember the client address for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-Id", "")[:36] or str(uuid.uuid4())
        request.request_id = request_id
        via = "api" if request.path.startswith("/api/") else "web"
        token = current_request.set(RequestInfo(client_ip(request), request_id, via))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-Id"] = request_id
        return response


class ApplicationErrorMiddleware:
    """Show an ``ApplicationError`` raised by a page as a page (or fragment) with its message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError):
            return None
        logger.info("application error %s on %s", exception.code, request.path)
        template = (
            "core/_error_fragment.html"
            if getattr(request, "htmx", False)
            else "core/application_error.html"
        )
        return render(request, template, {"error": exception}, status=exception.status)


class LoginRequiredMiddleware(BaseLoginRequired):
    """Every page needs a signed-in user; the API authenticates on its own.

    A patient's survey link (``/s/<token>``) is the exception: the token is
    the credential, and patients have no account. So are the SMS gateway's
    webhooks (``/messaging/hooks/``): each request carries an HMAC signature.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(("/api/", "/s/", "/messaging/hooks/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
