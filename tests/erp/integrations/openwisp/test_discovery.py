"""Hourly discovery: OpenWISP devices become access-point assets, matched by MAC then serial;
ambiguous matches wait for a person; each run is recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erp.assets import services as asset_services
from erp.assets.models import Asset, AssetMovement
from erp.core import crypto
from erp.integrations.openwisp import services
from erp.integrations.openwisp.choices import ConflictStatus, RunStatus
from erp.integrations.openwisp.models import (
    DiscoveryRun,
    MatchConflict,
    OpenWispDevice,
    OpenWispSettings,
)

from .conftest import PASSWORD


@pytest.mark.django_db
def test_settings_are_off_by_default_and_the_password_is_encrypted(
    openwisp_sim, openwisp_site, make_site, admin_user, users
):
    config = openwisp_site(openwisp_sim)
    stored = OpenWispSettings.objects.get(pk=config.pk)
    assert PASSWORD not in stored.password_encrypted
    assert crypto.decrypt(stored.password_encrypted) == PASSWORD
    assert PASSWORD not in str(stored.history.values())
    assert OpenWispSettings._meta.get_field("enabled").default is False
    # a new address needs the password again; nothing changes
    with pytest.raises(ValidationError, match="password"):
        services.save_settings(
            actor=admin_user,
            site=config.site,
            enabled=True,
            base_url="http://10.9.9.9:8000",
            username=config.username,
        )
    assert OpenWispSettings.objects.get(pk=config.pk).base_url == openwisp_sim.url
    # only a Super Admin sets it up
    from erp.core.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        services.save_settings(
            actor=users["Technical"],
            site=make_site(),
            enabled=True,
            base_url=openwisp_sim.url,
            username="x",
            password="y",
        )


@pytest.mark.django_db
def test_discovery_files_new_devices_as_access_points_once(openwisp_sim, openwisp_site):
    config = openwisp_site(openwisp_sim)
    run = services.discover(config)
    assert run.status == RunStatus.DONE, run.error
    assert (run.found, run.new, run.matched, run.known, run.conflicts) == (12, 12, 0, 0, 0)
    first = openwisp_sim.state.devices[0]
    asset = Asset.objects.get(mac_address=first["mac_address"].upper())
    assert asset.asset_type.code == "access-point" and asset.site == config.site
    assert asset.status == "deployed" and asset.model == first["model"]
    assert asset.vendor == first["model"].split()[0]
    assert asset.serial_number == first["hardware_id"]
    device = OpenWispDevice.objects.get(asset=asset)
    assert str(device.openwisp_id) == first["id"] and device.config_status == "applied"
    # the device key is never stored anywhere
    dump = str(list(OpenWispDevice.objects.values())) + str(list(Asset.objects.values()))
    assert first["key"] not in dump
    # a second run finds the same devices: nothing doubled, no history row for the unchanged
    history = OpenWispDevice.history.count()
    again = services.discover(config)
    assert OpenWispDevice.history.count() == history
    assert (again.found, again.new, again.known) == (12, 0, 12)
    assert Asset.objects.count() == 12 and OpenWispDevice.objects.count() == 12


@pytest.mark.django_db
def test_discovery_matches_by_mac_then_serial_and_lists_the_ambiguous(
    make_openwisp_sim, openwisp_site, admin_user, asset_types, users
):
    server = make_openwisp_sim(devices=4)
    devices = server.state.devices
    ap, router = asset_types["access-point"], asset_types["router"]
    # device 0: an asset with its MAC in another notation (normalised on both sides)
    by_mac = asset_services.create_asset(
        actor=admin_user,
        asset_type=ap,
        serial_number="OLD-1",
        mac_address=devices[0]["mac_address"].replace(":", "-"),
    )
    # device 1: no MAC on record, but its serial (hardware id)
    by_serial = asset_services.create_asset(
        actor=admin_user, asset_type=ap, serial_number=devices[1]["hardware_id"].lower()
    )
    # device 2: two assets carry its MAC → ambiguous
    twins = [
        asset_services.create_asset(
            actor=admin_user,
            asset_type=kind,
            serial_number=f"TWIN-{i}",
            mac_address=devices[2]["mac_address"],
        )
        for i, kind in enumerate((ap, router))
    ]
    config = openwisp_site(server)
    run = services.discover(config)
    assert (run.found, run.new, run.matched, run.conflicts) == (4, 1, 2, 1), run.error
    assert OpenWispDevice.objects.get(openwisp_id=devices[0]["id"]).asset == by_mac
    assert OpenWispDevice.objects.get(openwisp_id=devices[1]["id"]).asset == by_serial
    ambiguous = OpenWispDevice.objects.get(openwisp_id=devices[2]["id"])
    assert ambiguous.asset is None  # not guessed
    conflict = MatchConflict.objects.get()
    assert conflict.device == ambiguous and conflict.status == ConflictStatus.OPEN
    assert set(conflict.candidates.all()) == set(twins)
    assert "MAC" in conflict.reason
    # the next run lists it again, once
    again = services.discover(config)
    assert again.conflicts == 1 and MatchConflict.objects.count() == 1

    # a person decides: not a candidate → refused, nothing changed
    with pytest.raises(ValidationError):
        services.decide_conflict(actor=users["Technical"], conflict=conflict, asset=by_mac)
    assert MatchConflict.objects.get().status == ConflictStatus.OPEN
    services.decide_conflict(actor=users["Technical"], conflict=conflict, asset=twins[0])
    ambiguous.refresh_from_db()
    assert ambiguous.asset == twins[0]
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.LINKED and conflict.decided_by == users["Technical"]
    with pytest.raises(ValidationError, match="already decided"):
        services.decide_conflict(actor=users["Technical"], conflict=conflict, create=True)
    assert services.discover(config).known == 4


@pytest.mark.django_db
def test_a_conflict_can_be_decided_as_a_new_asset(
    make_openwisp_sim, openwisp_site, admin_user, asset_types, users
):
    server = make_openwisp_sim(devices=1)
    mac = server.state.devices[0]["mac_address"]
    for i in range(2):
        asset_services.create_asset(
            actor=admin_user,
            asset_type=asset_types["switch"],
            serial_number=f"SW-{i}",
            mac_address=mac,
        )
    config = openwisp_site(server)
    services.discover(config)
    conflict = MatchConflict.objects.get()
    services.decide_conflict(actor=users["Technical"], conflict=conflict, create=True)
    device = OpenWispDevice.objects.get()
    assert device.asset.asset_type.code == "access-point" and device.asset.site == config.site
    assert AssetMovement.objects.filter(asset=device.asset).exists()


@pytest.mark.django_db
def test_a_failing_server_is_recorded_on_the_run_and_settings_without_secrets(
    openwisp_sim, openwisp_site
):
    config = openwisp_site(openwisp_sim)
    openwisp_sim.state.html = True
    run = services.discover(config)
    assert run.status == RunStatus.FAILED and "instead of JSON" in run.error
    config.refresh_from_db()
    assert "instead of JSON" in config.last_error and PASSWORD not in config.last_error
    assert not Asset.objects.exists()
    openwisp_sim.state.html = False
    assert services.discover(config).status == RunStatus.DONE
    config.refresh_from_db()
    assert config.last_error == ""


@pytest.mark.django_db
def test_pagination_across_250_devices_files_250_assets(make_openwisp_sim, openwisp_site):
    server = make_openwisp_sim(devices=250)
    config = openwisp_site(server)
    run = services.discover(config)
    assert (run.found, run.new) == (250, 250), run.error
    assert Asset.objects.filter(asset_type__code="access-point").count() == 250


@pytest.mark.django_db
def test_a_refused_login_reads_in_swahili_for_a_swahili_reader(openwisp_sim, openwisp_site):
    from django.utils import translation

    from .conftest import USER

    config = openwisp_site(openwisp_sim)
    openwisp_sim.state.password = "changed-on-the-server"
    run = services.discover(config)
    assert run.status == RunStatus.FAILED
    stored = OpenWispSettings.objects.get(pk=config.pk).last_error
    with translation.override("sw"):
        assert str(stored) == (
            f"OpenWISP imekataa kuingia kwa mtumiaji wa API '{USER}': angalia jina la "
            "mtumiaji na nenosiri"
        )
        assert PASSWORD not in str(stored)
    with translation.override("fr"):
        assert str(DiscoveryRun.objects.get(pk=run.pk).error).startswith(
            f"OpenWISP a refusé la connexion de l'utilisateur API '{USER}'"
        )
