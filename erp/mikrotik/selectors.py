"""Reads for the MikroTik integration."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from erp.sites.models import Router

from .choices import RouterJobKind, RouterJobStatus, SyncState
from .models import HotspotProfile, HotspotUser, RouterEvent, RouterJob, RouterSample


def profiles_for_router(router: Router) -> QuerySet[HotspotProfile]:
    """The profiles a router must have. Every active profile, for now: packages will narrow
    this to the packages sold at the router's site."""
    return HotspotProfile.objects.filter(is_active=True).order_by("name")


# A sold voucher's hotspot user carries this comment (and the receipt number) on the router.
SOLD_COMMENT_PREFIX = "sold "


def pending_users(router: Router, limit: int, *, sold_only: bool = False) -> list[HotspotUser]:
    """The next ``limit`` users waiting to be pushed; ``sold_only``: those of sold vouchers,
    whose customers hold a code that must log in (after a reset they go first)."""
    pending = HotspotUser.objects.filter(router=router, sync_state=SyncState.PENDING)
    if sold_only:
        pending = pending.filter(comment__startswith=SOLD_COMMENT_PREFIX)
    return list(pending.select_related("router").order_by("pk")[:limit])


def samples(router: Router, since: datetime | None = None, limit: int = 500):
    qs = RouterSample.objects.filter(router=router)
    if since is not None:
        qs = qs.filter(taken_at__gte=since)
    return qs.order_by("-taken_at")[:limit]


def latest_sample(router: Router) -> RouterSample | None:
    return RouterSample.objects.filter(router=router).order_by("-taken_at").first()


def recent_events(router: Router, limit: int = 20):
    return RouterEvent.objects.filter(router=router).order_by("-at")[:limit]


def last_drift_job(router: Router) -> RouterJob | None:
    """The last finished drift check or repair of a router (daily, or an operator's)."""
    return (
        RouterJob.objects.filter(
            router=router,
            kind__in=[RouterJobKind.DRIFT_CHECK, RouterJobKind.DRIFT_REPAIR],
            status__in=[RouterJobStatus.DONE, RouterJobStatus.FAILED],
        )
        .order_by("-finished_at")
        .first()
    )


def last_reading(router: Router) -> RouterSample | None:
    """The last sample that read the router's identity and uptime (a health check)."""
    return (
        RouterSample.objects.filter(router=router, uptime_seconds__isnull=False)
        .order_by("-taken_at")
        .first()
    )


ONLINE_WINDOW = timedelta(minutes=15)


def users_online(
    routers: QuerySet[Router], *, now: datetime | None = None, window: timedelta = ONLINE_WINDOW
) -> dict[UUID, int | None]:
    """{router id: users online now} for the given routers: the latest sample within
    ``window`` that counted the active sessions (the 5-minute usage and traffic polls). The
    every-minute health sample has no count (``active_users`` empty): it never hides the
    last count. None for a router without a count in the window. One query on the
    (router, -taken_at) index."""
    now = now or timezone.now()
    latest = (
        RouterSample.objects.filter(
            router=OuterRef("pk"),
            active_users__isnull=False,
            taken_at__gt=now - window,
            taken_at__lte=now,
        )
        .order_by("-taken_at")
        .values("active_users")[:1]
    )
    rows = routers.order_by().annotate(online=Subquery(latest)).values_list("pk", "online")
    return dict(rows)
