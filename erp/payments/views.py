"""The providers' webhooks: verified, recorded once, then settled by re-reading the provider.

No CSRF (the caller is the provider, authenticated by its signature) and no session.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .models import ProviderAccount

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, account_id) -> JsonResponse:
    account = get_object_or_404(ProviderAccount, pk=account_id, is_active=True)
    try:
        outcome = services.handle_webhook(
            account=account, headers=request.headers, body=request.body
        )
    except services.SignatureError as exc:
        log.warning("webhook refused for %s: %s", account.name, exc)
        return JsonResponse({"error": "invalid signature"}, status=401)
    except services.ProviderError as exc:
        # We could not re-read the session: 503 makes the provider deliver again later (and
        # the retry sweep settles the pending payment meanwhile).
        log.warning("webhook for %s not settled: %s", account.name, exc)
        return JsonResponse({"error": "provider unavailable, retry"}, status=503)
    return JsonResponse({"outcome": outcome})
