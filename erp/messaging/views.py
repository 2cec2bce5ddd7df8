"""The gateway's webhook receiver (no login: the signature is the authentication)."""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .gateways.android import signature_valid
from .models import Gateway

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway_id) -> JsonResponse:
    """A signed delivery from the phone: ``X-Signature = hex(HMAC-SHA256(key, body +
    X-Timestamp))``, the timestamp within ±5 minutes, each envelope id applied once."""
    gateway = get_object_or_404(Gateway, pk=gateway_id, is_active=True)
    timestamp = request.headers.get("X-Timestamp", "")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        return JsonResponse({"detail": "X-Timestamp is missing or not a number."}, status=400)
    if skew > settings.SMS_WEBHOOK_TOLERANCE_SECONDS:
        log.warning("sms webhook for gateway %s: timestamp %d s off", gateway.pk, skew)
        return JsonResponse({"detail": "The timestamp is too old or in the future."}, status=401)
    if not signature_valid(
        gateway.get_webhook_key(), request.body, timestamp, request.headers.get("X-Signature", "")
    ):
        log.warning("sms webhook for gateway %s: bad signature", gateway.pk)
        return JsonResponse({"detail": "The signature does not match."}, status=401)
    try:
        envelope = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if not isinstance(envelope, dict):
        return JsonResponse({"detail": "The body is not a JSON object."}, status=400)
    try:
        done = services.handle_webhook(gateway, envelope)
    except services.ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse({"result": done})
