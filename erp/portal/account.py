"""The customer's account on the portal: phone number + a one-time code by SMS, then their
purchases at the site, the time and data left, and buying again.

No password and no cookie: the code proves the phone, and a signed, short-lived token in the
page's links carries the proof (captive mini-browsers may drop cookies). Codes are kept only as
a keyed hash; requests are rate-limited per phone, per address and per site (each one costs an
SMS), and too many wrong codes lock the phone out of the site for a while.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from erp.core.units import duration_text
from erp.messaging import services as messaging
from erp.messaging.models import Template
from erp.messaging.phones import to_e164
from erp.messaging.rendering import render
from erp.payments.choices import PaymentStatus
from erp.payments.models import Payment
from erp.sales.models import Sale
from erp.sites.models import Site

from .models import AccountCode, PortalSession

log = logging.getLogger(__name__)

CODE_TEMPLATE = "portal-code"
TOKEN_SALT = "erp.portal.account"  # noqa: S105 - a signing namespace, not a secret


class AccountRefused(Exception):
    """A refusal the customer reads (wrong number, wrong code, locked, no SMS)."""


class AccountLocked(AccountRefused):
    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


def normalise_phone(raw: str) -> str:
    """The phone as E.164 digits (``255712345678``), or AccountRefused."""
    try:
        return to_e164(raw).lstrip("+")
    except ValidationError:
        raise AccountRefused(_("Type your phone number, e.g. 255712345678.")) from None


def _hash(site: Site, phone: str, code: str) -> str:
    # keyed: a 6-digit code hashed without a secret would be found by trying all of them
    return salted_hmac(f"{TOKEN_SALT}:{site.pk}:{phone}", code, algorithm="sha256").hexdigest()


def _lock(site: Site, phone: str) -> datetime | None:
    now = timezone.now()
    return (
        AccountCode.objects.filter(site=site, phone=phone, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def _locked(until: datetime) -> AccountLocked:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return AccountLocked(
        _("Too many wrong codes. Try again in %(minutes)d minutes.") % {"minutes": minutes}, until
    )


def send_code(*, site: Site, phone: str, language: str = "en") -> AccountCode:
    """Make a new code for the phone at this site and queue its SMS (transactional, through
    the outbox). A new code replaces the earlier ones; a locked phone gets none."""
    phone = normalise_phone(phone)
    until = _lock(site, phone)
    if until is not None:
        raise _locked(until)
    template = Template.objects.filter(code=CODE_TEMPLATE, is_active=True).first()
    if template is None:
        raise AccountRefused(_("Sign-in by SMS is not available here yet."))
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.PORTAL_CODE_TTL_SECONDS
    with transaction.atomic():
        # the earlier codes stop working: only the last SMS counts
        AccountCode.objects.filter(site=site, phone=phone, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        row = AccountCode.objects.create(
            site=site,
            phone=phone,
            code_hash=_hash(site, phone, code),
            expires_at=timezone.now() + timedelta(seconds=ttl),
        )
        try:
            messaging.queue_message(
                phone=phone,
                text=render(
                    template.text_for(language),
                    {
                        "code": code,
                        "site": site.name,
                        "expiry": timezone.localtime(row.expires_at).strftime("%H:%M"),
                    },
                ),
                template=template,
                source=f"portal-code:{row.pk}",
                site=site,
            )
        except ValidationError as exc:  # no gateway, a number SMS cannot reach
            log.warning("portal code for site %s not sent: %s", site.code, " ".join(exc.messages))
            transaction.set_rollback(True)
            raise AccountRefused(_("We could not send an SMS to this number now.")) from None
    return row


def check_code(*, site: Site, phone: str, code: str) -> str:
    """The phone, proven by its latest code; each wrong code counts, and the last allowed one
    locks the phone out of this site for ``PORTAL_CODE_LOCK_SECONDS``."""
    phone = normalise_phone(phone)
    code = "".join(ch for ch in code if ch.isdigit())
    now = timezone.now()
    with transaction.atomic():
        until = _lock(site, phone)
        if until is not None:
            raise _locked(until)
        row = (
            AccountCode.objects.select_for_update()
            .filter(site=site, phone=phone, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now:
            raise AccountRefused(_("This code has expired. Ask for a new one."))
        if constant_time_compare(row.code_hash, _hash(site, phone, code)):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return phone
        row.failures += 1
        fields = ["failures"]
        if row.failures >= settings.PORTAL_CODE_MAX_FAILURES:
            row.locked_until = now + timedelta(seconds=settings.PORTAL_CODE_LOCK_SECONDS)
            row.used_at = now
            fields += ["locked_until", "used_at"]
        row.save(update_fields=fields)
    if row.locked_until:
        raise _locked(row.locked_until)
    left = settings.PORTAL_CODE_MAX_FAILURES - row.failures
    raise AccountRefused(_("Wrong code. %(left)d tries left.") % {"left": left})


def token_for(site: Site, phone: str) -> str:
    return signing.dumps({"s": site.pk.hex, "p": phone}, salt=TOKEN_SALT, compress=True)


def phone_from_token(site: Site, token: str) -> str | None:
    """The phone a token proves at this site, or None (forged, expired, another site)."""
    try:
        data = signing.loads(
            token or "", salt=TOKEN_SALT, max_age=settings.PORTAL_ACCOUNT_SESSION_SECONDS
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != site.pk.hex:
        return None
    return data.get("p") or None


@dataclass
class Purchase:
    at: datetime
    package: object
    code: str
    status: str
    expires_at: datetime | None
    seconds_left: int | None
    bytes_left: int | None
    owed: bool = False
    # an unused voucher: how long it lasts from the first login (the package's validity)
    valid_for_seconds: int | None = None

    @property
    def left_text(self) -> str:
        return human_duration(self.seconds_left or 0)

    @property
    def valid_for_text(self) -> str:
        return human_duration(self.valid_for_seconds or 0)


def human_duration(seconds: int) -> str:
    """A duration as a customer reads it: "2 days 3 h", "3 h 20 min", "45 min" (the shared
    formatter, to the minute, no minutes beside days)."""
    return duration_text(seconds, coarse=True)


def _phone_forms(phone: str) -> set[str]:
    """How a phone may have been typed at checkout: E.164 digits, or the national 0-form."""
    forms = {phone, f"+{phone}"}
    if len(phone) > 9:
        forms.add("0" + phone[-9:])
    return forms


def purchases(*, site: Site, phone: str, limit: int = 20) -> list[Purchase]:
    """The phone's purchases at the site, newest first: the portal's payments with the phone,
    and the sales to clients with this number; with the time and data left of each voucher."""
    forms = _phone_forms(phone)
    now = timezone.now()
    found: list[Purchase] = []
    seen_sales = set()
    payments = (
        Payment.objects.filter(site=site, phone__in=forms)
        .exclude(status=PaymentStatus.FAILED)
        .select_related("package", "sale__voucher")
        .order_by("-created_at")[:limit]
    )
    for payment in payments:
        sale = payment.sale
        if sale is not None:
            seen_sales.add(sale.pk)
            found.append(_purchase(payment.created_at, payment.package, sale.voucher, now))
        elif payment.status == PaymentStatus.PAID or payment.issue_error:
            at, package = payment.created_at, payment.package
            found.append(Purchase(at, package, "", payment.status, None, None, None, owed=True))
    sales = (
        Sale.objects.filter(site=site, client__phone__in=forms)
        .exclude(pk__in=seen_sales)
        .select_related("package", "voucher")
        .order_by("-created_at")[:limit]
    )
    for sale in sales:
        found.append(_purchase(sale.created_at, sale.package, sale.voucher, now))
    found.sort(key=lambda p: p.at, reverse=True)
    return found[:limit]


def _purchase(at, package, voucher, now) -> Purchase:
    if voucher is None:
        return Purchase(at, package, "", "", None, None, None)
    expires = voucher.expires_at
    seconds_left = None
    if expires is not None:
        seconds_left = max(0, int((expires - now).total_seconds()))
    bytes_left = None
    limit = getattr(package, "data_limit_bytes", None)
    if limit:
        used = (
            PortalSession.objects.filter(voucher=voucher).aggregate(
                total=Sum("bytes_in") + Sum("bytes_out")
            )["total"]
            or 0
        )
        bytes_left = max(0, limit - used)
    valid_for = None
    if expires is None and voucher.status not in {"void", "expired"}:
        valid_for = getattr(package, "validity_seconds", None)
    return Purchase(
        at,
        package,
        voucher.code,
        voucher.status,
        expires,
        seconds_left,
        bytes_left,
        valid_for_seconds=valid_for,
    )


__all__ = [
    "AccountLocked",
    "AccountRefused",
    "check_code",
    "phone_from_token",
    "purchases",
    "send_code",
    "token_for",
]
