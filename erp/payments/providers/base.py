"""What every payment provider adapter offers the payments services."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider could not be asked (timeout, 5xx, unreadable answer) or refused. The text
    is safe to show: it carries no key, secret or customer data."""


class ProviderRefused(ProviderError):
    """The provider answered and said no (a 4xx): asking again the same way will not help."""


class SignatureError(Exception):
    """A webhook whose signature, timestamp or body we do not accept."""


@dataclass(frozen=True)
class CheckoutSession:
    """A provider's view of one checkout: the fields the services decide on."""

    id: str
    client_reference: str
    amount: Decimal
    currency: str
    payment_status: str  # "succeeded" is the only status that issues anything
    checkout_status: str
    launch_url: str = ""
    transaction_id: str = ""

    @property
    def succeeded(self) -> bool:
        return self.payment_status == "succeeded"

    @property
    def failed(self) -> bool:
        return self.payment_status == "cancelled" or self.checkout_status == "expired"


class Provider(Protocol):
    needs_phone: bool  # the customer types a phone number for a USSD push
    supports_refunds: bool  # the provider's API can give a payment back

    def refund(self, session_id: str, *, idempotency_key: str) -> None:
        """Give the whole payment of a succeeded session back. The same idempotency key sent
        again does not refund again. Raises ProviderRefused (final) or ProviderError (ask
        again later)."""
        ...

    def create_checkout(
        self,
        *,
        amount: Decimal,
        currency: str,
        client_reference: str,
        success_url: str,
        error_url: str,
        phone: str = "",
        webhook_url: str = "",
    ) -> CheckoutSession: ...

    def get_session(self, session_id: str) -> CheckoutSession: ...

    def find_by_reference(self, client_reference: str) -> CheckoutSession | None: ...

    def verify_webhook(self, *, headers: Any, body: bytes, now: float) -> dict[str, Any]: ...
