"""Prometheus metrics at /metrics: requests, Celery tasks and queue, and the business gauges.

- Requests: django-prometheus's middlewares (counts by view, method and status; latency
  histograms by view).
- Celery: tasks by name and outcome and their durations, counted in the worker through Celery's
  signals; the queue depth read from the broker at scrape time.
- Business: routers down, hotspot users waiting to be pushed per router, stuck batches and the
  oldest unfinished one, sales and takings today, open faults past their SLA, analytics rollup
  age; read from the database at scrape time (a few indexed aggregates), so every process
  answers the same figures.

Under gunicorn (several worker processes) and with the Celery worker on the same machine, set
``PROMETHEUS_MULTIPROC_DIR`` (the Procfile does): each process writes its counters to files
there and a scrape of any worker sums them all (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import time
from datetime import timedelta

from amqp.exceptions import ChannelError
from celery import signals
from django.conf import settings
from django.db.models import Count, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from analytics.models import RollupState
from erp.celery import app
from erp.maintenance.models import Fault
from erp.maintenance.selectors import OPEN_STATUSES
from erp.mikrotik.choices import SyncState
from erp.mikrotik.models import HotspotUser
from erp.sales.models import Sale
from erp.sites.choices import RouterStatus
from erp.sites.models import Router
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import VoucherBatch
from erp.vouchers.selectors import stale_batches

logger = logging.getLogger(__name__)

CELERY_TASKS = Counter(
    "viornet_celery_tasks_total", "Celery tasks finished, by task and outcome.", ["task", "outcome"]
)
CELERY_TASK_SECONDS = Histogram(
    "viornet_celery_task_seconds",
    "Time Celery tasks ran, by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800),
)
_started: dict[str, float] = {}


def connect_celery_signals() -> None:
    """Count every task's outcome and duration where it runs (the worker)."""
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="viornet_metrics_pre")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="viornet_metrics_post")


def _task_prerun(task_id=None, task=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()


def _task_postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    CELERY_TASKS.labels(task=name, outcome=(state or "UNKNOWN").lower()).inc()
    if started is not None:
        CELERY_TASK_SECONDS.labels(task=name).observe(time.perf_counter() - started)


class BusinessCollector:
    """Gauges read from the database and the broker when Prometheus scrapes."""

    def describe(self):
        # Registering a collector without describe() would run its queries at import.
        return []

    def collect(self):
        up = GaugeMetricFamily(
            "viornet_business_metrics_up", "1 when the business gauges could be read."
        )
        try:
            yield from _queue_families()
        except Exception:  # noqa: BLE001 - the broker down: no depth, the rest still answers
            logger.warning("Celery queue depth could not be read", exc_info=True)
        try:
            families = list(_business_families())
        except Exception:  # noqa: BLE001 - a scrape must answer even with the database down
            logger.warning("business metrics could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def _business_families():
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)

    by_status = dict(Router.objects.values_list("status").annotate(n=Count("pk")).order_by())
    routers = GaugeMetricFamily("viornet_routers", "Routers by status.", labels=["status"])
    for status in RouterStatus.values:
        routers.add_metric([status], by_status.get(status, 0))
    yield routers
    yield _gauge(
        "viornet_routers_down", "Routers not answering.", by_status.get(RouterStatus.DOWN, 0)
    )

    pending = GaugeMetricFamily(
        "viornet_hotspot_users_pending",
        "Hotspot users waiting to be pushed, per router.",
        labels=["router"],
    )
    rows = (
        HotspotUser.objects.filter(sync_state=SyncState.PENDING)
        .values_list("router__site__code", "router__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for site_code, router_name, n in rows:
        pending.add_metric([f"{site_code}/{router_name}"], n)
    yield pending

    yield _gauge(
        "viornet_voucher_batches_stuck",
        "Voucher batches whose job shows no progress (the reaper resumes them).",
        stale_batches(now=now).count(),
    )
    unfinished = [
        BatchStatus.APPROVED,
        BatchStatus.GENERATING,
        BatchStatus.PUSHING,
        BatchStatus.WAITING_ROUTER,
    ]
    oldest = VoucherBatch.objects.filter(status__in=unfinished).aggregate(t=Min("updated_at"))["t"]
    yield _gauge(
        "viornet_voucher_batch_oldest_unfinished_seconds",
        "Age of the oldest approved batch not yet in stock (0: none).",
        (now - oldest).total_seconds() if oldest else 0,
    )

    today = Sale.objects.filter(sold_at__gte=midnight, sold_at__lt=now + timedelta(seconds=1))
    figures = today.aggregate(n=Count("pk"), amount=Sum("amount"))
    yield _gauge("viornet_sales_today", "Sales since local midnight.", figures["n"])
    yield _gauge(
        "viornet_sales_amount_today",
        f"Amount paid for sales since local midnight, in {settings.CURRENCY}.",
        float(figures["amount"] or 0),
    )

    yield _gauge(
        "viornet_faults_past_sla",
        "Open faults past their SLA due time.",
        Fault.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now).count(),
    )

    rollups = GaugeMetricFamily(
        "viornet_rollup_age_seconds",
        "Seconds since each analytics rollup was last refreshed.",
        labels=["rollup"],
    )
    for name, refreshed in RollupState.objects.values_list("name", "refreshed_at"):
        if refreshed is not None:
            rollups.add_metric([name], (now - refreshed).total_seconds())
    yield rollups


def _queue_families():
    """Messages waiting in the Celery queue (Redis: the list's length; the embedded broker:
    its files)."""
    depth = GaugeMetricFamily(
        "viornet_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
    )
    queue = app.conf.task_default_queue or "celery"
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1)
        channel = connection.default_channel
        try:
            count = channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # never declared: no worker has started yet, nothing queued
            count = 0
        depth.add_metric([queue], count)
    yield depth


_business = BusinessCollector()
REGISTRY.register(_business)


def registry() -> CollectorRegistry:
    """The registry a scrape reads: every process's files in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)
        combined.register(_business)
        return combined
    return REGISTRY


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = [
        ipaddress.ip_network(n.strip(), strict=False)
        for n in settings.METRICS_ALLOWED_IPS
        if n.strip()
    ]
    return any(peer in network for network in networks)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format, for a bearer token (METRICS_TOKEN) or an address in
    METRICS_ALLOWED_IPS; anyone else gets a bare 404 (the endpoint is not advertised)."""
    if not _allowed(request):
        return HttpResponse(status=404)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
