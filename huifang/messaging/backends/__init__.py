"""Channels' pluggable backends, chosen in settings like Django's e-mail backends.

``HUIFANG_MESSAGE_BACKENDS = {"sms": {"BACKEND": dotted path, "OPTIONS": {...},
"RATE": per second}, "email": {...}}``. A backend sends one message at a time
and says whether a resend of the same key is safe (``idempotent``): the
sender resends an interrupted message only through such a backend.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from huifang.messaging.backends.base import BaseBackend, Outgoing, SendError, SendResult

__all__ = ["BaseBackend", "Outgoing", "SendError", "SendResult", "backend_for", "backend_rate"]


def _config(channel: str) -> dict:
    return settings.HUIFANG_MESSAGE_BACKENDS[channel]


def backend_for(channel: str) -> BaseBackend:
    """A new backend instance for ``channel`` as configured."""
    config = _config(channel)
    cls = import_string(config["BACKEND"])
    return cls(name=config.get("NAME") or channel, **config.get("OPTIONS", {}))


def backend_rate(channel: str) -> float:
    """Messages per second the channel's backend may send (0 = unlimited)."""
    return float(_config(channel).get("RATE", 0) or 0)
