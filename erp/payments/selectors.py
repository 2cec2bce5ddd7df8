"""Reads of payments."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from erp.core.scoping import restrict

from .choices import PaymentStatus
from .models import Payment, PaymentRefund, ProviderAccount, Reconciliation


def payments_visible_to(user) -> QuerySet[Payment]:
    """Online payments for those who may view them (Finance, Super Admin): every site's for a
    user who sees every site, their sites' only for a user with a site scope; agents none."""
    return restrict(
        Payment.objects.select_related("account", "site", "package", "sale__voucher"), user
    )


def refunds_visible_to(user) -> QuerySet[PaymentRefund]:
    """Refunds of the payments the user sees (same rule, through the payment's site)."""
    return restrict(
        PaymentRefund.objects.select_related("payment__site", "payment__account", "requested_by"),
        user,
    )


def reconciliations_visible_to(user) -> QuerySet[Reconciliation]:
    """Reconciliations are per provider account, not per site: whoever may view them sees
    them all (Finance and Super Admin; a site-scoped user sees only the payment rows of their
    sites in each difference list, through ``payments_visible_to``)."""
    if not (user.is_authenticated and user.has_perm("payments.view_reconciliation")):
        return Reconciliation.objects.none()
    return Reconciliation.objects.select_related("account")


def owed_payments() -> QuerySet[Payment]:
    """Paid, no voucher yet: what we owe customers (Finance's list; retried every minute)."""
    return (
        Payment.objects.filter(status=PaymentStatus.PAID)
        .select_related("site", "package")
        .order_by("paid_at")
    )


def payment_by_reference(*, site, reference: str, days: int = 30) -> Payment | None:
    """A site's recent payment by what the customer holds: the provider's transaction id
    (on the payment receipt) or the first 8 characters of our reference (on the "we owe you"
    page). None when nothing matches or the text is too short to be a reference."""
    text = "".join(reference.split())
    if len(text) < 8:
        return None
    recent = Payment.objects.filter(
        site=site, created_at__gte=timezone.now() - timedelta(days=days)
    ).select_related("sale__voucher__router", "package")
    found = recent.filter(transaction_id__iexact=text[:64]).first()
    if found is None and len(text) <= 36:
        found = (
            recent.annotate(ref=Cast("id", CharField()))
            .filter(ref__startswith=text.lower())
            .order_by("-created_at")
            .first()
        )
    return found


# Pages a customer's phone opens at a provider before it is online (Wave's checkout page is
# served from pay.wave.com; a USSD push needs no page).
CUSTOMER_HOSTS = {"wave": ["pay.wave.com"]}


def walled_garden_hosts() -> list[str]:
    """The providers' hosts a hotspot must let through before login: each active account's
    API host and the provider's customer pages (the router sync's walled garden)."""
    hosts: set[str] = set()
    for account in ProviderAccount.objects.filter(is_active=True).only("provider", "api_base_url"):
        host = urlsplit(account.api_base_url or "").hostname
        if host:
            hosts.add(host)
        hosts.update(CUSTOMER_HOSTS.get(account.provider, []))
    return sorted(hosts)
