"""Every write of the fault-to-repair domain: report, triage, repair, verify, escalate, and the
downtime that monitoring records when a router goes down and comes back.

The workflow (workflows/fault_repair) calls these from its task pages and the API; they hold the
rules, so both paths refuse the same bad input with the same message and change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.assets.models import Asset
from erp.assets.services import check_not_retired, move_asset, send_to_repair
from erp.core import events, texts
from erp.core.exceptions import NotAllowed
from erp.core.money import to_money
from erp.core.services import validated_save
from erp.finance.services import record_repair_expense
from erp.notifications.services import Text, escalate_to
from erp.sites.models import Router, Site
from erp.sites.selectors import site_is_visible_to

from .choices import FaultSource, FaultStatus, Severity
from .events import FAULT_CLOSED, FAULT_REPORTED
from .models import Downtime, Fault, FaultPhoto, RepairLog

log = logging.getLogger(__name__)

TRIAGE_PERM = "maintenance.triage_fault"
MAX_PHOTO_BYTES = 10 * 1024 * 1024


# --- rules ------------------------------------------------------------------------------------
def sla_hours(severity: str) -> int:
    return int(settings.MAINTENANCE_SLA_HOURS[Severity(severity)])


def sla_due(severity: str, since: datetime) -> datetime:
    return since + timedelta(hours=sla_hours(severity))


def is_technician(user: User | None) -> bool:
    return bool(user and user.is_active and user.has_role(Role.TECHNICAL))


def is_lead(user: User | None) -> bool:
    """A technical lead: anyone granted ``triage_fault`` (Super Admin by role; a Technical user
    by an individual grant in the admin)."""
    return bool(user and user.is_authenticated and user.has_perm(TRIAGE_PERM))


def may_verify(user: User | None, fault: Fault) -> bool:
    """The reporter or a lead confirms the service is back; never the repairing technician
    alone (unless they are also a lead)."""
    if user is None or not user.is_authenticated:
        return False
    return is_lead(user) or (fault.reported_by_id is not None and fault.reported_by_id == user.pk)


def leads_and_admins() -> list[User]:
    """Who an escalation reaches: everyone holding the triage permission, by group or by
    individual grant, and every Super Admin."""
    users = get_user_model().objects.filter(is_active=True)
    perm = Q(groups__permissions__codename="triage_fault") | Q(
        user_permissions__codename="triage_fault"
    )
    return list(users.filter(perm | Q(groups__name=Role.SUPER_ADMIN)).distinct().order_by("pk"))


# --- report -----------------------------------------------------------------------------------
@transaction.atomic
def report_fault(
    *,
    actor: User,
    site: Site,
    description: str,
    severity: str,
    router: Router | None = None,
    service_down: bool = False,
    photos: Iterable[Any] = (),
    assets: Iterable[Any] = (),
) -> Fault:
    """A person reports a fault; when the service is down, its downtime starts now.

    Affected assets must be at the fault's site; a retired asset is refused."""
    if not actor.has_perm("maintenance.add_fault"):
        raise NotAllowed(_("You may not report faults."))
    if site is None or not site_is_visible_to(actor, site):
        raise ValidationError({"site": _("Choose one of your sites.")})
    if router is not None and router.site_id != site.pk:
        raise ValidationError({"router": _("This router is not at the chosen site.")})
    assets = list(assets)
    _check_affected_assets(assets, site)
    photos = list(photos)
    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": _("A photo is at most 10 MB.")})
    now = timezone.now()
    fault = Fault(
        site=site,
        router=router,
        description=(description or "").strip(),
        severity=severity,
        service_down=service_down,
        reported_by=actor,
        reported_at=now,
        source=FaultSource.MANUAL,
    )
    if severity in Severity.values:
        fault.due_at = sla_due(severity, now)
    validated_save(fault, actor=actor)
    if assets:
        fault.assets.set(assets)
    for photo in photos:
        validated_save(FaultPhoto(fault=fault, image=photo), actor=actor)
    if service_down:
        validated_save(Downtime(site=site, fault=fault, started_at=now), actor=actor)
    # the reporter's confirmation SMS (the SMS app subscribes; durable with the fault)
    events.announce(FAULT_REPORTED, key=str(fault.pk), fault_id=str(fault.pk))
    return fault


def _check_affected_assets(assets: list[Any], site: Site) -> None:
    for asset in assets:
        try:
            check_not_retired(asset)
        except ValidationError as exc:
            raise ValidationError({"assets": exc.messages}) from None
        if asset.site_id != site.pk:
            raise ValidationError(
                {"assets": _("%(asset)s is not at %(site)s.") % {"asset": asset, "site": site}}
            )


# --- triage -----------------------------------------------------------------------------------
@transaction.atomic
def triage_fault(
    *, actor: User, fault: Fault, technician: User | None, severity: str | None = None
) -> Fault:
    """A lead sets the severity and assigns a technician; a technician may only take the
    fault for themselves, as reported."""
    fault = Fault.objects.select_for_update().get(pk=fault.pk)
    if fault.status != FaultStatus.REPORTED:
        raise ValidationError(_("This fault is not waiting for triage."))
    lead = is_lead(actor)
    if not lead and not is_technician(actor):
        raise NotAllowed(_("Only a technical lead or a technician may take a fault."))
    if technician is None:
        raise ValidationError({"technician": _("Choose the technician who repairs it.")})
    if not is_technician(technician):
        raise ValidationError(
            {"technician": _("%(user)s is not a technician.") % {"user": technician}}
        )
    if not lead:
        if technician.pk != actor.pk:
            raise ValidationError(
                {"technician": _("Only a technical lead assigns a fault to someone else.")}
            )
        if severity and severity != fault.severity:
            raise NotAllowed(_("Only a technical lead changes the severity."))
    if severity and severity != fault.severity:
        if severity not in Severity.values:
            raise ValidationError({"severity": _("Choose critical, major or minor.")})
        fault.severity = severity
        fault.due_at = sla_due(severity, fault.reported_at)
    fault.assigned_to = technician
    fault.status = FaultStatus.ASSIGNED
    # the technician is told by the fault process's repair step (workflows.notices)
    return validated_save(fault, actor=actor)


# --- repair -----------------------------------------------------------------------------------
@transaction.atomic
def record_repair(
    *,
    actor: User,
    fault: Fault,
    diagnosis: str,
    actions: str,
    minutes_spent: int,
    cost: Decimal | int | str = 0,
    parts_used: str = "",
    parts_installed: Iterable[Any] = (),
    parts_removed: Iterable[Any] = (),
) -> RepairLog:
    """The assigned technician records the repair; the fault then waits for verification.

    A cost above zero becomes a Repairs expense of the site when the finance module is
    installed (above EXPENSE_APPROVAL_THRESHOLD it waits for Finance's approval there).
    """
    fault = Fault.objects.select_for_update().get(pk=fault.pk)
    if fault.status != FaultStatus.ASSIGNED:
        raise ValidationError(_("This fault is not waiting for a repair."))
    if fault.assigned_to_id != actor.pk:
        raise NotAllowed(_("Only the assigned technician records the repair."))
    cost = to_money(cost if cost not in (None, "") else 0)
    if cost < 0:
        raise ValidationError({"cost": _("The cost cannot be negative.")})
    repair = RepairLog(
        fault=fault,
        technician=actor,
        diagnosis=(diagnosis or "").strip(),
        actions=(actions or "").strip(),
        parts_used=(parts_used or "").strip(),
        minutes_spent=minutes_spent,
        cost=cost,
    )
    repair.full_clean()
    if cost > 0 and apps.is_installed("erp.finance"):
        repair.expense = record_repair_expense(
            technician=actor,
            site=fault.site,
            amount=cost,
            note=_("Repair of fault %(fault)s: %(actions)s")
            % {"fault": fault.pk, "actions": repair.actions[:200]},
        )
    validated_save(repair, actor=actor)
    _move_parts(actor, fault, repair, list(parts_installed), list(parts_removed))
    fault.status = FaultStatus.REPAIRED
    if fault.restored_at is None:
        fault.restored_at = timezone.now()
    # the reporter (or, without one, the leads) is told by the process's verify step
    validated_save(fault, actor=actor)
    return repair


def _move_parts(actor: User, fault: Fault, repair: RepairLog, installed, removed) -> None:
    """Parts put in go to the fault's site (deployed); parts taken out go to repair as
    faulty. Each is an asset movement with the repair as its reason."""
    if set(installed) & set(removed):
        raise ValidationError({"parts_removed": _("A part cannot be both put in and taken out.")})
    reason = _("Repair of fault at %(site)s") % {"site": fault.site}
    for field, parts in (("parts_installed", installed), ("parts_removed", removed)):
        for asset in parts:
            try:
                if field == "parts_installed":
                    move_asset(actor=actor, asset=asset, to_site=fault.site, reason=reason)
                else:
                    if asset.site_id != fault.site_id:
                        raise ValidationError(
                            _("%(asset)s is not at %(site)s.")
                            % {"asset": asset, "site": fault.site}
                        )
                    send_to_repair(actor=actor, asset=asset, reason=reason)
            except ValidationError as exc:
                raise ValidationError({field: [f"{asset}: {m}" for m in exc.messages]}) from None
    if installed:
        repair.parts_installed.set(installed)
    if removed:
        repair.parts_removed.set(removed)


# --- verify -----------------------------------------------------------------------------------
@transaction.atomic
def verify_fault(*, actor: User, fault: Fault, confirm: bool, reason: str = "") -> Fault:
    """The reporter or a lead closes the fault (service back), or sends it back to repair
    with a reason. Closing needs a repair log."""
    fault = Fault.objects.select_for_update().get(pk=fault.pk)
    if confirm and not fault.repair_logs.exists():
        raise ValidationError(_("A fault is closed only after a repair log is recorded."))
    if fault.status != FaultStatus.REPAIRED:
        raise ValidationError(_("This fault is not waiting for verification."))
    if not may_verify(actor, fault):
        raise NotAllowed(_("Only the reporter or a technical lead verifies the repair."))
    now = timezone.now()
    if confirm:
        fault.status = FaultStatus.CLOSED
        fault.closed_at = now
        fault.closed_by = actor
        fault.restored_at = fault.restored_at or now
        # Downtime a person reported ends when the accepted repair restored the service; a
        # router's downtime ends with its up event.
        for downtime in fault.downtimes.filter(ended_at__isnull=True, router__isnull=True):
            downtime.ended_at = max(fault.restored_at, downtime.started_at)
            validated_save(downtime, actor=actor)
        fault = validated_save(fault, actor=actor)
        # the closure notice to the reporter (once per fault: a reopened fault stays closed)
        events.announce(FAULT_CLOSED, key=str(fault.pk), fault_id=str(fault.pk))
        return fault
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the repair is not accepted.")})
    fault.status = FaultStatus.ASSIGNED
    fault.send_back_reason = reason
    if fault.source == FaultSource.MANUAL:
        fault.restored_at = None
    return validated_save(fault, actor=actor)


# --- SLA --------------------------------------------------------------------------------------
def _notify(users: list[User], text: Text, url: str) -> None:
    escalate_to(users=users, text=text, url=url)


@transaction.atomic
def escalate_fault(*, fault: Fault, url: str = "") -> bool:
    """Flag an overdue fault and notify the leads and Super Admins, once per fault.

    Returns False (and does nothing) when the fault is closed or was already escalated.
    """
    fault = Fault.objects.select_for_update().select_related("site").get(pk=fault.pk)
    if not fault.is_open or fault.escalated_at is not None:
        return False
    now = timezone.now()
    fault.escalated_at = now
    validated_save(fault, actor=None)

    def text() -> str:  # in each reader's language
        return _("SLA missed: %(severity)s fault at %(site)s, due %(due)s") % {
            "severity": fault.get_severity_display(),
            "site": fault.site,
            "due": timezone.localtime(fault.due_at).strftime("%Y-%m-%d %H:%M"),
        }

    _notify(leads_and_admins(), text, url)
    log.warning("fault %s escalated: overdue since %s", fault.pk, fault.due_at)
    return True


# --- monitoring -------------------------------------------------------------------------------
@transaction.atomic
def open_router_fault(*, router: Router, at: datetime, message: str = "") -> tuple[Fault, bool]:
    """Monitoring saw the router go down: one open fault per router outage and one open
    downtime. Idempotent: called again (another poll, a retry) it creates nothing.

    Returns (fault, created). The router row is locked so two workers cannot both create.
    """
    router = Router.objects.select_for_update().select_related("site").get(pk=router.pk)
    return _monitored_equipment_down(
        site=router.site,
        fault={"router": router},
        downtime={"router": router},
        description=texts.Text(
            gettext_noop("Router %(router)s stopped answering. %(message)s"),
            router=router.name,
            message=message,
        ),
        at=at,
    )


@transaction.atomic
def router_restored(*, router: Router, at: datetime) -> Downtime | None:
    """Monitoring saw the router answer again: its open downtime ends; the fault records the
    time but stays open until someone verifies the repair."""
    return _monitored_equipment_back(downtime={"router": router}, fault={"router": router}, at=at)


@transaction.atomic
def open_asset_fault(
    *, asset: Any, site: Site, at: datetime, message: str = ""
) -> tuple[Fault, bool]:
    """Monitoring (OpenWISP) saw an access point go critical: like a router going down, one
    open fault per device outage and one open downtime. Idempotent: called again it creates
    nothing. The asset row is locked so two workers cannot both create; the partial unique
    constraint ``fault_one_open_monitoring_per_asset`` backs it."""
    asset = Asset.objects.select_for_update().select_related("asset_type").get(pk=asset.pk)
    return _monitored_equipment_down(
        site=site,
        fault={"monitored_asset": asset},
        downtime={"asset": asset},
        description=texts.Text(
            gettext_noop("Access point %(asset)s is critical in OpenWISP. %(message)s"),
            asset=asset,
            message=message,
        ),
        at=at,
        affected=asset,
    )


@transaction.atomic
def asset_restored(*, asset: Any, at: datetime) -> Downtime | None:
    """Monitoring saw the access point ok again: its open downtime ends (the downtime is
    recorded); the fault keeps the time and stays open until someone verifies."""
    return _monitored_equipment_back(
        downtime={"asset": asset}, fault={"monitored_asset": asset}, at=at
    )


def _monitored_equipment_down(
    *,
    site: Site,
    fault: dict,
    downtime: dict,
    description: str,
    at: datetime,
    affected: Any = None,
) -> tuple[Fault, bool]:
    """Router or access point down (its row locked by the caller): its open monitoring fault,
    or a new one (``affected``: an asset it also lists), opened again if it had come back;
    and an open downtime. ``fault`` / ``downtime``: the field naming the equipment on each
    model. Returns (fault, created)."""
    open_fault = Fault.objects.filter(
        **fault, source=FaultSource.MONITORING, status__in=_OPEN
    ).first()
    created = open_fault is None
    if created:
        severity = settings.ROUTER_DOWN_FAULT_SEVERITY
        open_fault = validated_save(
            Fault(
                site=site,
                **fault,
                source=FaultSource.MONITORING,
                severity=severity,
                service_down=True,
                description=description,
                reported_at=at,
                due_at=sla_due(severity, at),
            ),
            actor=None,
        )
        if affected is not None:
            open_fault.assets.add(affected)
    elif open_fault.restored_at is not None:
        open_fault.restored_at = None  # down again before the fault was closed
        validated_save(open_fault, actor=None)
    if not Downtime.objects.filter(**downtime, ended_at__isnull=True).exists():
        validated_save(Downtime(site=site, **downtime, fault=open_fault, started_at=at), actor=None)
    return open_fault, created


def _monitored_equipment_back(*, downtime: dict, fault: dict, at: datetime) -> Downtime | None:
    """Router or access point answering again: end its open downtime and note the time on its
    open monitoring fault (which waits for a person to verify). ``downtime`` / ``fault``: the
    lookups naming the equipment on each model."""
    open_downtime = (
        Downtime.objects.select_for_update().filter(**downtime, ended_at__isnull=True).first()
    )
    if open_downtime is not None:
        open_downtime.ended_at = max(at, open_downtime.started_at)
        validated_save(open_downtime, actor=None)
    open_fault = Fault.objects.filter(
        **fault, source=FaultSource.MONITORING, status__in=_OPEN
    ).first()
    if open_fault is not None and open_fault.restored_at is None:
        open_fault.restored_at = at
        validated_save(open_fault, actor=None)
    return open_downtime


_OPEN = [FaultStatus.REPORTED, FaultStatus.ASSIGNED, FaultStatus.REPAIRED]
