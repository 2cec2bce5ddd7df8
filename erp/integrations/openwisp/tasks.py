"""Celery tasks for OpenWISP: thin wrappers that load by id and call one service. One run per
site at a time (a lock that dies with its process)."""

from __future__ import annotations

import logging

from celery import shared_task

from erp.core import locks

from . import services
from .client import OpenWispError
from .models import OpenWispSettings

log = logging.getLogger(__name__)


def _enabled():
    return OpenWispSettings.objects.filter(enabled=True).select_related("site", "configured_by")


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def discover_site(settings_id: str) -> None:
    config = _enabled().filter(pk=settings_id).first()
    if config is None:
        return
    with locks.held(f"openwisp-discovery:{config.site_id}") as got:
        if got:
            services.discover(config)


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def discover_all() -> int:
    """Hourly: discover the devices of every site whose OpenWISP is on."""
    ids = list(_enabled().values_list("pk", flat=True))
    for pk in ids:
        discover_site(str(pk))
    return len(ids)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=280)
def check_all_health() -> int:
    """Every 5 minutes: the monitoring status of every site's devices (critical opens a
    fault once per outage, ok ends its downtime)."""
    done = 0
    for config in _enabled():
        with locks.held(f"openwisp-health:{config.site_id}") as got:
            if not got:
                continue
            try:
                services.check_health(config)
                done += 1
            except OpenWispError:
                continue  # recorded on the settings and logged by the service
    return done
