"""Reads of faults and downtime, scoped to the asking user's sites; uptime and MTTR.

Uptime % of a site over a period = 1 − (its downtime intervals merged, clipped to the period)
/ period length: two outages that overlap (a router down while a fault already stopped the
service) count once, and an outage crossing the period's edge counts only inside it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from erp.accounts.models import User
from erp.core.scoping import restrict

from .choices import FaultStatus
from .models import Downtime, Fault, FaultPhoto, RepairLog


def faults_visible_to(user: User) -> QuerySet[Fault]:
    return restrict(
        Fault.objects.select_related("site", "router", "assigned_to", "reported_by"), user
    )


def fault_photos_visible_to(user: User) -> QuerySet[FaultPhoto]:
    """Photos of the faults ``user`` may see; nothing without the right to view faults
    (a photo is part of the fault record, never a public file)."""
    if not user.is_authenticated or not user.has_perm("maintenance.view_fault"):
        return FaultPhoto.objects.none()
    return FaultPhoto.objects.filter(fault__in=faults_visible_to(user).values("pk"))


def repair_logs_visible_to(user: User) -> QuerySet[RepairLog]:
    return restrict(RepairLog.objects.select_related("fault", "technician"), user)


def downtimes_visible_to(user: User) -> QuerySet[Downtime]:
    return restrict(Downtime.objects.select_related("site", "router"), user)


def recent_downtimes(
    user: User, *, since: datetime, site=None, router=None, limit: int = 10
) -> list[Downtime]:
    """The last ``limit`` downtimes of a site or router that were down at some time since
    ``since`` (open ones included), newest first, each with the fault that opened it: the
    uptime figure's detail, so a person can go from a gap in service to its fault. One
    query on the (site or router, started_at) rows of that place."""
    downtimes = downtimes_visible_to(user).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
    if site is not None:
        downtimes = downtimes.filter(site=site)
    if router is not None:
        downtimes = downtimes.filter(router=router)
    return list(downtimes.select_related("fault", "asset").order_by("-started_at", "-pk")[:limit])


OPEN_STATUSES = (FaultStatus.REPORTED, FaultStatus.ASSIGNED, FaultStatus.REPAIRED)


def _sla_figures(faults: QuerySet[Fault], now: datetime) -> dict:
    """count, overdue (past the SLA due time) and escalated, in one query."""
    return faults.aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
    )


def faults_to_repair(user: User, *, now: datetime, limit: int = 5) -> dict:
    """The faults assigned to ``user`` and waiting for their repair: count, overdue,
    escalated, and the ``limit`` due soonest (with their site). On the (assigned_to, status)
    index."""
    mine = faults_visible_to(user).filter(assigned_to=user, status=FaultStatus.ASSIGNED)
    figures = _sla_figures(mine.select_related(None), now)
    figures["faults"] = list(
        mine.select_related(None).select_related("site").order_by("due_at")[:limit]
    )
    return figures


def faults_in_queue(user: User, *, now: datetime) -> dict:
    """Faults reported and waiting for triage at the sites ``user`` sees (a technician may
    take one, a lead assigns it): count, overdue, escalated."""
    waiting = faults_visible_to(user).select_related(None).filter(status=FaultStatus.REPORTED)
    return _sla_figures(waiting, now)


def faults_past_sla(user: User, *, now: datetime) -> dict:
    """Open faults past their SLA due time at the sites ``user`` sees: count, escalated (on
    the (status, due_at) index: a range per open status, closed faults never read)."""
    late = (
        faults_visible_to(user)
        .select_related(None)
        .filter(status__in=OPEN_STATUSES, due_at__lt=now)
    )
    return late.aggregate(
        count=Count("pk"), escalated=Count("pk", filter=Q(escalated_at__isnull=False))
    )


def merged_seconds(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime):
    """Seconds covered by the union of ``intervals`` within [start, end)."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if a < end and b > start)
    total = 0.0
    current_start = current_end = None
    for a, b in clipped:
        if current_end is None or a > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = a, b
        else:
            current_end = max(current_end, b)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def uptime_by_site(
    *, start: datetime, end: datetime, sites=None, now: datetime | None = None
) -> dict:
    """{site_id: {"down_seconds", "uptime_percent"}} for every site given (default: all
    sites with downtime in the period; a site without any is 100 %)."""
    if end <= start:
        raise ValueError("the period must end after it starts")
    now = now or timezone.now()
    downtimes = Downtime.objects.filter(started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    if sites is not None:
        downtimes = downtimes.filter(site__in=sites)
    by_site: dict = defaultdict(list)
    for site_id, started, ended in downtimes.values_list("site_id", "started_at", "ended_at"):
        by_site[site_id].append((started, ended or max(now, started)))
    site_ids = [s.pk for s in sites] if sites is not None else list(by_site)
    length = (end - start).total_seconds()
    result = {}
    for site_id in site_ids:
        down = merged_seconds(by_site.get(site_id, []), start, end)
        result[site_id] = {
            "down_seconds": round(down),
            "uptime_percent": round(100 * (1 - down / length), 3),
        }
    return result


def mttr_by_site(*, start: datetime, end: datetime, sites=None) -> dict:
    """{site_id: mean (service restored − fault started)} over the faults closed in
    [start, end), in one query; a site without closed faults is absent."""
    faults = Fault.objects.filter(
        status=FaultStatus.CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    if sites is not None:
        faults = faults.filter(site__in=sites)
    spans: dict = defaultdict(list)
    for site_id, reported, restored, closed in faults.values_list(
        "site_id", "reported_at", "restored_at", "closed_at"
    ):
        spans[site_id].append((restored or closed) - reported)
    return {site_id: sum(s, timedelta()) / len(s) for site_id, s in spans.items()}


def mean_time_to_repair(*, start: datetime, end: datetime, sites=None) -> timedelta | None:
    """Mean of (service restored − fault started) over the faults closed in [start, end)."""
    faults = Fault.objects.filter(
        status=FaultStatus.CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    if sites is not None:
        faults = faults.filter(site__in=sites)
    spans = [
        (restored or closed) - reported
        for reported, restored, closed in faults.values_list(
            "reported_at", "restored_at", "closed_at"
        )
    ]
    if not spans:
        return None
    return sum(spans, timedelta()) / len(spans)
