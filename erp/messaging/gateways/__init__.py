"""SMS gateways behind one interface (``base.SmsGateway``); ``adapter_for`` picks one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..choices import GatewayKind
from .android import AndroidGateway
from .base import Accepted, GatewayError, Rejected, SmsGateway, Throttled, Unavailable
from .modem import ModemGateway
from .router import RouterGateway

__all__ = [
    "Accepted",
    "GatewayError",
    "Rejected",
    "SmsGateway",
    "Throttled",
    "Unavailable",
    "adapter_for",
]


def adapter_for(gateway) -> SmsGateway:
    if gateway.kind == GatewayKind.ANDROID:
        return AndroidGateway.for_gateway(gateway)
    if gateway.kind == GatewayKind.MODEM:
        return ModemGateway.for_gateway(gateway)
    if gateway.kind == GatewayKind.ROUTER:
        return RouterGateway.for_gateway(gateway)
    raise Rejected(
        _("The %(kind)s gateway is not available yet.") % {"kind": gateway.get_kind_display()}
    )
