"""Every write to sites and routers."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core import crypto
from erp.core.services import assign_fields, validated_save

from .choices import SiteStatus
from .models import Router, Site, default_site_language, default_site_time_zone
from .selectors import site_is_visible_to

SITE_FIELDS = (
    "name",
    "code",
    "latitude",
    "longitude",
    "address",
    "status",
    "manager",
    "notes",
    "wifi_name",
    "login_page",
    "language",
    "time_zone",
)
ROUTER_FIELDS = (
    "site",
    "name",
    "host",
    "api_port",
    "use_tls",
    "tls_verify",
    "legacy_login",
    "username",
    "hotspot_server",
)
# Where the server logs in with the stored password: changing any needs the password again.
ROUTER_TARGET_FIELDS = ("host", "api_port", "username", "use_tls")


def _check_agents(agents: Iterable[User]) -> list[User]:
    agents = list(agents)
    not_agents = [a.username for a in agents if not a.has_role(Role.AGENT)]
    if not_agents:
        raise ValidationError(
            {
                "agents": _("Only users with the Agent role can be assigned: %(names)s.")
                % {"names": ", ".join(not_agents)}
            }
        )
    return agents


def _check_site_in_scope(actor: User | None, site: Site | None) -> None:
    """A user may only work on sites in their scope; ``None`` is the system (commands)."""
    if actor is not None and site is not None and not site_is_visible_to(actor, site):
        raise ValidationError({"site": _("Select a site you work on.")})


@transaction.atomic
def create_site(
    *,
    actor: User,
    name: str,
    code: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    address: str = "",
    status: str = SiteStatus.ACTIVE,
    manager: User | None = None,
    notes: str = "",
    wifi_name: str = "",
    login_page: str = "",
    language: str = "",
    time_zone: str = "",
    agents: Iterable[User] = (),
) -> Site:
    """A new site; ``language`` and ``time_zone`` empty: the installation's SITE_LANGUAGE and
    TIME_ZONE."""
    agents = _check_agents(agents)
    site = Site(
        name=name,
        code=code,
        latitude=latitude,
        longitude=longitude,
        address=address,
        status=status,
        manager=manager,
        notes=notes,
        wifi_name=wifi_name,
        login_page=login_page,
        language=language or default_site_language(),
        time_zone=time_zone or default_site_time_zone(),
    )
    validated_save(site, actor=actor)
    if agents:
        site.agents.set(agents)
    return site


@transaction.atomic
def update_site(
    *, actor: User, site: Site, agents: Iterable[User] | None = None, **changes: Any
) -> Site:
    assign_fields(site, changes, SITE_FIELDS)
    if agents is not None:
        agents = _check_agents(agents)
    validated_save(site, actor=actor)
    if agents is not None:
        site.agents.set(agents)
    return site


@sensitive_variables("password")
@transaction.atomic
def create_router(*, actor: User, password: str, **fields: Any) -> Router:
    """Register a router; the password is encrypted before it reaches the database."""
    if not password:
        raise ValidationError({"password": _("This field is required.")})
    router = assign_fields(Router(), fields, ROUTER_FIELDS)
    _check_site_in_scope(actor, getattr(router, "site", None) if router.site_id else None)
    router.set_password(password)
    return validated_save(router, actor=actor)


@sensitive_variables("password")
@transaction.atomic
def update_router(
    *, actor: User, router: Router, password: str | None = None, **changes: Any
) -> Router:
    """Change a router; an empty or missing password keeps the stored one.

    Changing where the router connects (host, port, username, TLS) needs the password again in
    the same change, from everyone, Super Admin included: otherwise the server would log in to
    the new address with the stored password, and whoever controls that address reads it.
    """
    # Compared with the stored row, not the instance: a ModelForm has already put the new
    # values on its instance by the time it calls here.
    before = Router.objects.filter(pk=router.pk).values(*ROUTER_TARGET_FIELDS).first() or {}
    assign_fields(router, changes, ROUTER_FIELDS)
    retargeted = any(getattr(router, name) != before.get(name) for name in ROUTER_TARGET_FIELDS)
    if retargeted and not password:
        raise ValidationError(
            {"password": _("Give the router's password again to change where it connects.")}
        )
    if "site" in changes:
        _check_site_in_scope(actor, router.site)
    if password:
        router.set_password(password)
    return validated_save(router, actor=actor)


def rotate_router_passwords(*, batch_size: int = 500) -> int:
    """Re-encrypt every router password under the first key of FERNET_KEYS.

    Run after putting a new key first; afterwards the old key can be removed. Goes in batches
    with bulk_update (no history rows: the ciphertext changes, the password does not).
    """
    rotated = 0
    routers = Router.objects.only("pk", "password_encrypted").order_by("pk")
    batch: list[Router] = []
    for router in routers.iterator(chunk_size=batch_size):
        router.password_encrypted = crypto.rotate(router.password_encrypted)
        batch.append(router)
        if len(batch) >= batch_size:
            Router.objects.bulk_update(batch, ["password_encrypted"])
            rotated += len(batch)
            batch = []
    if batch:
        Router.objects.bulk_update(batch, ["password_encrypted"])
        rotated += len(batch)
    return rotated
