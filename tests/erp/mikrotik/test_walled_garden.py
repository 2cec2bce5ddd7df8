"""The portal's walled garden (/ip/hotspot/walled-garden), against the RouterOS simulator over
TCP: the router sync adds the ERP's host (PUBLIC_BASE_URL) and the active payment providers'
hosts, leaves the owner's own entries alone, removes only its own entries no longer wanted;
drift shows what is missing and repair puts it back."""

from __future__ import annotations

import pytest

from erp.mikrotik.services import (
    WALLED_GARDEN_COMMENT,
    find_drift,
    repair_drift,
    sync_profiles,
    wanted_walled_garden,
)
from erp.payments.models import ProviderAccount

pytestmark = pytest.mark.django_db


def _garden(simulator, simulated) -> list[dict]:
    return simulator.call(lambda: [dict(i) for i in simulated.state.walled_garden.items])


def _hosts(simulator, simulated, *, ours: bool = True) -> list[str]:
    return sorted(
        i["dst-host"]
        for i in _garden(simulator, simulated)
        if not ours or i.get("comment") == WALLED_GARDEN_COMMENT
    )


@pytest.fixture
def portal_hosts(settings):
    settings.PUBLIC_BASE_URL = "https://erp.viornet.example"
    wave = ProviderAccount(name="Wave", provider="wave", api_base_url="https://api.wave.com")
    wave.save()
    ProviderAccount(
        name="Selcom vendor:X",
        provider="selcom",
        api_base_url="https://apigw.selcommobile.com",
        is_active=False,
    ).save()
    return wave


def test_wanted_hosts_are_the_erp_and_the_active_providers(portal_hosts):
    assert wanted_walled_garden() == ["api.wave.com", "erp.viornet.example", "pay.wave.com"]


def test_the_router_sync_pushes_the_walled_garden_once(simulator, sim_router, portal_hosts):
    router, simulated = sim_router()
    # the owner's own entry for the ERP's host counts; theirs is never touched
    simulator.call(
        lambda: simulated.state.walled_garden.add(
            {"dst-host": "erp.viornet.example", "comment": "owner"}
        )
    )
    report = sync_profiles(router)
    assert report.walled_garden_added == ["api.wave.com", "pay.wave.com"]
    assert _hosts(simulator, simulated) == ["api.wave.com", "pay.wave.com"]
    assert all(i["action"] == "allow" for i in _garden(simulator, simulated))
    # a second sync adds nothing
    assert sync_profiles(router).walled_garden_added == []
    assert len(_garden(simulator, simulated)) == 3
    # the provider switched off: our entries for it go, the owner's stays
    portal_hosts.is_active = False
    portal_hosts.save()
    again = sync_profiles(router)
    assert again.walled_garden_removed == ["api.wave.com", "pay.wave.com"]
    assert _hosts(simulator, simulated, ours=False) == ["erp.viornet.example"]


def test_drift_shows_a_missing_entry_and_repair_restores_it(simulator, sim_router, portal_hosts):
    router, simulated = sim_router()
    sync_profiles(router)
    assert find_drift(router).clean
    pay = next(i for i in _garden(simulator, simulated) if i["dst-host"] == "pay.wave.com")
    simulator.call(lambda: simulated.state.walled_garden.remove(pay[".id"]))
    report = find_drift(router)
    assert not report.clean
    assert report.walled_garden_missing == ["pay.wave.com"]
    assert report.counts() == {"walled_garden_missing": 1}
    repair_drift(router)
    assert "pay.wave.com" in _hosts(simulator, simulated)
    assert find_drift(router).clean


def test_a_disabled_entry_is_drift(simulator, sim_router, portal_hosts):
    router, simulated = sim_router()
    sync_profiles(router)
    entry = next(i for i in _garden(simulator, simulated) if i["dst-host"] == "api.wave.com")
    simulator.call(lambda: simulated.state.walled_garden.set(entry[".id"], {"disabled": "yes"}))
    assert find_drift(router).walled_garden_missing == ["api.wave.com"]


def test_switching_the_provider_pushes_the_walled_garden_at_once(
    simulator, sim_router, portal_hosts, eager_celery, django_capture_on_commit_callbacks
):
    """No waiting for the next profile sync: saving an account that changes the hosts queues a
    sync on every router, which adds the new provider's hosts and removes the old one's."""
    from erp.mikrotik.models import RouterJob
    from erp.payments.services import save_provider_account

    router, simulated = sim_router()
    sync_profiles(router)
    assert _hosts(simulator, simulated) == ["api.wave.com", "erp.viornet.example", "pay.wave.com"]
    selcom = ProviderAccount.objects.get(provider="selcom")
    selcom.is_active = True
    portal_hosts.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        assert save_provider_account(portal_hosts) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert save_provider_account(selcom) == 1
    assert _hosts(simulator, simulated) == ["apigw.selcommobile.com", "erp.viornet.example"]
    assert set(RouterJob.objects.values_list("status", flat=True)) == {"done"}
    # a save that changes no host (a renamed account) queues nothing
    selcom.name = "Selcom vendor:Y"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert save_provider_account(selcom) == 0
    assert callbacks == []
