"""Webhooks the SMS gateway calls: delivery receipts and replies.

No sign-in (the gateway has no account): each request must carry a valid
HMAC signature of its body (see ``backends.http_gateway``); anything else
gets 403 and changes nothing. Numbers and texts are never logged.
"""

import json
import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from huifang.core.errors import ApplicationError
from huifang.messaging.backends.http_gateway import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_valid,
)
from huifang.messaging.services import sending

logger = logging.getLogger(__name__)


def _verified_json(request) -> dict | None:
    if not signature_valid(
        settings.HUIFANG_SMS_WEBHOOK_SECRET,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.body,
        request.headers.get(SIGNATURE_HEADER, ""),
    ):
        logger.warning("webhook %s: signature missing or wrong", request.path)
        return None
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _forbidden() -> HttpResponse:
    return JsonResponse(
        {"code": "bad_signature", "message": "Signature missing or wrong."}, status=403
    )


@csrf_exempt
@require_POST
def receipt(request):
    """``{"id": provider id or our key, "status": delivered|failed, "error_code": "…"}``."""
    data = _verified_json(request)
    if data is None:
        return _forbidden()
    try:
        message = sending.receipt_apply(
            provider_id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            error_code=str(data.get("error_code", "") or ""),
        )
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"ok": True, "matched": message is not None})


@csrf_exempt
@require_POST
def inbound(request):
    """``{"from": "+8613…", "text": "TD", "id": "…"}``: a patient's reply."""
    data = _verified_json(request)
    if data is None:
        return _forbidden()
    reply = sending.inbound_receive(
        backend="sms",
        sender=str(data.get("from", "")),
        text=str(data.get("text", "")),
        provider_id=str(data.get("id", "")),
    )
    return JsonResponse({"ok": True, "opt_out": reply.is_opt_out})
