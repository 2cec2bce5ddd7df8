"""Thin Celery tasks: load by id, call one service. Idempotent and time-limited."""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task

from . import services
from .models import PortaBillingSite

log = logging.getLogger(__name__)

JOB = {"ignore_result": True, "acks_late": True, "soft_time_limit": 1500, "time_limit": 1600}


def _config(site_id: str) -> PortaBillingSite | None:
    return services.config_for_site(site_id)


@shared_task(**JOB)
def push_site(site_id: str) -> None:
    """Create the site's pending accounts and push blocks (after a batch, a repair)."""
    config = _config(site_id)
    if config is not None:
        services.push_accounts(config)
        services.push_blocks(config)


@shared_task(**JOB)
def apply_credit_task(credit_id: int) -> None:
    services.apply_credit(credit_id)


@shared_task(**JOB)
def check_site(site_id: str) -> None:
    config = _config(site_id) or PortaBillingSite.objects.filter(site_id=site_id).first()
    if config is None:
        return
    # a failure is recorded on the settings (shown on the page) by check_connection
    with contextlib.suppress(services.PortaError):
        services.check_connection(config)


@shared_task(**JOB)
def sync_site_task(site_id: str) -> None:
    config = _config(site_id)
    if config is not None:
        services.run_site(config)


@shared_task(**JOB)
def sync_all() -> int:
    """Beat: every enabled site in turn (one failing site never stops the others)."""
    n = 0
    for config in PortaBillingSite.objects.filter(enabled=True).order_by("pk"):
        try:
            services.run_site(config)
            n += 1
        except Exception:  # one site's surprise (a key that cannot decrypt …) stops only it
            log.exception("portabilling %s: the sync failed", config.site_id)
    return n
