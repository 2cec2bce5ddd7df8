"""Validators shared by models, forms and serializers (one rule, one place)."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal

import netaddr
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

latitude_validators = [
    MinValueValidator(Decimal("-90"), _("Latitude must be between -90 and 90.")),
    MaxValueValidator(Decimal("90"), _("Latitude must be between -90 and 90.")),
]
longitude_validators = [
    MinValueValidator(Decimal("-180"), _("Longitude must be between -180 and 180.")),
    MaxValueValidator(Decimal("180"), _("Longitude must be between -180 and 180.")),
]
port_validators = [
    MinValueValidator(1, _("Port must be between 1 and 65535.")),
    MaxValueValidator(65535, _("Port must be between 1 and 65535.")),
]

_HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def validate_host(value: str) -> None:
    """An IPv4/IPv6 address or an RFC 1123 host name (what a router is reached by)."""
    try:
        ipaddress.ip_address(value)
        return
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    if (
        not value
        or len(value) > 253
        or all(label.isdigit() for label in labels)
        or not all(_HOSTNAME_LABEL.match(label) for label in labels)
    ):
        raise ValidationError(_("Enter a valid IP address or host name."), code="invalid_host")


class _MacDialect(netaddr.mac_unix_expanded):
    word_fmt = "%.2X"


def normalize_mac(value: str) -> str:
    """Any common MAC notation → 'AA:BB:CC:DD:EE:FF'; ValidationError otherwise."""
    try:
        mac = netaddr.EUI(value.strip(), version=48, dialect=_MacDialect)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise ValidationError(
            _("Enter a valid MAC address, for example AA:BB:CC:DD:EE:FF."), code="invalid_mac"
        ) from None
    return str(mac)
