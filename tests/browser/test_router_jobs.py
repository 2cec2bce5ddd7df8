"""The router's operations in a browser (issue 14 item 9): *Test connection* and *Check drift*
answer at once with a job page that refreshes itself; once the worker has run the job, the page
shows the router's answer without anyone touching it. Screenshots in
test-artifacts/router-job-*.png."""

from __future__ import annotations

import socket

import pytest
from django.utils import translation

from erp.accounts.roles import Role
from erp.mikrotik.client import UNREACHABLE
from erp.mikrotik.models import RouterJob
from erp.mikrotik.services import (
    HotspotUserSpec,
    push_pending_users,
    queue_hotspot_users,
    run_job,
)
from erp.mikrotik.services import test_connection as check_connection
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_job_page_waits_for_the_worker_then_shows_the_answer(
    page_for, shot, users, sim_router, simulator
):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="B1"), HotspotUserSpec(name="B2")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.users.set("B2", {"password": "by-hand"}))

    page = page_for(width=1280)
    login(page, users[Role.TECHNICAL].username)
    page.goto(f"{page.base}/network/router/{router.pk}/detail/")
    page.click("text=Test connection")
    page.wait_for_selector("#job-waiting")
    assert page.locator("#router-job").get_attribute("data-status") == "queued"
    shot(page, "router-job-waiting")

    run_job(RouterJob.objects.get(router=router, kind="test").pk)  # the worker's turn
    page.wait_for_selector("#job-result", timeout=10_000)  # the page refreshed itself
    assert f"{router} answered: {router.name}" in page.inner_text("#job-result")

    page.goto(f"{page.base}/network/router/{router.pk}/drift/")
    page.wait_for_selector("#job-waiting")
    run_job(RouterJob.objects.get(router=router, kind="drift_check").pk)
    page.wait_for_selector("#drift-table", timeout=10_000)
    assert "B2" in page.inner_text("#drift-password_differs")
    shot(page, "router-job-drift")
    assert page.console_errors == []


def test_a_workers_error_reads_in_the_readers_language(page_for, shot, users, make_router):
    """The worker (English) finds the router unreachable; a Swahili technician reads the
    router's page, its last error and its event, in Swahili (issue 21)."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    router = make_router(api_port=port)
    with translation.override("en"):
        assert not check_connection(router).ok
    with translation.override("sw"):
        swahili = translation.gettext(UNREACHABLE)
    assert swahili != UNREACHABLE

    technician = users[Role.TECHNICAL]
    technician.language = "sw"
    technician.save(update_fields=["language"])
    page = page_for(width=360)
    login(page, technician.username)
    page.goto(f"{page.base}/network/router/{router.pk}/detail/")
    shown = page.inner_text(".erp-router-error")
    assert shown == swahili, shown
    assert UNREACHABLE not in page.inner_text("body")
    shot(page, "router-error-sw-360")
    assert page.console_errors == []
