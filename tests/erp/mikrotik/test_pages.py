"""The router pages in the UI: status, figures, operations, drift and active sessions."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
from tests.router_fixtures import ROUTER_PASSWORD


def _text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.fixture
def run(client, eager_celery, django_capture_on_commit_callbacks):
    """Ask for an operation as the browser does, let the worker run its job (eagerly, once the
    request's transaction commits), and return the job page the browser lands on."""

    def go(method: str, url: str, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(url, data or {})
        assert response.status_code == 302, response.status_code
        return client.get(response.url, follow=True)

    return go


@pytest.mark.django_db
def test_router_page_shows_status_and_operations_to_technicians(client, users, sim_router, run):
    router, _ = sim_router()
    client.force_login(users[Role.TECHNICAL])
    detail = f"/network/router/{router.pk}/detail/"
    page = _text(client.get(detail))
    assert "Test connection" in page and "Check drift" in page and "Unknown" in page

    text = _text(run("post", f"/network/router/{router.pk}/test/"))
    assert f"{router} answered: {router.name}, RouterOS 7.16.2" in text
    assert ROUTER_PASSWORD not in text
    page = _text(client.get(detail))
    assert "erp-status--up" in page and "CPU load" in page


@pytest.mark.django_db
def test_finance_sees_the_router_but_no_operations(client, users, sim_router):
    router, _ = sim_router()
    client.force_login(users[Role.FINANCE])
    page = _text(client.get(f"/network/router/{router.pk}/detail/"))
    assert router.name in page and "Test connection" not in page
    assert client.post(f"/network/router/{router.pk}/test/").status_code == 403
    assert client.get(f"/network/router/{router.pk}/drift/").status_code == 403


@pytest.mark.django_db
def test_drift_page_lists_and_repairs(client, users, sim_router, simulator, run):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="P1"), HotspotUserSpec(name="P2")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.users.remove("P2"))
    client.force_login(users[Role.TECHNICAL])
    url = f"/network/router/{router.pk}/drift/"
    page = _text(run("get", url))
    assert "Ours, missing on the router" in page and "P2" in page
    repaired = _text(run("post", url))
    assert "Repaired: 1 added" in repaired and "No drift" in repaired


@pytest.mark.django_db
def test_active_page_kicks_a_session(client, users, sim_router, simulator, run):
    router, simulated = sim_router()
    queue_hotspot_users(router, [HotspotUserSpec(name="ONLINE1", comment="sold")])
    push_pending_users(router)
    simulator.call(lambda: simulated.state.tick(10, login_probability=1.0))
    client.force_login(users[Role.TECHNICAL])
    url = f"/network/router/{router.pk}/active/"
    assert "ONLINE1" in _text(run("get", url))
    session_id = simulator.call(lambda: simulated.state.active.items[0][".id"])
    assert "Session disconnected." in _text(run("post", url, {"session_id": session_id}))
    assert "Nobody is online." in _text(run("get", url))
    bad = _text(client.post(url, {"session_id": "1; drop"}, follow=True))
    assert "That is not a session of this router." in bad


@pytest.mark.django_db
def test_a_down_router_shows_a_clear_error_on_its_pages(client, users, sim_router, simulator, run):
    router, simulated = sim_router()
    simulator.stop_router(next(n for n, r in simulator.routers.items() if r is simulated))
    client.force_login(users[Role.TECHNICAL])
    tested = _text(run("post", f"/network/router/{router.pk}/test/"))
    assert "The router is unreachable" in tested
    assert "cannot reach" not in tested and "Connection refused" not in tested
    assert "erp-status--down" in _text(client.get(f"/network/router/{router.pk}/detail/"))
    drift = _text(run("get", f"/network/router/{router.pk}/drift/"))
    assert "The router is unreachable" in drift and "cannot reach" not in drift
    assert ROUTER_PASSWORD not in tested + drift


@pytest.mark.django_db
def test_a_job_page_waits_then_says_when_no_worker_answered(
    client, users, sim_router, settings, django_capture_on_commit_callbacks
):
    """No worker runs (not eager, nothing consumes the queue): the page answers at once and
    refreshes itself; once the job is older than ROUTER_JOB_STALE_SECONDS it says so."""
    from datetime import timedelta

    from django.utils import timezone

    from erp.mikrotik.models import RouterJob

    router, _ = sim_router()
    client.force_login(users[Role.TECHNICAL])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/network/router/{router.pk}/test/")
    page = client.get(response.url)
    assert 'http-equiv="refresh"' in page.content.decode() and "Waiting for a worker" in _text(page)
    # a second click while it waits reuses the same job
    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = client.post(f"/network/router/{router.pk}/test/")
    assert again.url == response.url and queued == []
    RouterJob.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    lost = client.get(response.url)
    assert 'http-equiv="refresh"' not in lost.content.decode()
    assert "No worker has answered for this job" in _text(lost)
