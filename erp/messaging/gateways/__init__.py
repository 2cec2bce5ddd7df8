"""SMS gateways behind one interface (``base.SmsGateway``); ``adapter_for`` picks one."""

from __future__ import annotations

from .base import Accepted, GatewayError, Rejected, SmsGateway, Throttled, Unavailable

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
    from ..choices import GatewayKind

    if gateway.kind == GatewayKind.ANDROID:
        from .android import AndroidGateway

        return AndroidGateway.for_gateway(gateway)
    if gateway.kind == GatewayKind.MODEM:
        from .modem import ModemGateway

        return ModemGateway.for_gateway(gateway)
    if gateway.kind == GatewayKind.ROUTER:
        from .router import RouterGateway

        return RouterGateway.for_gateway(gateway)
    raise Rejected(f"The {gateway.get_kind_display()} gateway is not available yet.")
