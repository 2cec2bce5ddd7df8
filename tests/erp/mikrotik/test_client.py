"""Our client: errors mapped to our own exceptions, never carrying the password."""

from __future__ import annotations

import logging

import pytest

from erp.mikrotik.client import LOGIN_REFUSED, UNREACHABLE, RouterClient
from erp.mikrotik.exceptions import RouterAuthFailed, RouterTrap, RouterUnreachable
from erp.mikrotik.simulator import free_port
from tests.router_fixtures import ROUTER_PASSWORD


def _assert_no_secret(exc: BaseException, caplog, secret: str) -> None:
    assert secret not in str(exc) and secret not in repr(exc)
    assert exc.__suppress_context__ and exc.__cause__ is None
    for record in caplog.records:
        assert secret not in record.getMessage()


@pytest.mark.django_db
def test_wrong_password_is_auth_failed_without_the_password(sim_router, make_router, caplog):
    _, simulated = sim_router()
    wrong = "Wr0ng-Pa55-word"
    router = make_router(host="127.0.0.1", api_port=simulated.port, password=wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RouterAuthFailed) as excinfo, RouterClient(router):
        pass
    assert str(excinfo.value) == LOGIN_REFUSED
    _assert_no_secret(excinfo.value, caplog, wrong)


@pytest.mark.django_db
def test_closed_port_is_unreachable(make_router, caplog):
    router = make_router(host="127.0.0.1", api_port=free_port(), password=ROUTER_PASSWORD)
    with pytest.raises(RouterUnreachable) as excinfo, RouterClient(router, timeout=2):
        pass
    assert str(excinfo.value) == UNREACHABLE  # no address, no "refused" or "closed"
    assert "cannot reach 127.0.0.1" in excinfo.value.detail  # for the log and the operator
    _assert_no_secret(excinfo.value, caplog, ROUTER_PASSWORD)


@pytest.mark.django_db
def test_tls_client_on_a_plain_port_is_a_clear_error(sim_router, caplog):
    router, _ = sim_router(use_tls=True)
    with pytest.raises(RouterUnreachable) as excinfo, RouterClient(router, timeout=3):
        pass
    assert str(excinfo.value) == UNREACHABLE
    assert "TLS" in excinfo.value.detail or "cannot reach" in excinfo.value.detail
    _assert_no_secret(excinfo.value, caplog, ROUTER_PASSWORD)


@pytest.mark.django_db
def test_tls_router_works_and_plain_client_on_it_fails(sim_router, tls_context):
    router, _ = sim_router(ssl_context=tls_context, use_tls=True, tls_verify=False)
    with RouterClient(router) as client:
        assert client.identity() == router.name
    router.use_tls = False
    with pytest.raises(RouterUnreachable), RouterClient(router, timeout=2):
        pass


@pytest.mark.django_db
def test_tls_verification_refuses_a_self_signed_certificate(sim_router, tls_context):
    router, _ = sim_router(ssl_context=tls_context, use_tls=True, tls_verify=True)
    with pytest.raises(RouterUnreachable) as excinfo, RouterClient(router, timeout=3):
        pass
    assert str(excinfo.value) == UNREACHABLE and "TLS handshake" in excinfo.value.detail


@pytest.mark.django_db
def test_login_method_mismatches_are_auth_errors(sim_router):
    # A pre-6.43 router asked with the plain login
    router, _ = sim_router(login_mode="legacy", legacy_login=False)
    with pytest.raises(RouterAuthFailed), RouterClient(router):
        pass
    # A 6.43+ router asked with the challenge: routeros-api would think it is logged in
    router, _ = sim_router(login_mode="plain", legacy_login=True)
    with pytest.raises(RouterAuthFailed) as excinfo, RouterClient(router):
        pass
    assert "not logged in" in excinfo.value.detail
    assert str(excinfo.value).startswith(LOGIN_REFUSED)


@pytest.mark.django_db
def test_trap_keeps_router_message_not_arguments(sim_router):
    router, _ = sim_router()
    with RouterClient(router) as client:
        client.add("/ip/hotspot/user", name="SECRETCODE", password="SECRETCODE")
        with pytest.raises(RouterTrap) as excinfo:
            client.add("/ip/hotspot/user", name="SECRETCODE", password="SECRETCODE")
    assert excinfo.value.router_message == "failure: already have user with this name"
    assert excinfo.value.command == "/ip/hotspot/user/add"
    assert "SECRETCODE" not in str(excinfo.value)


@pytest.mark.django_db
def test_pipeline_yields_each_reply_in_order_with_per_command_traps(sim_router):
    router, _ = sim_router()
    with RouterClient(router) as client:
        calls = [{"name": n} for n in ("A", "B", "A", "C")]
        replies = list(client.pipeline("/ip/hotspot/user", "add", calls, window=2))
    assert [r.index for r in replies] == [0, 1, 2, 3]
    assert [r.ok for r in replies] == [True, True, False, True]
    assert replies[2].error == "failure: already have user with this name"
    assert all(r.ret.startswith("*") for r in replies if r.ok)
