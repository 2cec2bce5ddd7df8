"""Reads of packages, batches and vouchers, scoped to the user."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core.scoping import restrict

from .choices import BatchStatus
from .models import Package, Voucher, VoucherBatch

# A batch waiting for its router retries after at most this long (the job's backoff cap).
ROUTER_RETRY_MAX_SECONDS = 600


def batches_visible_to(user: User) -> QuerySet[VoucherBatch]:
    return restrict(
        VoucherBatch.objects.select_related("package", "router", "site", "agent", "requested_by"),
        user,
    )


def batch_counts(user: User, statuses) -> dict[str, int]:
    """How many batches ``user`` may see are in each of ``statuses`` (0 for none): one grouped
    query on the (status, created_at) index; the statuses asked for are the open ones, never
    the ever-growing "in stock"."""
    counts = dict.fromkeys(statuses, 0)
    grouped = (
        batches_visible_to(user)
        .select_related(None)
        .filter(status__in=list(statuses))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(grouped))
    return counts


def stale_batches(*, now=None) -> QuerySet[VoucherBatch]:
    """Batches whose job should be running and has shown no progress for BATCH_STALE_MINUTES
    (approved and never started, generating, pushing), or, waiting for the router, none since
    its last retry was due. Its last progress is its heartbeat, else its last change."""
    now = now or timezone.now()
    stale = timedelta(minutes=settings.BATCH_STALE_MINUTES)
    last = Coalesce("heartbeat_at", "updated_at", output_field=DateTimeField())
    return (
        VoucherBatch.objects.annotate(last_progress=last)
        .filter(
            Q(
                status__in=[BatchStatus.APPROVED, BatchStatus.GENERATING, BatchStatus.PUSHING],
                last_progress__lt=now - stale,
            )
            | Q(
                status=BatchStatus.WAITING_ROUTER,
                last_progress__lt=now - stale - timedelta(seconds=ROUTER_RETRY_MAX_SECONDS),
            )
        )
        .order_by("created_at")
    )


def stuck_age(batch: VoucherBatch, *, now=None) -> timedelta | None:
    """How long the batch's job has shown no progress, when that makes it stuck by the rule of
    ``stale_batches`` (read from the row, no query); a failed batch is stuck since its last
    change. None when it is not stuck."""
    now = now or timezone.now()
    last = batch.heartbeat_at or batch.updated_at
    if last is None:
        return None
    age = now - last
    stale = timedelta(minutes=settings.BATCH_STALE_MINUTES)
    if batch.status == BatchStatus.FAILED:
        return age
    if batch.status == BatchStatus.WAITING_ROUTER:
        stale += timedelta(seconds=ROUTER_RETRY_MAX_SECONDS)
    elif batch.status not in (BatchStatus.APPROVED, BatchStatus.GENERATING, BatchStatus.PUSHING):
        return None
    return age if age > stale else None


def stuck_cause(batch: VoucherBatch) -> str:
    return batch.last_error or _(
        "No progress reported: the worker running the job may have been stopped."
    )


def vouchers_visible_to(user: User) -> QuerySet[Voucher]:
    """An agent sees only the vouchers the agent holds; others, those of their sites."""
    return restrict(Voucher.objects.select_related("package", "site", "agent"), user)


def stock_selection(
    user: User,
    *,
    batch: VoucherBatch | None = None,
    ids: list[int] | None = None,
    package: Package | None = None,
    site=None,
    count: int | None = None,
    from_code: str = "",
    to_code: str = "",
) -> QuerySet[Voucher]:
    """Unused vouchers the user may hand out, chosen one way: a batch (optionally a range of
    its codes, in code order), a list of ids, or the first ``count`` of a package in office
    stock at a site."""
    stock = vouchers_visible_to(user).filter(status="unused")
    if batch is not None:
        chosen = stock.filter(batch=batch)
        if from_code:
            chosen = chosen.filter(code__gte=from_code.strip().upper())
        if to_code:
            chosen = chosen.filter(code__lte=to_code.strip().upper())
        return chosen
    if ids:
        return stock.filter(pk__in=ids)
    first = (
        stock.filter(package=package, site=site, agent__isnull=True)
        .order_by("pk")
        .values("pk")[:count]
    )
    return stock.filter(pk__in=first)
