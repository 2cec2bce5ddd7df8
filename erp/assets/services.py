"""Every write to assets. An asset's status and site change only through ``move_asset``.

Public signatures (stable: the fault-to-repair workflow calls them):

- ``create_asset(*, actor, site=None, reason="", **fields) -> Asset`` — a new asset, in stock
  (or assigned to ``site`` at once, with ``reason``). ``fields`` from ``ASSET_FIELDS``.
- ``update_asset(*, actor, asset, **fields) -> Asset`` — edit record fields (``ASSET_FIELDS``),
  never status or site. A condition change here is in the history and the timeline.
- ``move_asset(*, actor, asset, to_site=None, to_status=None, reason, condition=None,
  location_note=None) -> AssetMovement`` — the one place status/site change. ``to_status``
  defaults to DEPLOYED with a site and IN_STOCK without. DEPLOYED needs a site; IN_STOCK and
  RETIRED take none; IN_REPAIR may keep a site (repaired on site) or not. ``condition``
  optionally records a condition change in the same step (e.g. FAULTY when sent to repair).
- ``assign_asset(*, actor, asset, site, reason, location_note=None)`` — to a site (from stock
  or another site).
- ``return_to_stock(*, actor, asset, reason, condition=None)``
- ``send_to_repair(*, actor, asset, reason, site=None, condition=AssetCondition.FAULTY)``
- ``retire_asset(*, actor, asset, reason)`` — status and condition become retired; final.
- ``import_assets(*, actor, rows, commit) -> ImportResult`` — rows of strings (see
  ``erp.assets.importing``), every row through ``create_asset``, all or nothing.
- ``notify_warranty_ending(*, today=None, days=None) -> int`` — the weekly warranty notice.
- ``save_asset_type(*, actor, asset_type=None, name, code, has_mac) -> AssetType``
- ``check_not_retired(asset)`` — raises ValidationError for a retired asset (what the fault
  side calls before reporting against an asset).

Moves need ``assets.move_asset`` (Technical, Super Admin) and an asset and target site the
actor works on (``selectors.assets_visible_to`` / ``sites_visible_to``). Every refusal is a
``ValidationError`` with a clear message and leaves everything unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.core.locks import held
from erp.core.services import assign_fields, validated_save
from erp.core.texts import Text
from erp.notifications.services import notify
from erp.sites.models import Site
from erp.sites.selectors import routers_visible_to, site_is_visible_to, sites_visible_to

from .choices import AssetCondition, AssetStatus, ImportStatus, MovementKind
from .models import Asset, AssetImport, AssetMovement, AssetType, normalize_serial
from .selectors import assets_visible_to, warranty_ending

ASSET_FIELDS = (
    "asset_type",
    "serial_number",
    "model",
    "vendor",
    "mac_address",
    "purchase_date",
    "purchase_cost",
    "supplier",
    "warranty_end",
    "condition",
    "location_note",
    "router",
    "notes",
)


def _require(actor: User, perm: str, message: str) -> None:
    if not actor.has_perm(perm):
        raise NotAllowed(message)


def _check_visible(actor: User, asset: Asset) -> None:
    if not assets_visible_to(actor).filter(pk=asset.pk).exists():
        raise ValidationError(_("You do not work on this asset's site."))


def check_not_retired(asset: Asset) -> None:
    """A retired asset is final: nothing is reported against it, nothing moves it."""
    if asset.status == AssetStatus.RETIRED:
        raise ValidationError(
            _("%(asset)s is retired; it cannot be moved or reported on.") % {"asset": asset}
        )


def _check_serial(asset: Asset) -> None:
    """The constraint holds it; this says it on the serial field, in words."""
    duplicate = Asset.objects.filter(
        asset_type_id=asset.asset_type_id, serial_number=asset.serial_number
    ).exclude(pk=asset.pk)
    if asset.asset_type_id and duplicate.exists():
        raise ValidationError(
            {
                "serial_number": _("A %(type)s with serial %(serial)s already exists.")
                % {"type": asset.asset_type.name.lower(), "serial": asset.serial_number}
            }
        )


def _check_router(asset: Asset, actor: User | None = None) -> None:
    if asset.router_id and asset.asset_type_id and asset.asset_type.code != "router":
        raise ValidationError({"router": _("Only an asset of type Router is a router record.")})
    if (
        asset.router_id
        and actor is not None
        and not routers_visible_to(actor).filter(pk=asset.router_id).exists()
    ):
        raise ValidationError({"router": _("Select a router of a site you work on.")})
    if asset.condition == AssetCondition.RETIRED and asset.status != AssetStatus.RETIRED:
        raise ValidationError({"condition": _("Retire the asset to make its condition retired.")})


@transaction.atomic
def create_asset(
    *, actor: User, site: Site | None = None, reason: str = "", **fields: Any
) -> Asset:
    _require(actor, "assets.add_asset", _("You may not add assets."))
    asset = assign_fields(Asset(), fields, ASSET_FIELDS)
    asset.serial_number = normalize_serial(asset.serial_number)
    asset.status = AssetStatus.IN_STOCK
    _check_router(asset, actor)
    _check_serial(asset)
    asset._change_reason = _("received")
    validated_save(asset, actor=actor)
    AssetMovement.objects.create(
        asset=asset,
        kind=MovementKind.RECEIVED,
        to_status=AssetStatus.IN_STOCK,
        actor=actor,
        reason=reason or Text(gettext_noop("received")),
    )
    if site is not None:
        move_asset(
            actor=actor, asset=asset, to_site=site, reason=reason or Text(gettext_noop("deployed"))
        )
        asset.refresh_from_db()
    return asset


@transaction.atomic
def update_asset(*, actor: User, asset: Asset, **fields: Any) -> Asset:
    _require(actor, "assets.change_asset", _("You may not edit assets."))
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _check_visible(actor, asset)
    check_not_retired(asset)
    assign_fields(asset, fields, ASSET_FIELDS)
    asset.serial_number = normalize_serial(asset.serial_number)
    _check_router(asset, actor)
    _check_serial(asset)
    return validated_save(asset, actor=actor)


def _kind(asset: Asset, to_site: Site | None, to_status: str) -> str:
    if to_status == AssetStatus.RETIRED:
        return MovementKind.RETIRED
    if to_status == AssetStatus.IN_REPAIR:
        return MovementKind.REPAIR
    if to_status == AssetStatus.IN_STOCK:
        return MovementKind.RETURNED
    if asset.status == AssetStatus.DEPLOYED and asset.site_id:
        return MovementKind.MOVED
    return MovementKind.ASSIGNED


@transaction.atomic
def move_asset(
    *,
    actor: User,
    asset: Asset,
    to_site: Site | None = None,
    to_status: str | None = None,
    reason: str,
    condition: str | None = None,
    location_note: str | None = None,
) -> AssetMovement:
    """Move an asset (see the module docstring); one movement row and one history record."""
    _require(actor, "assets.move_asset", _("You may not move assets."))
    asset = Asset.objects.select_for_update(of=("self",)).select_related("site").get(pk=asset.pk)
    _check_visible(actor, asset)
    check_not_retired(asset)
    # a Text (written by background work) is kept whole; a person's words are trimmed
    reason = reason if isinstance(reason, Text) else (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the asset moves.")})
    if to_status is None:
        to_status = AssetStatus.DEPLOYED if to_site is not None else AssetStatus.IN_STOCK
    if to_status not in AssetStatus.values:
        raise ValidationError({"to_status": _("Unknown status.")})
    if to_status == AssetStatus.DEPLOYED and to_site is None:
        raise ValidationError({"to_site": _("Choose the site the asset goes to.")})
    if to_status in (AssetStatus.IN_STOCK, AssetStatus.RETIRED) and to_site is not None:
        raise ValidationError({"to_site": _("An asset in stock or retired is at no site.")})
    if to_site is not None and not site_is_visible_to(actor, to_site):
        raise ValidationError({"to_site": _("Select a site you work on.")})
    if condition is not None and condition not in AssetCondition.values:
        raise ValidationError({"condition": _("Unknown condition.")})
    same_site = (to_site.pk if to_site else None) == asset.site_id
    if same_site and to_status == asset.status:
        if to_site is not None:
            raise ValidationError(
                {"to_site": _("The asset is already at %(site)s.") % {"site": to_site.name}}
            )
        raise ValidationError(
            {
                "to_status": _("The asset is already %(status)s.")
                % {"status": asset.get_status_display().lower()}
            }
        )
    movement = AssetMovement(
        asset=asset,
        kind=_kind(asset, to_site, to_status),
        from_site=asset.site,
        to_site=to_site,
        from_status=asset.status,
        to_status=to_status,
        actor=actor,
        at=timezone.now(),
        reason=reason,
    )
    asset.site = to_site
    asset.status = to_status
    if to_status == AssetStatus.RETIRED:
        asset.condition = AssetCondition.RETIRED
    elif condition is not None:
        if condition == AssetCondition.RETIRED:
            raise ValidationError({"condition": _("Retire the asset to make it retired.")})
        asset.condition = condition
    if location_note is not None:
        asset.location_note = location_note
    elif not same_site:
        asset.location_note = ""
    asset._change_reason = reason
    validated_save(asset, actor=actor)
    movement.full_clean()
    movement.save()
    return movement


def assign_asset(
    *, actor: User, asset: Asset, site: Site, reason: str, location_note: str | None = None
) -> AssetMovement:
    return move_asset(
        actor=actor,
        asset=asset,
        to_site=site,
        to_status=AssetStatus.DEPLOYED,
        reason=reason,
        location_note=location_note,
    )


def return_to_stock(
    *, actor: User, asset: Asset, reason: str, condition: str | None = None
) -> AssetMovement:
    return move_asset(
        actor=actor, asset=asset, to_status=AssetStatus.IN_STOCK, reason=reason, condition=condition
    )


def send_to_repair(
    *,
    actor: User,
    asset: Asset,
    reason: str,
    site: Site | None = None,
    condition: str | None = AssetCondition.FAULTY,
) -> AssetMovement:
    return move_asset(
        actor=actor,
        asset=asset,
        to_site=site,
        to_status=AssetStatus.IN_REPAIR,
        reason=reason,
        condition=condition,
    )


def retire_asset(*, actor: User, asset: Asset, reason: str) -> AssetMovement:
    return move_asset(actor=actor, asset=asset, to_status=AssetStatus.RETIRED, reason=reason)


def notify_warranty_ending(*, today: dt.date | None = None, days: int | None = None) -> int:
    """Tell every active Technical user which assets' warranty ends within ``days`` (default
    ASSET_WARRANTY_NOTICE_DAYS), in-app and by e-mail. Nothing to say: nothing sent. Returns
    the number of assets listed."""
    today = today or timezone.localdate()
    days = settings.ASSET_WARRANTY_NOTICE_DAYS if days is None else days
    assets = list(warranty_ending(days=days, today=today))
    if not assets:
        return 0
    users = User.objects.filter(groups__name=Role.TECHNICAL, is_active=True).distinct()
    url = reverse("assets:asset:warranty") + f"?days={days}"

    def text() -> str:
        return _("%(count)d asset warranties end within %(days)d days.") % {
            "count": len(assets),
            "days": days,
        }

    def body() -> str:
        lines = [
            f"- {a.warranty_end:%Y-%m-%d}  {a.asset_type.name} {a.serial_number}"
            f"  ({a.site.name if a.site_id else a.get_status_display()})"
            for a in assets
        ]
        return "\n".join([text(), "", *lines, "", (settings.PUBLIC_BASE_URL or "") + url])

    notify(  # each reader's language: the texts are written per user
        users=users,
        text=text,
        url=url,
        email_subject=lambda: _("Warranties ending soon"),
        email_body=body,
    )
    return len(assets)


@dataclass
class ImportRow:
    line: int
    data: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[ImportRow]
    committed: bool = False

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def _row_fields(actor: User, row: dict[str, str]) -> tuple[dict[str, Any], Site | None]:
    """Strings of one import row → service arguments; ValidationError per field."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    type_name = row.get("type", "").strip()
    asset_type = AssetType.objects.filter(
        Q(name__iexact=type_name) | Q(code__iexact=type_name)
    ).first()
    if asset_type is None:
        errors["type"] = _("Unknown asset type %(type)r.") % {"type": type_name}
    fields["asset_type"] = asset_type
    for name in (
        "serial_number",
        "model",
        "vendor",
        "mac_address",
        "supplier",
        "location_note",
        "notes",
    ):
        fields[name] = row.get(name, "").strip()
    for name in ("purchase_date", "warranty_end"):
        raw = row.get(name, "").strip()
        value = None
        if raw:
            try:
                value = parse_date(raw)
            except ValueError:
                value = None
            if value is None:
                errors[name] = _("Write the date as YYYY-MM-DD.")
        fields[name] = value
    raw_cost = row.get("purchase_cost", "").replace(",", "").strip()
    fields["purchase_cost"] = None
    if raw_cost:
        try:
            fields["purchase_cost"] = Decimal(raw_cost)
        except InvalidOperation:
            errors["purchase_cost"] = _("Write the cost as a number, like 125000.00.")
    raw_condition = row.get("condition", "").strip().lower()
    if raw_condition:
        by_label = {str(label).lower(): value for value, label in AssetCondition.choices}
        condition = (
            raw_condition if raw_condition in AssetCondition.values else by_label.get(raw_condition)
        )
        if condition is None or condition == AssetCondition.RETIRED:
            errors["condition"] = _("Condition is one of new, good, fair, faulty.")
        fields["condition"] = condition
    site = None
    site_code = row.get("site", "").strip()
    if site_code:
        site = sites_visible_to(actor).filter(code__iexact=site_code).first()
        if site is None:
            errors["site"] = _("No site %(code)s that you work on.") % {"code": site_code}
    if errors:
        raise ValidationError(errors)
    return fields, site


def import_assets(
    *,
    actor: User,
    rows: list[dict[str, str]],
    commit: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create one asset per row (an assigned site if the row names one), all or nothing.

    Every row goes through ``create_asset`` inside one transaction, each in its own savepoint,
    so that every row's errors are listed (a serial repeated within the file included). The
    transaction is rolled back unless ``commit`` is true and no row has an error.
    ``progress(rows_done)`` is called every ``PROGRESS_EVERY`` rows (a background import
    reports it).
    """
    _require(actor, "assets.import_assets", _("You may not import assets."))
    result = ImportResult(rows=[])
    with transaction.atomic():
        for index, data in enumerate(rows, start=2):
            if progress is not None and (index - 2) % PROGRESS_EVERY == 0:
                progress(index - 2)
            row = ImportRow(line=index, data=data)
            result.rows.append(row)
            try:
                with transaction.atomic():
                    fields, site = _row_fields(actor, data)
                    create_asset(
                        actor=actor,
                        site=site,
                        reason=Text(gettext_noop("imported from a file")),
                        **fields,
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, messages in exc.message_dict.items():
                        prefix = "" if name == "__all__" else f"{name}: "
                        row.errors.extend(prefix + m for m in messages)
                else:
                    row.errors.extend(exc.messages)
        if commit and not result.error_count:
            result.committed = True
        else:
            transaction.set_rollback(True)
    return result


# --- large imports: a background job (AssetImport, tasks.run_asset_import) ----------------------

PROGRESS_EVERY = 50


def _progress_key(job_id) -> str:
    return f"asset-import:{job_id}:done"


def import_progress(job: AssetImport) -> int:
    """Rows checked so far by the job's worker. The rows are checked inside one transaction
    (all or nothing), so the count travels through the shared cache, not the database."""
    if not job.waiting:
        return job.total
    return min(int(cache.get(_progress_key(job.pk)) or 0), job.total)


@transaction.atomic
def start_import(*, actor: User, file_name: str, rows: list[dict[str, str]]) -> AssetImport:
    """A large file's rows, to be checked in the background (the caller queues
    ``tasks.run_asset_import`` on commit): every row's errors, nothing saved, like the inline
    preview."""
    _require(actor, "assets.import_assets", _("You may not import assets."))
    return AssetImport.objects.create(
        actor=actor, file_name=file_name[:255], rows=rows, total=len(rows)
    )


@transaction.atomic
def confirm_import(*, actor: User, job: AssetImport) -> AssetImport:
    """Mark a checked job's rows for import (the caller queues the task on commit); they are
    imported all or nothing and checked again as they are saved."""
    _require(actor, "assets.import_assets", _("You may not import assets."))
    job = AssetImport.objects.select_for_update().get(pk=job.pk)
    if job.actor_id != actor.pk:
        raise NotAllowed(_("Only who uploaded this file may import it."))
    if job.status != ImportStatus.PREVIEWED or job.error_count or job.commit_requested:
        raise ValidationError(
            _("This file cannot be imported now: %(status)s.")
            % {"status": job.get_status_display()}
        )
    job.commit_requested = True
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["commit_requested", "status", "updated_at"])
    return job


def run_import(job_id) -> AssetImport | None:
    """The worker's part: check (or, once confirmed, import) the job's rows.

    Idempotent: a finished job, or one another worker is running (a named lock), is left
    alone. A worker killed midway leaves nothing saved (one transaction); the job is then
    still queued or running and the next delivery of the task runs it again from the start.
    """
    with held(f"asset-import:{job_id}") as got:
        if not got:
            return None
        job = AssetImport.objects.filter(pk=job_id).select_related("actor").first()
        if job is None or not job.waiting:
            return job
        AssetImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.RUNNING, updated_at=timezone.now()
        )
        key = _progress_key(job.pk)
        try:
            result = import_assets(
                actor=job.actor,
                rows=job.rows,
                commit=job.commit_requested,
                progress=lambda done: cache.set(key, done, 24 * 3600),
            )
        except Exception as exc:
            AssetImport.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED,
                error=str(exc)[:2000] or exc.__class__.__name__,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            raise
        finally:
            cache.delete(key)
        job.result = [
            {
                "line": row.line,
                "type": row.data.get("type", ""),
                "serial_number": row.data.get("serial_number", ""),
                "site": row.data.get("site", ""),
                "errors": row.errors,
            }
            for row in result.rows
        ]
        job.error_count = result.error_count
        if result.committed:
            job.status = ImportStatus.DONE
            job.rows = []  # imported: the assets hold them now
        else:
            # checked (or found errors when confirmed: a serial taken meanwhile)
            job.status, job.commit_requested = ImportStatus.PREVIEWED, False
        job.finished_at = timezone.now()
        job.save()
        return job


@transaction.atomic
def save_asset_type(
    *, actor: User, asset_type: AssetType | None = None, **fields: Any
) -> AssetType:
    """Add a type (router, access point … and any the business needs) or rename one."""
    perm = "assets.change_assettype" if asset_type else "assets.add_assettype"
    _require(actor, perm, _("You may not manage asset types."))
    asset_type = assign_fields(asset_type or AssetType(), fields, ("name", "code", "has_mac"))
    return validated_save(asset_type, actor=actor)
