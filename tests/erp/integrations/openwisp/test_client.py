"""The OpenWISP adapter against the simulator over HTTP: auth, pagination, health, faults."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from erp.integrations.openwisp.client import (
    OpenWispAuthError,
    OpenWispBadResponse,
    OpenWispClient,
    OpenWispTimeout,
    OpenWispUnreachable,
)

from .conftest import PASSWORD, USER


def client_for(server, **options) -> OpenWispClient:
    return OpenWispClient(server.url, USER, PASSWORD, **options)


def test_devices_are_read_with_every_field_and_without_their_key(openwisp_sim):
    devices = client_for(openwisp_sim).devices()
    assert len(devices) == 12
    first = openwisp_sim.state.devices[0]
    got = devices[0]
    assert (got.id, got.name, got.mac_address, got.model) == (
        first["id"],
        first["name"],
        first["mac_address"],
        first["model"],
    )
    assert got.os == first["os"] and got.system == first["system"]
    assert got.last_ip == first["last_ip"] and got.management_ip == first["management_ip"]
    assert got.config_status == "applied" and got.created == first["created"]
    assert not hasattr(got, "key")
    assert first["key"] not in repr(devices)


def test_pagination_across_250_devices_reads_each_once_in_pages_of_100(make_openwisp_sim):
    server = make_openwisp_sim(devices=250)
    client = client_for(server)
    devices = client.devices()
    assert len(devices) == 250
    assert len({d.id for d in devices}) == 250
    pages = [r for r in server.state.requests if r.startswith("GET /api/v1/controller/device/")]
    assert len(pages) == 3  # 100 + 100 + 50
    assert "page_size=100" in pages[0]


def test_page_size_is_never_above_100():
    client = OpenWispClient("http://127.0.0.1:1", USER, PASSWORD, page_size=500)
    assert client.page_size == 100


def test_an_expired_token_logs_in_again_once_and_the_call_succeeds(openwisp_sim, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(openwisp_sim)
    assert len(client.devices()) == 12
    token = client._token
    openwisp_sim.state.expire_tokens()
    assert len(client.devices()) == 12
    assert openwisp_sim.state.token_requests == 2
    assert "logging in again" in caplog.text
    # neither the password nor a token is in the log or the client's repr
    for secret in (PASSWORD, token, client._token):
        assert secret not in caplog.text and secret not in repr(client)


def test_a_token_past_its_lifetime_gets_401_and_a_fresh_login(make_openwisp_sim):
    server = make_openwisp_sim(devices=3, token_ttl=0.2)
    client = client_for(server)
    client.devices()
    time.sleep(0.3)
    client.devices()
    assert server.state.token_requests == 2


def test_wrong_credentials_are_a_clear_error_without_the_password(openwisp_sim):
    client = OpenWispClient(openwisp_sim.url, USER, "wrong-password-xyz")
    with pytest.raises(OpenWispAuthError) as err:
        client.devices()
    assert "refused the login" in str(err.value)
    assert "wrong-password-xyz" not in str(err.value)


def test_monitoring_filters_by_status_and_detail_gives_related_metrics(openwisp_sim):
    state = openwisp_sim.state
    target = state.devices[3]["id"]
    state.set_status(target, "critical")
    client = client_for(openwisp_sim)
    critical = client.monitoring("critical")
    assert [h.id for h in critical] == [target]
    assert all(h.status == "critical" for h in critical)
    detail = client.device_health(target)
    assert detail.status == "critical" and detail.is_healthy is False
    assert ("ping", False) in detail.related_metrics
    assert client.device_health(state.devices[4]["id"]).is_healthy is True
    with pytest.raises(ValueError):
        client.monitoring("broken")


def test_statuses_change_over_time_and_device_zero_flaps(openwisp_sim):
    state = openwisp_sim.state
    client = client_for(openwisp_sim)
    flapper = state.devices[0]["id"]
    seen = []
    for _ in range(4):
        state.step()
        seen.append(client.device_health(flapper).status)
    assert seen == ["critical", "ok", "critical", "ok"]


def test_a_server_that_is_down_is_unreachable(openwisp_sim):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(OpenWispUnreachable, match="unreachable"):
        OpenWispClient(f"http://127.0.0.1:{port}", USER, PASSWORD, timeout=2).devices()
    openwisp_sim.state.down = True
    with pytest.raises(OpenWispUnreachable):
        client_for(openwisp_sim, timeout=2).devices()


def test_a_slow_server_is_cut_off_at_the_timeout(openwisp_sim):
    openwisp_sim.state.delay = 1.5
    client = client_for(openwisp_sim, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(OpenWispTimeout, match="within 0.5 s"):
        client.devices()
    assert time.monotonic() - started < 1.4


def test_html_instead_of_json_is_named(openwisp_sim):
    openwisp_sim.state.html = True
    with pytest.raises(OpenWispBadResponse, match="text/html instead of JSON"):
        client_for(openwisp_sim).devices()


def test_a_field_of_the_wrong_type_is_named(openwisp_sim):
    client = client_for(openwisp_sim)
    client.login()
    openwisp_sim.state.wrong_type = True
    with pytest.raises(OpenWispBadResponse, match="'mac_address' of type int"):
        client.devices()


def test_a_list_that_never_ends_is_stopped(openwisp_sim):
    openwisp_sim.state.endless = True
    client = client_for(openwisp_sim, max_pages=5)
    with pytest.raises(OpenWispBadResponse, match="did not end within 5 pages"):
        client.devices()
    assert client.calls <= 7  # login + 5 pages (+ nothing more)


def test_a_next_link_looping_back_is_detected(make_openwisp_sim):
    server = make_openwisp_sim(devices=30)
    server.state.loop = True
    with pytest.raises(OpenWispBadResponse, match="points back"):
        client_for(server, page_size=10).devices()
