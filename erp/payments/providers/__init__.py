"""Payment providers behind one interface (``base.Provider``); ``for_account`` picks one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..choices import Provider as Kind
from .base import CheckoutSession, Provider, ProviderError, ProviderRefused, SignatureError
from .selcom import SelcomCheckout
from .wave import WaveCheckout


def for_account(account) -> Provider:
    if account.provider == Kind.WAVE:
        return WaveCheckout(account)
    if account.provider == Kind.SELCOM:
        return SelcomCheckout(account)
    raise ProviderError(_("no adapter for provider %(provider)s") % {"provider": account.provider})


__all__ = [
    "CheckoutSession",
    "Provider",
    "ProviderError",
    "ProviderRefused",
    "SignatureError",
    "for_account",
]
