"""Taking a customer's payment and turning it into exactly one voucher.

The rule (one payment → at most one voucher, whatever the order, number and timing of
webhooks, polls and retries) rests on three things:

1. ``Payment.sale`` is a OneToOne: a second sale for a payment is a database error.
2. ``settle`` locks the payment row (SELECT … FOR UPDATE) before it reads the status and
   issues: two callbacks at once take turns; the second finds it issued.
3. The online sale's idempotency key is the payment id: even a sale whose payment update was
   lost is found again rather than made twice.

Nothing is issued on a webhook's word: ``settle`` re-reads the checkout session from the
provider and issues only if the provider says it succeeded, for our reference, amount and
currency. A payment the provider took but that could not issue (no stock on the router) is
PAID with the reason: "we owe you" for Finance and the customer, retried by ``retry_owed``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.core import crypto, events
from erp.core.exceptions import NotAllowed
from erp.core.money import to_money
from erp.core.texts import Text, text_of
from erp.mikrotik.choices import RouterJobKind
from erp.mikrotik.tasks import start_job
from erp.sales.models import Refund as SaleRefund
from erp.sales.selectors import on_router
from erp.sales.services import OutOfStock, refund_sale, sell_online
from erp.sites.choices import RouterStatus
from erp.sites.models import Router, Site
from erp.vouchers.models import Package, Voucher

from .choices import PaymentStatus, RefundState
from .events import VOUCHER_ISSUED
from .models import Payment, PaymentRefund, ProviderAccount, Reconciliation, WebhookEvent
from .providers import (
    CheckoutSession,
    ProviderError,
    ProviderRefused,
    SignatureError,
    for_account,
)
from .selectors import walled_garden_hosts

log = logging.getLogger(__name__)


class PaymentRefused(Exception):
    """The payment cannot start (no stock, package not sold here, no provider account)."""


def active_account() -> ProviderAccount | None:
    return ProviderAccount.objects.filter(is_active=True).order_by("created_at").first()


def online_packages(site: Site) -> list[Package]:
    """The active packages of a site with at least one voucher of its office stock on the
    router: only what can be issued at once is offered for payment."""
    ready = (
        Voucher.objects.filter(site=site, agent__isnull=True, status="unused")
        .filter(on_router())
        .values("package_id")
    )
    return list(
        Package.objects.filter(is_active=True, sites=site, pk__in=ready).order_by("price", "name")
    )


def start_payment(
    *,
    site: Site,
    package: Package,
    hotspot: dict[str, str],
    success_url: str,
    error_url: str,
    phone: str = "",
    payment_id: uuid.UUID | None = None,
    webhook_base: str = "",
) -> Payment:
    """Open a checkout for one package: the payment row first (committed, so a lost create
    can be found again by its reference), then the provider's session. ``success_url`` and
    ``error_url`` may contain ``{id}`` for the payment id. Raises PaymentRefused or
    ProviderError (the payment then stays CREATED and is never issued)."""
    account = active_account()
    if account is None:
        raise PaymentRefused(_("Online payment is not available here yet."))
    phone = "".join(ch for ch in phone if ch.isdigit())
    if for_account(account).needs_phone and not 9 <= len(phone) <= 15:
        raise PaymentRefused(_("Type the phone number that pays, e.g. 255712345678."))
    if package.pk not in {p.pk for p in online_packages(site)}:
        raise PaymentRefused(_("This package is not available online here right now."))
    payment = Payment.objects.create(
        id=payment_id or uuid.uuid4(),
        account=account,
        site=site,
        package=package,
        amount=to_money(package.price),
        currency=account.currency,
        phone=phone[:20],
        hotspot=dict(hotspot),
    )
    provider = for_account(account)
    reference = str(payment.id)

    try:
        session = provider.create_checkout(
            amount=payment.amount,
            currency=payment.currency,
            client_reference=reference,
            success_url=success_url.format(id=reference),
            error_url=error_url.format(id=reference),
            phone=payment.phone,
            webhook_url=webhook_base.rstrip("/") + reverse("payments:webhook", args=[account.pk]),
        )
    except ProviderError:
        # The provider may have made the session and lost only its answer.
        try:
            session = provider.find_by_reference(reference)
        except ProviderError:
            session = None
        if session is None:
            raise
    Payment.objects.filter(pk=payment.pk).update(
        provider_session_id=session.id,
        launch_url=session.launch_url,
        status=PaymentStatus.PENDING,
        updated_at=timezone.now(),
    )
    payment.refresh_from_db()
    return payment


# Nothing a provider says changes these any more (a refund is decided by Finance, not by a
# webhook; a refunded payment never issues).
_SETTLED = {PaymentStatus.ISSUED, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED}


def _read_session(payment: Payment) -> CheckoutSession | None:
    provider = for_account(payment.account)
    if payment.provider_session_id:
        return provider.get_session(payment.provider_session_id)
    return provider.find_by_reference(str(payment.id))


def settle(payment_id: Any) -> Payment:
    """Bring a payment up to date with its provider and issue its voucher if it is paid:
    safe to call any number of times, from any webhook, poll or retry, in any order.
    Raises ProviderError when the provider cannot be asked (nothing changes then)."""
    payment = Payment.objects.select_related("account").get(pk=payment_id)
    if payment.status in _SETTLED:
        return payment
    session = _read_session(payment)  # outside the lock: a slow provider holds no row
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("account").get(pk=payment_id)
        if payment.status in _SETTLED:
            return payment
        if session is None:
            return payment
        if not payment.provider_session_id:
            payment.provider_session_id = session.id
        if session.succeeded:
            _mark_paid(payment, session)
        elif session.failed and payment.status in {PaymentStatus.CREATED, PaymentStatus.PENDING}:
            payment.status = PaymentStatus.FAILED
        payment.save()
    return payment


def _mark_paid(payment: Payment, session: CheckoutSession) -> None:
    """The provider has the money: PAID, then issue (the lock is held by the caller)."""
    if payment.status != PaymentStatus.PAID:
        payment.status = PaymentStatus.PAID
        payment.paid_at = timezone.now()
    payment.transaction_id = session.transaction_id[:64]
    mismatch = (
        session.client_reference != str(payment.id)
        or session.currency != payment.currency
        or to_money(session.amount) != payment.amount
    )
    if mismatch:
        # Paid, but not what we asked for: Finance sorts it out; nothing is issued.
        payment.issue_error = Text(
            gettext_noop(
                "The provider reports %(amount)s %(currency)s for reference %(ref)s; we asked "
                "%(ours)s %(our_currency)s."
            ),
            amount=session.amount,
            currency=session.currency,
            ref=session.client_reference[:40],
            ours=payment.amount,
            our_currency=payment.currency,
        )
        return
    _issue(payment)


def _issue(payment: Payment) -> None:
    payment.issue_attempts += 1
    try:
        with transaction.atomic():
            sale, _created = sell_online(
                site=payment.site,
                package=payment.package,
                payment_reference=payment.transaction_id or payment.provider_session_id,
                idempotency_key=payment.id,
                amount=payment.amount,
            )
    except (OutOfStock, ValidationError, IntegrityError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else text_of(exc)
        payment.issue_error = message
        log.warning("payment %s paid but not issued: %s", payment.pk, message)
        return
    payment.sale = sale
    payment.status = PaymentStatus.ISSUED
    payment.issued_at = timezone.now()
    payment.issue_error = ""
    events.announce(
        VOUCHER_ISSUED,
        key=str(payment.pk),
        payment_id=str(payment.pk),
        voucher_id=sale.voucher_id,
        site_id=str(payment.site_id),
        hotspot=payment.hotspot,
    )


def handle_webhook(*, account: ProviderAccount, headers: Any, body: bytes) -> str:
    """A provider's webhook: verified (signature, time window), recorded once by its event
    id (a replay does nothing), then the payment is settled by re-reading the provider.
    Returns what happened ("settled", "replay", "unknown payment", "ignored"). Raises
    SignatureError for a forged, stale or malformed delivery and ProviderError when the
    provider cannot be re-read (the provider retries the webhook later)."""
    event = for_account(account).verify_webhook(headers=headers, body=body, now=time.time())
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    session_id = str(data.get("id") or "")[:64]
    reference = str(data.get("client_reference") or "")
    event_id = str(event["id"])[:64]
    if WebhookEvent.objects.filter(account=account, event_id=event_id).exists():
        return "replay"
    outcome = "ignored"
    if event["type"] in {"checkout.session.completed", "checkout.session.payment_failed"}:
        payment = _payment_for(account, reference=reference, session_id=session_id)
        if payment is None:
            log.warning("webhook %s for an unknown payment", event_id)
            outcome = "unknown payment"
        else:
            settle(payment.pk)  # a ProviderError leaves the event unrecorded: Wave resends
            outcome = "settled"
    # Recorded once settled: the same delivery again is a replay. Two copies at once both
    # settle, which is safe (settle is idempotent) and one record wins.
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                account=account,
                event_id=event_id,
                type=str(event["type"])[:64],
                session_id=session_id,
            )
    except IntegrityError:
        return "replay"
    return outcome


def _payment_for(account, *, reference: str, session_id: str) -> Payment | None:
    try:
        by_reference = uuid.UUID(reference)
    except ValueError:
        by_reference = None
    if by_reference is not None:
        found = Payment.objects.filter(account=account, pk=by_reference).first()
        if found is not None:
            return found
    if session_id:
        return Payment.objects.filter(account=account, provider_session_id=session_id).first()
    return None


def retry_owed(*, limit: int = 200) -> int:
    """Settle again every payment the provider took that has no voucher yet (PAID), and every
    pending one older than a minute (a webhook that never came): returns how many issued."""
    cutoff = timezone.now() - timedelta(minutes=1)
    ids = list(
        Payment.objects.filter(status=PaymentStatus.PAID)
        .values_list("pk", flat=True)
        .order_by("created_at")[:limit]
    ) + list(
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lt=cutoff)
        .values_list("pk", flat=True)
        .order_by("created_at")[:limit]
    )
    issued = 0
    for pk in ids:
        try:
            issued += settle(pk).status == PaymentStatus.ISSUED
        except ProviderError as exc:
            log.warning("payment %s not settled: %s", pk, exc)
    for refund_id in PaymentRefund.objects.filter(state=RefundState.REQUESTED).values_list(
        "pk", flat=True
    )[:limit]:
        send_refund(refund_id)
    return issued


# --- refunds ---------------------------------------------------------------------------------
def refund_payment(*, actor, payment: Payment, reason: str) -> PaymentRefund:
    """Give a customer's payment back in full through its provider (Finance).

    Never twice: the payment row is locked, at most one refund per payment is not a final
    refusal (database constraint), and the refund's id is the provider's idempotency key.
    A payment still owed (PAID) is refunded instead of issued; an issued one has its sale
    refunded first (the voucher becomes void), so the customer never keeps both the voucher
    and the money. The provider is asked after the commit (``send_refund``); if it cannot be
    reached the refund stays requested and the minute sweep asks again with the same key."""
    if not actor.has_perm("payments.refund_payment"):
        raise NotAllowed(_("You may not refund payments."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is refunded.")})
    provider = for_account(payment.account)
    if not provider.supports_refunds:
        raise ValidationError(
            _("%(provider)s cannot refund through its API; refund the customer from its portal.")
            % {"provider": payment.account.get_provider_display()}
        )
    if payment.status not in {PaymentStatus.PAID, PaymentStatus.ISSUED}:
        raise ValidationError(
            _("Only a paid payment can be refunded; this one is “%(status)s”.")
            % {"status": payment.get_status_display()}
        )
    # The provider must hold the money now (read outside the lock: a slow provider holds no
    # row); a session it does not call succeeded is not refunded.
    try:
        session = _read_session(payment)
    except ProviderError as exc:
        raise ValidationError(
            _("The provider could not be asked: %(error)s Try again later.") % {"error": exc}
        ) from None
    if session is None or not session.succeeded:
        raise ValidationError(_("The provider does not report this payment as paid."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in {PaymentStatus.PAID, PaymentStatus.ISSUED}:
            raise ValidationError(
                _("Only a paid payment can be refunded; this one is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        if locked.refunds.exclude(state=RefundState.FAILED).exists():
            raise ValidationError(_("This payment was already refunded."))
        refund = PaymentRefund(
            payment=locked,
            amount=locked.amount,
            reason=reason[:200],
            status_before=locked.status,
            requested_by=actor,
        )
        refund._history_user = actor
        refund.save()
        if (
            locked.sale_id is not None
            and not SaleRefund.objects.filter(sale_id=locked.sale_id).exists()
        ):
            refund_sale(actor=actor, sale=locked.sale, reason=reason)
        locked.status = PaymentStatus.REFUNDING
        locked.save(update_fields=["status", "updated_at"])
    return send_refund(refund.pk)


def send_refund(refund_id: Any) -> PaymentRefund:
    """Ask the provider for a requested refund (again): safe to call any number of times;
    the same idempotency key is sent each time. Returns the refund as it now stands."""
    refund = PaymentRefund.objects.select_related("payment__account").get(pk=refund_id)
    if refund.state != RefundState.REQUESTED:
        return refund
    payment = refund.payment
    provider = for_account(payment.account)
    refused = ""
    try:
        if not payment.provider_session_id:
            raise ProviderRefused(_("the payment has no provider session"))
        provider.refund(payment.provider_session_id, idempotency_key=str(refund.pk))
    except ProviderRefused as exc:
        refused = text_of(exc)
    except ProviderError as exc:
        PaymentRefund.objects.filter(pk=refund.pk, state=RefundState.REQUESTED).update(
            attempts=refund.attempts + 1, error=text_of(exc), updated_at=timezone.now()
        )
        log.warning("refund %s not sent yet: %s", refund.pk, exc)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = PaymentRefund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != RefundState.REQUESTED:
            return refund
        refund.attempts += 1
        if refused:
            refund.state = RefundState.FAILED
            refund.error = refused
            payment.status = refund.status_before
            if payment.sale_id is not None:
                payment.issue_error = Text(
                    gettext_noop(
                        "The provider refused the refund (%(error)s) after the voucher was "
                        "voided: refund the customer by hand."
                    ),
                    error=refused,
                )
        else:
            refund.state = RefundState.DONE
            refund.error = ""
            refund.done_at = timezone.now()
            payment.status = PaymentStatus.REFUNDED
        refund.save()
        payment.save(update_fields=["status", "issue_error", "updated_at"])
    return refund


__all__ = [
    "PaymentRefused",
    "ProviderError",
    "SignatureError",
    "handle_webhook",
    "online_packages",
    "refund_payment",
    "retry_owed",
    "send_refund",
    "settle",
    "start_payment",
]


# --- provider accounts ------------------------------------------------------------------------
def save_provider_account(account: ProviderAccount) -> int:
    """Save a provider account (the admin's form). When that
    changes the hosts hotspots must let through before login (an account switched on or off,
    another API host), every router that is not down gets a profile sync job once committed —
    the sync that also makes its walled garden match — instead of waiting for the next sync
    or drift repair. Returns how many router jobs were queued."""
    with transaction.atomic():
        before = walled_garden_hosts()
        account.save()
        if walled_garden_hosts() == before:
            return 0
        routers = list(Router.objects.exclude(status=RouterStatus.DOWN).order_by("name"))
        for router in routers:
            start_job(router, RouterJobKind.SYNC_PROFILES)
    log.info("payment hosts changed: walled garden sync queued on %d routers", len(routers))
    return len(routers)


def rotate_provider_secrets() -> int:
    """Re-encrypt every provider account's secrets under the first key of FERNET_KEYS (run
    with rotate_fernet_keys when a key is rotated). Returns how many accounts changed."""
    count = 0
    with transaction.atomic():
        for account in ProviderAccount.objects.select_for_update():
            for field in ("api_key_encrypted", "webhook_secret_encrypted"):
                if getattr(account, field):
                    setattr(account, field, crypto.rotate(getattr(account, field)))
            account.save(update_fields=["api_key_encrypted", "webhook_secret_encrypted"])
            count += 1
    return count


def reconcile(*, account: ProviderAccount, day) -> Any:
    """Compare every payment of `day` (local date) with the provider's record of its session
    and list each difference: the provider says paid and we have not issued (the owed list),
    we issued and the provider does not say paid (to investigate at once), amount, currency
    or reference differing, a session the provider does not know. Payments the provider
    could not be asked about are counted, not guessed. Stored as a Reconciliation."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    payments = Payment.objects.filter(
        account=account, created_at__gte=start, created_at__lt=end
    ).order_by("created_at")
    provider = for_account(account)
    differences: list[dict[str, Any]] = []
    unreachable = checked = 0
    for payment in payments.iterator():
        checked += 1
        try:
            session = (
                provider.get_session(payment.provider_session_id)
                if payment.provider_session_id
                else provider.find_by_reference(str(payment.pk))
            )
        except ProviderError as exc:
            if "does not know" in str(exc):
                session = None
            else:
                unreachable += 1
                continue
        found = _differences(payment, session)
        differences += [{"payment": str(payment.pk), **d} for d in found]
    return Reconciliation.objects.create(
        account=account,
        day=day,
        checked=checked,
        differences=differences,
        unreachable=unreachable,
    )


def _differences(payment: Payment, session: CheckoutSession | None) -> list[dict[str, str]]:
    ours = payment.status
    if session is None:
        if ours in {PaymentStatus.CREATED, PaymentStatus.FAILED}:
            return []  # never reached the provider: nothing to compare
        return [{"kind": "unknown_at_provider", "ours": ours, "theirs": ""}]
    found = []
    paid = session.succeeded
    took = {
        PaymentStatus.PAID,
        PaymentStatus.ISSUED,
        PaymentStatus.REFUNDING,
        PaymentStatus.REFUNDED,
    }
    if paid and ours not in took:
        found.append({"kind": "paid_not_recorded", "ours": ours, "theirs": "succeeded"})
    if paid and ours == PaymentStatus.PAID:
        found.append({"kind": "owed", "ours": ours, "theirs": "succeeded"})
    if not paid and ours in took:
        found.append({"kind": "issued_not_paid", "ours": ours, "theirs": session.payment_status})
    if to_money(session.amount) != payment.amount:
        found.append({"kind": "amount", "ours": str(payment.amount), "theirs": str(session.amount)})
    if session.currency != payment.currency:
        found.append({"kind": "currency", "ours": payment.currency, "theirs": session.currency})
    if session.client_reference != str(payment.pk):
        found.append(
            {"kind": "reference", "ours": str(payment.pk), "theirs": session.client_reference}
        )
    return found


def reconcile_yesterday() -> list[Any]:
    """Beat, daily: yesterday's reconciliation for every active account."""
    day = timezone.localdate() - timedelta(days=1)
    return [
        reconcile(account=account, day=day)
        for account in ProviderAccount.objects.filter(is_active=True)
    ]
