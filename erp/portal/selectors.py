"""Reads for the portal's pages."""

from __future__ import annotations

from django.core.cache import cache

from erp.payments import services as payments
from erp.payments.providers import for_account

OFFER_TTL = 15  # seconds a site's offer may lag its stock (the payment checks stock again)


def needs_phone() -> bool:
    """Whether the active payment provider pushes a PIN prompt to a phone number."""
    account = payments.active_account()
    return bool(account) and for_account(account).needs_phone


def offered_packages(site) -> list[dict]:
    """The packages a site's portal offers for payment now (name, price), cached briefly:
    the page is read by every customer, and the stock probe behind it grows with the stock.
    Starting a payment checks the stock again, so a stale offer is refused, never oversold."""
    settings = getattr(site, "portal_settings", None)
    if settings is not None and not settings.sells_online:
        return []
    key = f"portal:offer:{site.pk}"
    offer = cache.get(key)
    if offer is None:
        offer = (
            [
                {"pk": str(p.pk), "name": p.name, "price": p.price}
                for p in payments.online_packages(site)
            ]
            if payments.active_account()
            else []
        )
        cache.set(key, offer, OFFER_TTL)
    return offer
