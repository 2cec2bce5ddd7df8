"""How each record looks on the device: plain dicts, the same in push answers and pulls."""

from __future__ import annotations

from typing import Any

from erp.core.money import to_money


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _id(value) -> str | None:
    return str(value) if value is not None else None


def voucher_record(v) -> dict[str, Any]:
    return {
        "id": v.pk,
        "code": v.code,
        "password": v.password,
        "package_id": _id(v.package_id),
        "site_id": _id(v.site_id),
        "status": v.status,
        "sold_at": _iso(v.sold_at),
        "expires_at": _iso(v.expires_at),
    }


def client_record(c) -> dict[str, Any]:
    return {
        "id": str(c.pk),
        "name": c.name,
        "phone": str(c.phone),
        "notes": c.notes,
        "mac_address": c.mac_address,
        "marketing_consent": c.marketing_consent,
        "site_id": _id(c.site_id),
        "expires_at": _iso(c.expires_at),
        "updated_at": _iso(c.updated_at),
    }


def sale_record(s) -> dict[str, Any]:
    return {
        "id": str(s.pk),
        "idempotency_key": str(s.idempotency_key),
        "voucher_id": s.voucher_id,
        "code": s.voucher.code,
        "package_id": _id(s.package_id),
        "site_id": _id(s.site_id),
        "client_id": _id(s.client_id),
        "amount": str(to_money(s.amount)),
        "commission": str(to_money(s.commission)),
        "payment_method": s.payment_method,
        "payment_reference": s.payment_reference,
        "receipt_number": s.receipt_number,
        "sold_at": _iso(s.sold_at),
        "refunded": bool(getattr(s, "is_refunded", False)),
    }


def package_record(p) -> dict[str, Any]:
    return {
        "id": str(p.pk),
        "name": p.name,
        "price": str(to_money(p.price)),
        "validity_seconds": p.validity_seconds,
        "is_active": p.is_active,
    }


def fault_record(f) -> dict[str, Any]:
    return {
        "id": str(f.pk),
        "site_id": _id(f.site_id),
        "router_id": _id(f.router_id),
        "description": str(f.description),  # a monitoring fault's: the reader's language
        "severity": f.severity,
        "status": f.status,
        "reported_at": _iso(f.reported_at),
        "due_at": _iso(getattr(f, "due_at", None)),
        "assigned_to_id": _id(f.assigned_to_id),
    }


def sms_record(m) -> dict[str, Any]:
    """A sale's receipt SMS as the phone shows it: where it goes and how far it got."""
    return {"id": str(m.pk), "phone": m.phone, "state": m.state, "sent_at": _iso(m.sent_at)}


def part_record(a) -> dict[str, Any]:
    """A piece of equipment a repair may put in (in stock) or take out (at the fault's site)."""
    return {"id": str(a.pk), "label": str(a), "site_id": _id(a.site_id), "status": a.status}
