"""The field app's technician operations, applied through the fault process.

``report_fault`` and ``record_repair`` pushed by a phone run the same services as the fault
pages and /api/v1/faults/ (a report starts the process; a repair completes its repair task,
with the parts it put in and took out: asset movements, as from the repair page).
A photo comes as a data URL already resized on the phone; here it is only checked: an image,
at most FIELD_PHOTO_MAX_BYTES. Registered with erp.sync in this app's ready().
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from erp.accounts.models import User
from erp.assets.models import Asset
from erp.assets.selectors import assets_visible_to
from erp.maintenance.choices import Severity
from erp.maintenance.selectors import faults_visible_to
from erp.sites.selectors import sites_visible_to
from erp.sync.choices import Entity, Op
from erp.sync.records import fault_record
from erp.sync.services import Rejected, register_handler

from . import services

DATA_URL = re.compile(r"^data:image/(jpeg|png|webp);base64,(?P<data>[A-Za-z0-9+/=\s]+)$")
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
REPORT_FIELDS = {"site_id", "description", "severity", "service_down", "photo"}
REPAIR_FIELDS = {
    "diagnosis",
    "actions",
    "minutes_spent",
    "cost",
    "parts_used",
    "parts_installed",
    "parts_removed",
}


def _only(payload: dict, allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise Rejected(_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)})


def photo_file(value: Any, name: str) -> ContentFile:
    """The phone's photo (a data URL) as a file, refused unless it is a real, small image."""
    match = DATA_URL.match(value) if isinstance(value, str) else None
    if not match:
        raise Rejected(_("The photo must be a JPEG, PNG or WebP image."))
    try:
        raw = base64.b64decode(match["data"], validate=False)
    except (binascii.Error, ValueError):
        raise Rejected(_("The photo must be a JPEG, PNG or WebP image.")) from None
    limit = settings.FIELD_PHOTO_MAX_BYTES
    if len(raw) > limit:
        raise Rejected(
            _("The photo is %(size)s kB; at most %(max)s kB (the app resizes it).")
            % {"size": len(raw) // 1024, "max": limit // 1024}
        )
    try:
        with Image.open(io.BytesIO(raw)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Rejected(_("The photo must be a JPEG, PNG or WebP image.")) from None
    if kind not in FORMATS:
        raise Rejected(_("The photo must be a JPEG, PNG or WebP image."))
    return ContentFile(raw, name=f"{name}.{FORMATS[kind]}")


def report_fault(user: User, record_id: uuid.UUID, payload: dict) -> dict:
    """A fault reported on the phone (``id`` is the phone's; the answer carries the server's)."""
    _only(payload, REPORT_FIELDS)
    site = sites_visible_to(user).filter(pk=_uuid(payload.get("site_id"))).first()
    if site is None:
        raise Rejected(_("site_id: choose one of your sites."))
    severity = payload.get("severity") or Severity.MINOR
    if severity not in Severity.values:
        raise Rejected(_("Unknown severity %(s)r.") % {"s": severity})
    photos = []
    if payload.get("photo"):
        photos.append(photo_file(payload["photo"], f"fault-{record_id}"))
    fault = services.report(
        actor=user,
        site=site,
        description=str(payload.get("description") or ""),
        severity=severity,
        service_down=bool(payload.get("service_down")),
        photos=photos,
    )
    return {**fault_record(fault), "device_id": str(record_id), "photos": len(photos)}


def record_repair(user: User, record_id: uuid.UUID, payload: dict) -> dict:
    """The repair of fault ``id`` by the assigned technician (completes the repair task)."""
    _only(payload, REPAIR_FIELDS)
    fault = faults_visible_to(user).filter(pk=record_id).first()
    if fault is None:
        raise Rejected(_("No such fault at your sites."))
    try:
        minutes = int(payload.get("minutes_spent"))
    except (TypeError, ValueError):
        raise Rejected(_("minutes_spent: a whole number of minutes.")) from None
    log = services.repair(
        actor=user,
        fault=fault,
        diagnosis=str(payload.get("diagnosis") or ""),
        actions=str(payload.get("actions") or ""),
        minutes_spent=minutes,
        cost=payload.get("cost") or 0,
        parts_used=str(payload.get("parts_used") or ""),
        parts_installed=_parts(user, payload, "parts_installed"),
        parts_removed=_parts(user, payload, "parts_removed"),
    )
    fault.refresh_from_db()
    return {**fault_record(fault), "repair_id": str(log.pk)}


def _parts(user: User, payload: dict, name: str) -> list[Asset]:
    """The equipment a pushed repair names (a list of ids), each one the user may see; where
    it may go (from stock, off the fault's site) is the repair service's to say."""
    ids = payload.get(name) or []
    if not isinstance(ids, list):
        raise Rejected(_("%(f)s: a list of equipment ids.") % {"f": name})
    try:
        wanted = {uuid.UUID(str(value)) for value in ids}
    except ValueError:
        raise Rejected(_("%(f)s: a list of equipment ids.") % {"f": name}) from None
    found = list(assets_visible_to(user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise Rejected(_("%(f)s: no such equipment in your records.") % {"f": name})
    return found


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Rejected(_("site_id: choose one of your sites.")) from None


def register() -> None:
    register_handler(Entity.FAULT, Op.REPORT_FAULT, report_fault)
    register_handler(Entity.FAULT, Op.RECORD_REPAIR, record_repair)
