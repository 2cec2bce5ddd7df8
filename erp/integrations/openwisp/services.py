"""Every write of the OpenWISP integration: the per-site settings, discovery (devices become
access-point assets, matched by MAC then serial, ambiguous matches left to a person) and
health (critical opens a fault once per outage through the fault process, ok ends the
downtime).

Nothing here waits on OpenWISP inside a web request: discovery and health run in beat's tasks
(and the page's *Discover now* queues the task). Errors from OpenWISP are recorded on the
settings (``last_error``) and the run, in words without secrets.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.assets import services as asset_services
from erp.assets.choices import AssetStatus
from erp.assets.models import Asset, AssetType, normalize_serial
from erp.core import crypto, events
from erp.core.exceptions import NotAllowed
from erp.core.services import validated_save
from erp.core.texts import Text, text_of
from erp.core.validators import normalize_mac, validate_host
from erp.sites.models import Site

from .choices import ConflictStatus, HealthEventKind, HealthStatus, RunStatus
from .client import HEALTH_STATUSES, OpenWispClient, OpenWispError, RemoteDevice
from .events import DEVICE_HEALTH_CHANGED
from .models import DeviceHealthEvent, DiscoveryRun, MatchConflict, OpenWispDevice, OpenWispSettings

log = logging.getLogger(__name__)

ACCESS_POINT = "access-point"


# --- settings ---------------------------------------------------------------------------------
@transaction.atomic
def save_settings(
    *,
    actor: User,
    site: Site,
    enabled: bool,
    base_url: str,
    username: str,
    password: str = "",
    timeout_seconds: int = 10,
) -> OpenWispSettings:
    """Super Admin sets a site's OpenWISP. The password is kept when left empty, except that a
    new address or username needs it again (the stored password never goes to an address
    someone else chose)."""
    if not actor.has_perm("openwisp.change_openwispsettings"):
        raise NotAllowed(_("Only a Super Admin sets up OpenWISP."))
    config = OpenWispSettings.objects.select_for_update().filter(site=site).first()
    creating = config is None
    if creating:
        if not actor.has_perm("openwisp.add_openwispsettings"):
            raise NotAllowed(_("Only a Super Admin sets up OpenWISP."))
        config = OpenWispSettings(site=site)
    base_url = (base_url or "").strip().rstrip("/")
    username = (username or "").strip()
    moved = not creating and (base_url != config.base_url or username != config.username)
    if base_url:
        host = base_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        try:
            validate_host(host.strip("[]"))
        except ValidationError:
            raise ValidationError({"base_url": _("Enter the OpenWISP server's address.")}) from None
    if password:
        config.set_password(password)
    elif creating or moved:
        raise ValidationError(
            {"password": _("Give the API user's password (needed for a new address or user).")}
        )
    config.enabled = bool(enabled)
    config.base_url = base_url
    config.username = username
    config.timeout_seconds = timeout_seconds
    config.configured_by = actor
    return validated_save(config, actor=actor)


def client_for(config: OpenWispSettings) -> OpenWispClient:
    return OpenWispClient(
        config.base_url,
        config.username,
        config.get_password(),
        timeout=config.timeout_seconds,
        max_pages=django_settings.OPENWISP_MAX_PAGES,
    )


def _record_error(config: OpenWispSettings, message: str) -> None:
    OpenWispSettings.objects.filter(pk=config.pk).update(
        last_error=message, last_error_at=timezone.now()
    )


def _clear_error(config: OpenWispSettings, **extra: Any) -> None:
    OpenWispSettings.objects.filter(pk=config.pk).update(last_error="", **extra)


def _joined(texts: list[str]) -> str:
    """Texts one after the other ("a; b; c"), each still read in its reader's language (a
    plain "; ".join would fix them in the language active now). The joining msgid is not for
    translators: it has no words."""
    joined = texts[0] if texts else ""
    for text in texts[1:]:
        joined = Text("%(before)s; %(after)s", before=joined, after=text)
    return joined


# --- discovery --------------------------------------------------------------------------------
@dataclass
class Match:
    asset: Asset | None = None
    candidates: tuple[Asset, ...] = ()
    reason: str = ""

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)


def _vendor_of(model: str) -> str:
    return (model or "").split(" ", 1)[0][:80]


def _serial_of(device: RemoteDevice, mac: str) -> str:
    """OpenWISP has no serial; its ``hardware_id`` (when the server enables it) is the serial,
    else the normalised MAC stands for it."""
    return normalize_serial(device.hardware_id or mac.replace(":", ""))[:80]


def match_device(device: RemoteDevice, mac: str, *, exclude_device: Any = None) -> Match:
    """Which existing asset this device is: by MAC, then by serial. More than one candidate,
    MAC and serial pointing at different assets, or an asset another device already is → a
    person decides. Retired assets are never candidates."""
    live = Asset.objects.exclude(status=AssetStatus.RETIRED).select_related("asset_type")
    by_mac = list(live.filter(mac_address=mac).order_by("pk"))
    by_serial: list[Asset] = []
    if device.hardware_id:
        by_serial = list(
            live.filter(serial_number=normalize_serial(device.hardware_id)).order_by("pk")
        )
    if len(by_mac) > 1:
        return Match(
            candidates=tuple(by_mac),
            reason=Text(gettext_noop("several assets have this MAC address")),
        )
    if by_mac and by_serial and by_serial != by_mac:
        return Match(
            candidates=tuple({a.pk: a for a in by_mac + by_serial}.values()),
            reason=Text(gettext_noop("the MAC address and the serial point to different assets")),
        )
    found = by_mac or by_serial
    if len(found) > 1:
        return Match(
            candidates=tuple(found), reason=Text(gettext_noop("several assets have this serial"))
        )
    if not found:
        return Match()
    asset = found[0]
    taken = OpenWispDevice.objects.filter(asset=asset)
    if exclude_device is not None:
        taken = taken.exclude(pk=exclude_device.pk)
    if taken.exists():
        return Match(
            candidates=(asset,), reason=Text(gettext_noop("this asset is already another device"))
        )
    return Match(asset=asset)


def _remote_time(value: str) -> datetime | None:
    return parse_datetime(value) if value else None


def _upsert_device(
    config: OpenWispSettings, remote: RemoteDevice, mac: str, known: dict[str, OpenWispDevice]
) -> tuple[OpenWispDevice, bool]:
    """The device's row, written only when something changed (no history row per hour)."""
    device = known.get(remote.id)
    created = device is None
    device = device or OpenWispDevice(site=config.site, openwisp_id=remote.id)
    values = {
        "name": remote.name[:64],
        "mac_address": mac,
        "hardware_id": remote.hardware_id[:80],
        "model": remote.model[:128],
        "os": remote.os[:128],
        "system": remote.system[:128],
        "last_ip": remote.last_ip[:45],
        "management_ip": remote.management_ip[:45],
        "config_status": remote.config_status[:32],
        "remote_created": _remote_time(remote.created),
        "remote_modified": _remote_time(remote.modified),
    }
    changed = [name for name, value in values.items() if getattr(device, name) != value]
    if created or changed:
        for name in changed:
            setattr(device, name, values[name])
        device.save()
    return device, created


def _discover_one(
    config: OpenWispSettings,
    remote: RemoteDevice,
    run: DiscoveryRun,
    ap_type: AssetType,
    known: dict[str, OpenWispDevice],
) -> str:
    """One device, in its own transaction: 'known', 'matched', 'new' or 'conflict'."""
    actor = config.configured_by
    try:
        mac = normalize_mac(remote.mac_address)
    except ValidationError:
        raise OpenWispError(
            Text(
                gettext_noop("OpenWISP device '%(name)s' has an invalid MAC address '%(mac)s'"),
                name=remote.name,
                mac=remote.mac_address,
            )
        ) from None
    with transaction.atomic():
        device, _created = _upsert_device(config, remote, mac, known)
        if device.asset_id is not None:
            return "known"
        if device.conflicts.filter(status=ConflictStatus.OPEN).exists():
            return "conflict"
        match = match_device(remote, mac, exclude_device=device)
        if match.ambiguous:
            conflict = MatchConflict.objects.create(
                site=config.site, device=device, run=run, reason=match.reason
            )
            conflict.candidates.set(match.candidates)
            return "conflict"
        if match.asset is not None:
            device.asset = match.asset
            device.save(update_fields=["asset", "updated_at"])
            return "matched"
        asset = asset_services.create_asset(
            actor=actor,
            site=config.site,
            reason=Text(gettext_noop("discovered by OpenWISP (%(name)s)"), name=remote.name),
            asset_type=ap_type,
            serial_number=_serial_of(remote, mac),
            model=remote.model[:80],
            vendor=_vendor_of(remote.model),
            mac_address=mac,
            location_note=remote.name[:200],
        )
        device.asset = asset
        device.save(update_fields=["asset", "updated_at"])
        return "new"


def discover(config: OpenWispSettings) -> DiscoveryRun:
    """List the site's devices in OpenWISP and file each as an access point: recorded as one
    run with its figures (found, new, matched, known, conflicts). Each device is its own
    transaction, so a run that stops half-way (OpenWISP fails, the worker dies) keeps what it
    filed and the next run resumes without doubling (devices are unique per OpenWISP id, an
    asset is one device)."""
    run = DiscoveryRun.objects.create(site=config.site, started_at=timezone.now())
    figures = {"new": 0, "matched": 0, "known": 0, "conflict": 0}
    client = None
    started = time.monotonic()
    try:
        if config.configured_by is None or not config.configured_by.has_perm("assets.add_asset"):
            raise OpenWispError(
                Text(
                    gettext_noop(
                        "discovery files assets with the permissions of whoever saved the "
                        "settings, and they may not add assets: save the settings again as a "
                        "Super Admin"
                    )
                )
            )
        ap_type = AssetType.objects.filter(code=ACCESS_POINT).first()
        if ap_type is None:
            raise OpenWispError(
                Text(gettext_noop("the asset type '%(code)s' is missing"), code=ACCESS_POINT)
            )
        client = client_for(config)
        remote = client.devices()
        run.found = len(remote)
        known = {str(d.openwisp_id): d for d in OpenWispDevice.objects.filter(site=config.site)}
        skipped = []
        for device in remote:
            try:
                figures[_discover_one(config, device, run, ap_type, known)] += 1
            except (OpenWispError, ValidationError) as exc:  # this device only
                skipped.append(text_of(exc) if isinstance(exc, OpenWispError) else device.name)
        OpenWispDevice.objects.filter(
            site=config.site, openwisp_id__in=[d.id for d in remote]
        ).update(last_seen_at=timezone.now())
        if skipped:
            raise OpenWispError(
                Text(
                    gettext_noop("Devices skipped (%(n)s): %(names)s"),
                    n=len(skipped),
                    names=_joined(skipped[:3]),
                )
            )
    except (OpenWispError, ValidationError, NotAllowed) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else text_of(exc)
        run.status, run.error = RunStatus.FAILED, message
        _record_error(config, message)
        log.warning("openwisp discovery at %s failed: %s", config.site.code, message)
    else:
        run.status = RunStatus.DONE
        _clear_error(config)
    run.new, run.matched, run.known = figures["new"], figures["matched"], figures["known"]
    run.conflicts = figures["conflict"]
    run.finished_at = timezone.now()
    run.seconds = client.elapsed if client else time.monotonic() - started
    run.save()
    log.info(
        "openwisp discovery at %s: %s found, %s new, %s matched, %s known, %s conflicts",
        config.site.code,
        run.found,
        run.new,
        run.matched,
        run.known,
        run.conflicts,
    )
    return run


@transaction.atomic
def decide_conflict(
    *, actor: User, conflict: MatchConflict, asset: Asset | None = None, create: bool = False
) -> MatchConflict:
    """A person decides which asset a device is: one of the candidates, or a new asset."""
    if not actor.has_perm("openwisp.decide_match"):
        raise NotAllowed(_("You may not decide OpenWISP matches."))
    conflict = (
        MatchConflict.objects.select_for_update().select_related("device").get(pk=conflict.pk)
    )
    if conflict.status != ConflictStatus.OPEN:
        raise ValidationError(_("This match is already decided."))
    device = OpenWispDevice.objects.select_for_update().get(pk=conflict.device_id)
    if create == (asset is not None):
        raise ValidationError(_("Choose one of the assets, or to create a new one."))
    if asset is not None:
        if not conflict.candidates.filter(pk=asset.pk).exists():
            raise ValidationError({"asset": _("Choose one of the candidate assets.")})
        other = OpenWispDevice.objects.filter(asset=asset).exclude(pk=device.pk).first()
        if other is not None:
            raise ValidationError(
                {"asset": _("This asset is already the device %(device)s.") % {"device": other}}
            )
        device.asset = asset
        conflict.status = ConflictStatus.LINKED
    else:
        ap_type = AssetType.objects.get(code=ACCESS_POINT)
        remote = RemoteDevice(
            id=str(device.openwisp_id),
            name=device.name,
            mac_address=device.mac_address,
            model=device.model,
            os="",
            system="",
            last_ip="",
            management_ip="",
            config_status="",
            created="",
            modified="",
            hardware_id=device.hardware_id,
        )
        serial = _serial_of(remote, device.mac_address)
        if Asset.objects.filter(asset_type=ap_type, serial_number=serial).exists():
            serial = normalize_serial(f"OW-{device.openwisp_id}")
        device.asset = asset_services.create_asset(
            actor=actor,
            site=device.site,
            reason=Text(gettext_noop("discovered by OpenWISP (%(name)s)"), name=device.name),
            asset_type=ap_type,
            serial_number=serial,
            model=device.model[:80],
            vendor=_vendor_of(device.model),
            mac_address=device.mac_address,
            location_note=device.name[:200],
        )
        conflict.status = ConflictStatus.CREATED
    device.save(update_fields=["asset", "updated_at"])
    conflict.decided_by, conflict.decided_at = actor, timezone.now()
    return validated_save(conflict, actor=actor)


# --- health -----------------------------------------------------------------------------------
def _change_health(device: OpenWispDevice, status: str, is_healthy, at, message: str) -> None:
    """Record the device's status; a move to critical (not already in an outage) is a down
    event, a move to ok from an outage an up event, each announced once."""
    with transaction.atomic():
        device = OpenWispDevice.objects.select_for_update().get(pk=device.pk)
        kind = None
        if status == HealthStatus.CRITICAL and not device.in_outage:
            kind, device.in_outage = HealthEventKind.DOWN, True
        elif status == HealthStatus.OK and device.in_outage:
            kind, device.in_outage = HealthEventKind.UP, False
        if device.health != status:
            device.health_changed_at = at
        device.health = status
        device.is_healthy = is_healthy
        device.save()
        if kind is not None:
            event = DeviceHealthEvent.objects.create(
                site=device.site, device=device, kind=kind, status=status, at=at, message=message
            )
            events.announce(
                DEVICE_HEALTH_CHANGED,
                key=str(event.pk),
                health_event_id=str(event.pk),
                kind=str(kind),
            )


def check_health(config: OpenWispSettings) -> dict[str, int]:
    """Read every status from monitoring (one filtered list per status) and, for the devices
    that turned critical or problem, their detail (related metrics). Returns counts."""
    try:
        client = client_for(config)
        statuses: dict[str, str] = {}
        for status in HEALTH_STATUSES:
            for health in client.monitoring(status):
                statuses[health.id] = health.status
        now = timezone.now()
        counts = dict.fromkeys(HEALTH_STATUSES, 0)
        devices = OpenWispDevice.objects.filter(site=config.site)
        for device in devices:
            status = statuses.get(str(device.openwisp_id), HealthStatus.UNKNOWN)
            counts[status] += 1
            is_healthy, message = device.is_healthy, ""
            changed = status != device.health
            if changed and status in (HealthStatus.CRITICAL, HealthStatus.PROBLEM):
                detail = client.device_health(str(device.openwisp_id))
                is_healthy = detail.is_healthy
                bad = [name for name, healthy in detail.related_metrics if not healthy]
                if bad:
                    message = Text(gettext_noop("Unhealthy: %(metrics)s."), metrics=", ".join(bad))
            elif status == HealthStatus.OK:
                is_healthy = True
            if changed or is_healthy != device.is_healthy:
                _change_health(device, status, is_healthy, now, message)
    except OpenWispError as exc:
        _record_error(config, text_of(exc))
        log.warning("openwisp health at %s failed: %s", config.site.code, exc)
        raise
    _clear_error(config, last_health_at=timezone.now())
    return counts


# --- key rotation -----------------------------------------------------------------------------
def rotate_secrets() -> int:
    """Re-encrypt every site's OpenWISP password under the first key of FERNET_KEYS (run with
    rotate_fernet_keys when a key is rotated). Returns how many settings changed."""
    count = 0
    with transaction.atomic():
        for config in OpenWispSettings.objects.select_for_update().exclude(password_encrypted=""):
            config.password_encrypted = crypto.rotate(config.password_encrypted)
            config.save(update_fields=["password_encrypted"])
            count += 1
    return count
