"""Errors a user can act on.

Raise ``ApplicationError`` (or a subclass) from services with a message the
person reading it can act on. Pages show the message, the API returns
``{"code", "message", "details"}``, the command line prints one line and
exits non-zero.
"""

from typing import Any


class ApplicationError(Exception):
    """A request that cannot be carried out, with a reason a user can act on."""

    code = "invalid_request"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
