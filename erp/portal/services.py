"""The captive portal's rules: which code lets a device on, how many wrong codes a device and
a site may try, and how the device is logged in (its browser posting to the hotspot, or the
server through the RouterOS API).

Attempt limits: a 54-bit code cannot be guessed in any number of tries a portal allows, but
each wrong code is recorded, a device is refused after PORTAL_DEVICE_MAX_FAILURES wrong codes
in PORTAL_ATTEMPT_WINDOW seconds, and a whole site after PORTAL_SITE_MAX_FAILURES (a flood
from many MAC addresses): guessing is pointless, and visible in the admin's attempt list.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.mikrotik.exceptions import RouterError
from erp.mikrotik.services import hotspot_login
from erp.sites.models import Site
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher

from . import chap, opennds
from .choices import AttemptOutcome, Controller, LoginMethod
from .models import OpenNDSGateway, PendingAuth, PortalSession, PortalSettings, VoucherAttempt

log = logging.getLogger(__name__)

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")
_CHAP = re.compile(r"^(\\[0-7]{3}|[\x20-\x7e]){0,64}$")


class VoucherRefused(Exception):
    """The code lets nobody on here (unknown, not sold, another site's, expired, void)."""


class TooManyAttempts(Exception):
    """Too many wrong codes from this device or at this site: try again later."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Hotspot:
    """What the MikroTik hotspot's login page hands over (all optional: a portal opened by
    hand has none). Each value is checked: a link must be http(s), a MAC a MAC, an IP an IP;
    anything else is dropped rather than echoed into a page."""

    link_login_only: str = ""
    link_orig: str = ""
    mac: str = ""
    ip: str = ""
    chap_id: str = ""
    chap_challenge: str = ""

    FIELDS = {
        "link-login-only": "link_login_only",
        "link-orig": "link_orig",
        "mac": "mac",
        "ip": "ip",
        "chap-id": "chap_id",
        "chap-challenge": "chap_challenge",
    }

    @classmethod
    def from_data(cls, data) -> Hotspot:
        values: dict[str, str] = {}
        for name, attr in cls.FIELDS.items():
            value = str(data.get(name, "") or "").strip()[:512]
            if attr in {"link_login_only", "link_orig"} and not _is_http(value):
                value = ""
            elif attr == "mac":
                value = value.upper().replace("-", ":") if _MAC.match(value) else ""
            elif attr == "ip":
                value = value if _is_ip(value) else ""
            elif attr in {"chap_id", "chap_challenge"} and not _CHAP.match(value):
                value = ""
            values[attr] = value
        return cls(**values)

    def as_fields(self) -> dict[str, str]:
        """The hidden fields that carry these values through the portal's forms."""
        return {name: getattr(self, attr) for name, attr in self.FIELDS.items()}

    @property
    def device(self) -> str:
        return self.mac or self.ip or "unknown"


def _is_http(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def portal_settings(site: Site) -> PortalSettings:
    """The site's portal settings (defaults when none were saved)."""
    found = PortalSettings.objects.filter(site=site).first()
    return found or PortalSettings(site=site)


# --- attempt limits -------------------------------------------------------------------------
def _window_start():
    return timezone.now() - timedelta(seconds=settings.PORTAL_ATTEMPT_WINDOW)


def _check_limits(site: Site, device: str) -> None:
    since = _window_start()
    wrong = VoucherAttempt.objects.filter(site=site, at__gte=since, outcome=AttemptOutcome.WRONG)
    minutes = max(1, settings.PORTAL_ATTEMPT_WINDOW // 60)
    if wrong.filter(device=device).count() >= settings.PORTAL_DEVICE_MAX_FAILURES:
        raise TooManyAttempts(
            _("Too many wrong codes from this device. Try again in %(n)d minutes.")
            % {"n": minutes},
            retry_after=settings.PORTAL_ATTEMPT_WINDOW,
        )
    if wrong.count() >= settings.PORTAL_SITE_MAX_FAILURES:
        raise TooManyAttempts(
            _("Too many wrong codes at this site just now. Try again in %(n)d minutes.")
            % {"n": minutes},
            retry_after=settings.PORTAL_ATTEMPT_WINDOW,
        )


def _record(site: Site, hotspot: Hotspot, outcome: str) -> None:
    VoucherAttempt.objects.create(
        site=site, device=hotspot.device, ip=hotspot.ip or None, outcome=outcome
    )


def check_attempts(*, site: Site, hotspot: Hotspot) -> None:
    """Raise TooManyAttempts (and record the refusal) when the device or site is over its
    wrong-try limit: for any code or reference a customer types."""
    try:
        _check_limits(site, hotspot.device)
    except TooManyAttempts:
        _record(site, hotspot, AttemptOutcome.LOCKED)
        raise


def record_attempt(*, site: Site, hotspot: Hotspot, ok: bool) -> None:
    _record(site, hotspot, AttemptOutcome.OK if ok else AttemptOutcome.WRONG)


def redeem_voucher(*, site: Site, code: str, hotspot: Hotspot) -> Voucher:
    """The voucher a customer typed, if it lets a device on at this site: sold (or already in
    use), of this site, not expired, not void. Every try is recorded; a device or a site over
    its wrong-code limit is refused before the code is even looked at."""
    try:
        _check_limits(site, hotspot.device)
    except TooManyAttempts:
        _record(site, hotspot, AttemptOutcome.LOCKED)
        raise
    cleaned = "".join((code or "").split()).upper()[:32]
    voucher = (
        Voucher.objects.select_related("package", "router").filter(code=cleaned).first()
        if cleaned
        else None
    )
    if voucher is None or voucher.site_id != site.pk or voucher.status == VoucherStatus.UNUSED:
        _record(site, hotspot, AttemptOutcome.WRONG)
        raise VoucherRefused(_("This code is not valid here. Check it and try again."))
    now = timezone.now()
    if (
        voucher.status in {VoucherStatus.EXPIRED, VoucherStatus.VOID}
        or voucher.expires_at is not None
        and voucher.expires_at <= now
    ):
        _record(site, hotspot, AttemptOutcome.EXPIRED)
        if voucher.status == VoucherStatus.VOID:
            raise VoucherRefused(_("This voucher was cancelled."))
        raise VoucherRefused(_("This voucher has expired. Buy a new one."))
    _record(site, hotspot, AttemptOutcome.OK)
    return voucher


# --- logging the device in ------------------------------------------------------------------
@dataclass
class Login:
    """How the device gets on: `online` when the server logged it in; else the form the
    customer's browser posts to the hotspot (`action` and `fields`); `error` when neither."""

    method: str
    online: bool = False
    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def browser_form(voucher: Voucher, hotspot: Hotspot) -> dict[str, str]:
    """The fields of the hotspot login form: username and the password, as the CHAP response
    when the hotspot gave a challenge (the clear password never goes over the air then)."""
    password = voucher.login_password
    if hotspot.chap_id or hotspot.chap_challenge:
        password = chap.response(hotspot.chap_id, password, hotspot.chap_challenge)
    return {
        "username": voucher.code,
        "password": password,
        "dst": hotspot.link_orig,
        "popup": "false",
    }


def login_device(*, site: Site, voucher: Voucher, hotspot: Hotspot, payment_id=None) -> Login:
    """Let the device on with this voucher and record the session. Through the RouterOS API
    when the site says so (or when there is no hotspot link to post to); if the router cannot
    be reached that way, the browser form is the fallback where there is a link."""
    method = portal_settings(site).login_method
    if method == LoginMethod.API or not hotspot.link_login_only:
        if not hotspot.ip:
            return Login(
                LoginMethod.API,
                error=_("Open this page from the WiFi login page to get online."),
            )
        try:
            hotspot_login(
                voucher.router,
                user=voucher.code,
                password=voucher.login_password,
                mac=hotspot.mac,
                ip=hotspot.ip,
            )
        except RouterError as exc:
            log.warning("portal: API login at %s failed: %s", site.code, type(exc).__name__)
            if not hotspot.link_login_only:
                return Login(
                    LoginMethod.API,
                    error=_("The WiFi router did not answer. Try again in a minute."),
                )
        else:
            _session(site, voucher, hotspot, LoginMethod.API, payment_id)
            return Login(LoginMethod.API, online=True)
    _session(site, voucher, hotspot, LoginMethod.BROWSER, payment_id)
    return Login(
        LoginMethod.BROWSER,
        action=hotspot.link_login_only,
        fields=browser_form(voucher, hotspot),
    )


def _session(site, voucher, hotspot, method, payment_id) -> PortalSession:
    return PortalSession.objects.create(
        site=site,
        voucher=voucher,
        method=method,
        mac=hotspot.mac,
        ip=hotspot.ip or None,
        payment_id=payment_id,
    )


def on_voucher_issued(payload: dict[str, Any]) -> None:
    """A payment issued its voucher: on a site whose portal logs devices in through the API,
    log the paying device in now (idempotent: once per payment). Browser-login sites let the
    customer's page do it."""
    payment_id = payload.get("payment_id")
    if PortalSession.objects.filter(payment_id=payment_id).exists():
        return
    voucher = Voucher.objects.select_related("router", "site", "package").get(
        pk=payload["voucher_id"]
    )
    device = payload.get("hotspot") or {}
    if device.get("fas"):
        # openNDS: queue the client for its gateway's authmon now; no browser needed

        try:
            client = fas_client(site=voucher.site, fas=device["fas"], iv=device.get("iv", ""))
        except opennds.FasError:
            return  # the gateway's key changed since: the customer's page shows the code
        authorise_fas_client(client=client, voucher=voucher, payment_id=payment_id)
        return
    hotspot = Hotspot.from_data(device)
    if portal_settings(voucher.site).login_method != LoginMethod.API or not hotspot.ip:
        return
    result = login_device(
        site=voucher.site, voucher=voucher, hotspot=hotspot, payment_id=payment_id
    )
    if not result.online:
        # Delivery retried with backoff; the customer's page can still log in meanwhile.
        raise RuntimeError("the router did not log the paid device in")


# --- openNDS FAS level 3 (authmon) ----------------------------------------------------------
class UnknownGateway(Exception):
    """An authmon poll whose gatewayhash is no gateway of ours."""


@dataclass(frozen=True)
class FasClient:
    """A client openNDS sent to the portal, decrypted: its gateway and fields."""

    gateway: Any
    fields: dict[str, str]
    fas: str
    iv: str

    @property
    def hotspot(self) -> Hotspot:
        return Hotspot.from_data(
            {
                "mac": self.fields.get("clientmac", ""),
                "ip": self.fields.get("clientip", ""),
                "link-orig": unquote(self.fields.get("originurl", "")),
            }
        )


def login_paid_opennds(*, site: Site, voucher: Voucher, payment) -> Login:
    """A paid openNDS client back on the portal: queued for authmon (once; the voucher-issued
    subscriber has usually done it already)."""
    try:
        client = fas_client(
            site=site, fas=payment.hotspot.get("fas", ""), iv=payment.hotspot.get("iv", "")
        )
    except opennds.FasError:
        return Login(LoginMethod.API, error=_("Reconnect to the WiFi and type your code."))
    authorise_fas_client(client=client, voucher=voucher, payment_id=payment.pk)
    return Login(LoginMethod.API, online=True)


def fas_client(*, site: Site, fas: str, iv: str) -> FasClient:
    """Decrypt a client's fas string with the site's gateways' faskeys; learn the gateway's
    hash from the first good one. Raises opennds.FasError when no key opens it."""
    for gateway in OpenNDSGateway.objects.filter(site=site):
        faskey = gateway.get_faskey()
        try:
            fields = opennds.parse_fields(opennds.decrypt(fas, faskey=faskey, iv=iv))
        except opennds.FasError:
            continue
        received = fields["gatewayname"]
        if gateway.gatewayname != received:
            gateway.gatewayname = received[:200]
            gateway.gatewayhash = opennds.gatewayhash(received)
            gateway.save(update_fields=["gatewayname", "gatewayhash", "updated_at"])
        return FasClient(gateway=gateway, fields=fields, fas=fas, iv=iv)
    raise opennds.FasError("no gateway of this site decrypts this fas string")


def authorise_fas_client(*, client: FasClient, voucher: Voucher, payment_id=None) -> PortalSession:
    """Queue the client for its gateway's authmon (idempotent per client): the pending line
    carries the session length in minutes from the voucher's package, no rate or quota caps
    (the package's profile limits apply on the router's side), and our session id."""
    rhid = opennds.rhid(client.fields["hid"], client.gateway.get_faskey())
    existing = PendingAuth.objects.filter(gateway=client.gateway, rhid=rhid).first()
    if existing is not None:
        return existing.session
    hotspot = client.hotspot
    session = PortalSession.objects.create(
        site=client.gateway.site,
        voucher=voucher,
        controller=Controller.OPENNDS,
        method=LoginMethod.API,
        mac=hotspot.mac,
        ip=hotspot.ip or None,
        payment_id=payment_id,
        rhid=rhid,
    )
    minutes = max(
        1, (voucher.package.uptime_limit_seconds or voucher.package.validity_seconds) // 60
    )
    line = f"{rhid} {minutes} 0 0 0 0 session{session.pk}"
    PendingAuth.objects.create(gateway=client.gateway, rhid=rhid, line=line, session=session)
    return session


def authmon(*, site: Site, auth_get: str, gatewayhash: str, payload: str) -> str:
    """Answer one authmon poll. ``view`` with payload "*": "* " and up to 4 pending lines,
    each URL-encoded (the rest wait for the next poll; nothing is deleted on view). ``view``
    with "* rhid1 rhid2 …": those entries were taken — delete them, answer "ack".
    ``deauthed``: the URL-encoded client records of ended sessions — record their end and
    bytes. ``clear``: acknowledged without dropping anything (a pending client has paid)."""
    gateway = OpenNDSGateway.objects.filter(site=site, gatewayhash=gatewayhash).first()
    if not gatewayhash or gateway is None:
        raise UnknownGateway(gatewayhash[:64])
    OpenNDSGateway.objects.filter(pk=gateway.pk).update(last_poll_at=timezone.now())
    text = opennds.decode_payload(payload).strip()
    if auth_get == "view":
        words = text.split()
        if words[:1] == ["*"] and len(words) > 1:
            PendingAuth.objects.filter(gateway=gateway, rhid__in=words[1:]).delete()
            return "ack"
        pending = PendingAuth.objects.filter(gateway=gateway).order_by("created_at", "id")[
            : opennds.MAX_PER_POLL
        ]
        return "* " + " ".join(quote(p.line, safe="") for p in pending)
    if auth_get == "deauthed":
        for record in text.split():
            _record_deauth(gateway, opennds.unquote_line(record))
        return "ack"
    if auth_get in {"clear", "custom"}:
        return "ack"
    raise opennds.FasError("unknown auth_get")


def _record_deauth(gateway, record: str) -> None:
    """One ended client: ``name=value`` fields separated by spaces or commas (rhid or token,
    incoming and outgoing bytes); its open session is closed with its byte counts."""
    fields = dict(part.partition("=")[::2] for part in re.split(r"[ ,]+", record) if "=" in part)
    rhid = fields.get("rhid") or fields.get("token") or ""
    if not rhid:
        return
    PortalSession.objects.filter(site=gateway.site, rhid=rhid, ended_at__isnull=True).update(
        ended_at=timezone.now(),
        bytes_in=_int(fields.get("incoming")),
        bytes_out=_int(fields.get("outgoing")),
    )


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


# --- MikroTik sessions from the router's active list --------------------------------------------
# A session the portal just let on may not be in the active list yet: not closed before this.
SESSION_GRACE = timedelta(minutes=2)


def record_mikrotik_active(router, active: list[dict]) -> int:
    """The router's active list (read every five minutes by the usage poll): each open
    MikroTik portal session at its site takes the bytes the router reports for its device and
    voucher; one no longer listed has ended (``ended_at`` now, its last bytes kept). Returns
    how many sessions ended."""
    now = timezone.now()
    by_device = {
        ((row.get("mac_address") or "").upper(), row.get("user", "")): row for row in active
    }
    ended = 0
    open_sessions = PortalSession.objects.filter(
        site_id=router.site_id, controller=Controller.MIKROTIK, ended_at__isnull=True
    ).select_related("voucher")
    for session in open_sessions:
        row = by_device.get(((session.mac or "").upper(), session.voucher.code))
        if row is not None:
            bytes_in = max(session.bytes_in, int(row.get("bytes_in") or 0))
            bytes_out = max(session.bytes_out, int(row.get("bytes_out") or 0))
            if (bytes_in, bytes_out) != (session.bytes_in, session.bytes_out):
                PortalSession.objects.filter(pk=session.pk).update(
                    bytes_in=bytes_in, bytes_out=bytes_out
                )
        elif session.started_at < now - SESSION_GRACE:
            PortalSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=now)
            ended += 1
    return ended
