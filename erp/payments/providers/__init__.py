"""Payment providers behind one interface (``base.Provider``); ``for_account`` picks one."""

from __future__ import annotations

from .base import CheckoutSession, Provider, ProviderError, ProviderRefused, SignatureError


def for_account(account) -> Provider:
    from ..choices import Provider as Kind

    if account.provider == Kind.WAVE:
        from .wave import WaveCheckout

        return WaveCheckout(account)
    if account.provider == Kind.SELCOM:
        from .selcom import SelcomCheckout

        return SelcomCheckout(account)
    raise ProviderError(f"no adapter for provider {account.provider}")


__all__ = [
    "CheckoutSession",
    "Provider",
    "ProviderError",
    "ProviderRefused",
    "SignatureError",
    "for_account",
]
