"""Beat jobs of the support app."""

from __future__ import annotations

import logging

from celery import shared_task

from . import services
from .mailbox import MailboxError

log = logging.getLogger(__name__)


@shared_task
def retrain_classifier() -> dict:
    """Weekly: learn the agents' corrections (kept only if held-out accuracy holds)."""
    report = services.retrain_classifier(save=True)
    log.info(
        "ticket classifier retrained: accuracy %.3f, %d corrections, saved=%s",
        report["accuracy"],
        report["corrected"],
        report["saved"],
    )
    return {k: report[k] for k in ("accuracy", "corrected", "saved")}


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def poll_mailbox() -> int:
    """Every minute: e-mails to the support mailbox open or continue tickets (nothing when
    SUPPORT_IMAP_URL is not set)."""
    try:
        return services.poll_mailbox()
    except MailboxError as error:
        log.warning("support mailbox not read: %s", error)
        return 0
