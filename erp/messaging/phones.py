"""Phone numbers an SMS can go to: valid, mobile, in E.164."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def to_e164(raw, *, region: str | None = None) -> str:
    """``raw`` (a string, local or international, or a PhoneNumber) as E.164, if it is a valid
    mobile number; otherwise ValidationError with a message a person can act on.

    A local number ("0712 345 678") is read in ``region`` (default the settings'
    PHONENUMBER_DEFAULT_REGION, e.g. TZ)."""
    region = region or getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "TZ"
    if isinstance(raw, phonenumbers.PhoneNumber):
        number = raw
    else:
        text = str(raw or "").strip()
        if not text:
            raise ValidationError(_("Give a phone number."), code="empty")
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise ValidationError(
                _("%(number)s is not a phone number.") % {"number": text[:40]}, code="invalid"
            ) from None
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(number)s is not a valid phone number.") % {"number": shown}, code="invalid"
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(
            _("%(number)s is not a mobile number: it cannot receive SMS.") % {"number": shown},
            code="not_mobile",
        )
    return shown
