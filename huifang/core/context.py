"""Who is acting, from where: set per request so audit entries carry it."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip_address: str | None
    request_id: str
    via: str


current_request: ContextVar[RequestInfo | None] = ContextVar("current_request", default=None)
