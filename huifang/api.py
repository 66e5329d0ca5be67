"""The JSON API at /api/v1/: session or bearer-token authentication."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from huifang.accounts.services import api_token_authenticate
from huifang.core.errors import ApplicationError

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hf_…`` with a token issued by ``huifang api-token``."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Huifang API",
    version="1",
    description="Follow-up centre data for the hospital's own systems. "
    "Errors are JSON objects {code, message, details}.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request,
        {
            "code": "not_authenticated",
            "message": "Sign in or send a valid bearer token.",
            "details": {},
        },
        status=401,
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {
            "code": "invalid_request",
            "message": "The request is not valid.",
            "details": {"errors": exc.errors},
        },
        status=422,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}.get(
        exc.status_code, "invalid_request"
    )
    return api.create_response(
        request, {"code": code, "message": str(exc), "details": {}}, status=exc.status_code
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": "Not found.", "details": {}}, status=404
    )


@api.exception_handler(DjangoPermissionDenied)
def permission_denied(request, exc):
    return api.create_response(
        request,
        {"code": "permission_denied", "message": "Not allowed.", "details": {}},
        status=403,
    )


api.add_router("/", "huifang.accounts.api.router")
api.add_router("/patients", "huifang.patients.api.router")
api.add_router("/surveys", "huifang.surveys.api.router")
api.add_router("/messaging", "huifang.messaging.api.router")
api.add_router("/", "huifang.followups.api.router")
api.add_router("/cases", "huifang.feedback.api.router")
api.add_router("/reports", "huifang.reports.api.router")

__all__ = ["api"]
