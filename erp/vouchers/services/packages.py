"""Packages: what is sold (price, validity, limits) and their router profiles."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from erp.accounts.models import User
from erp.core.services import assign_fields, validated_save
from erp.mikrotik.models import HotspotProfile

from ..models import Package

log = logging.getLogger(__name__)

PACKAGE_FIELDS = (
    "name",
    "price",
    "validity_seconds",
    "uptime_limit_seconds",
    "data_limit_bytes",
    "rate_limit",
    "shared_users",
    "is_active",
)


# --- packages -------------------------------------------------------------------------------
def _profile_name(package_name: str) -> str:
    return ("pkg-" + slugify(package_name))[:64]


@transaction.atomic
def save_package(
    *, actor: User | None, package: Package | None = None, sites=None, **fields: Any
) -> Package:
    """Create or change a package and its hotspot profile (synced to routers later)."""
    package = assign_fields(package or Package(), fields, PACKAGE_FIELDS)
    profile = package.profile if package.profile_id else HotspotProfile()
    profile.name = _profile_name(package.name)
    profile.rate_limit = package.rate_limit
    profile.shared_users = package.shared_users
    profile.is_active = package.is_active
    try:
        validated_save(profile, actor=actor)
    except ValidationError as exc:
        # The profile's fields mirror the package's; report them as the package's.
        errors = exc.message_dict
        raise ValidationError(
            {"name" if k == "name" else k: v for k, v in errors.items()}
        ) from None
    package.profile = profile
    validated_save(package, actor=actor)
    if sites is not None:
        package.sites.set(sites)
    return package
