"""The PortaBilling adapter against the simulator over HTTP: the real call shape (form fields
auth_info and params, faults as 500 + faultcode), sessions renewed, typed reads, and every
failure a clear PortaError without a secret in it."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import requests

from erp.integrations.portabilling.client import (
    PortaAuthFailed,
    PortaBillingClient,
    PortaFault,
    PortaProtocolError,
    PortaTimeout,
    PortaUnreachable,
)

from .conftest import LOGIN, PASSWORD


def _client(porta, **kw) -> PortaBillingClient:
    return PortaBillingClient(
        porta.url,
        login=LOGIN,
        password=kw.pop("password", PASSWORD),
        timeout=kw.pop("timeout", 2),
        **kw,
    )


def _add(client, code="VCH-1", balance=Decimal("1000")):
    return client.add_account(
        id=code,
        i_customer=1,
        i_product=1,
        i_account_role=4,
        batch_name="viornet-b1",
        opening_balance=balance,
    )


def test_the_wire_is_form_fields_holding_json_and_faults_are_500(porta):
    url = f"{porta.url}/rest/Session/login"
    ok = requests.post(
        url,
        data={"auth_info": "{}", "params": json.dumps({"login": LOGIN, "password": PASSWORD})},
        timeout=5,
    )
    assert ok.status_code == 200 and ok.json()["session_id"]
    bad = requests.post(
        url,
        data={"auth_info": "{}", "params": json.dumps({"login": LOGIN, "password": "x"})},
        timeout=5,
    )
    assert bad.status_code == 500
    assert bad.json()["faultcode"] == "Server.Session.login.auth_failed"


def test_add_read_block_and_customer(porta):
    client = _client(porta)
    i_account = _add(client)
    assert porta.state.accounts[i_account]["batch_name"] == "viornet-b1"
    assert porta.state.accounts[i_account]["i_account_role"] == 4
    for key in ({"i_account": i_account}, {"id": "VCH-1"}, {"login": "VCH-1"}):
        info = client.get_account_info(**key)
        assert (info.i_account, info.id, info.blocked, info.balance) == (
            i_account,
            "VCH-1",
            False,
            Decimal("1000.0"),
        )
    with pytest.raises(ValueError, match="exactly one"):
        client.get_account_info(i_account=i_account, id="VCH-1")
    assert client.get_account_info(id="nobody") is None
    client.set_blocked(i_account, True)
    assert porta.state.accounts[i_account]["blocked"] == "Y"
    assert client.get_account_info(i_account=i_account).blocked is True
    assert client.get_customer_info(1)["name"] == "ViorNet demo"
    with pytest.raises(PortaFault, match="duplicate_id"):
        _add(client)


def test_an_expired_session_logs_in_again_and_the_call_goes_through(porta):
    client = _client(porta)
    i_account = _add(client)
    porta.state.expire_sessions()
    assert client.get_account_info(i_account=i_account).id == "VCH-1"
    assert porta.state.calls.count("Session/login") == 2


def test_an_access_token_near_its_expiry_is_refreshed(porta):
    porta.state.token_lifetime = 30  # inside the refresh margin at once
    client = _client(porta)
    _add(client)
    client.get_account_info(id="VCH-1")
    assert "Session/refresh_access_token" in porta.state.calls
    assert porta.state.calls.count("Session/login") == 1


def test_bad_credentials_are_a_clear_error_without_the_password(porta):
    client = _client(porta, password="wrong-Secret-99")
    with pytest.raises(PortaAuthFailed) as caught:
        client.get_customer_info(1)
    assert "refused the login" in str(caught.value)
    assert "wrong-Secret-99" not in str(caught.value) and "wrong-Secret-99" not in repr(client)


def test_down_slow_html_and_wrong_types_are_clear_errors(porta):
    from tests.ports import free_port

    down = PortaBillingClient(
        f"http://127.0.0.1:{free_port()}", login=LOGIN, password=PASSWORD, timeout=1
    )
    with pytest.raises(PortaUnreachable, match="cannot reach"):
        down.get_customer_info(1)

    client = _client(porta, timeout=0.3)
    _add(client)
    porta.state.delay = 0.6
    with pytest.raises(PortaTimeout, match=r"no answer within 0.3 s"):
        client.get_account_info(id="VCH-1")
    porta.state.delay = 0

    porta.state.trickle_next = 1
    started = time.monotonic()
    with pytest.raises(PortaTimeout, match=r"did not end within 0.6 s"):
        client.get_account_info(id="VCH-1")
    assert time.monotonic() - started < 2

    porta.state.html_next = 1
    with pytest.raises(PortaProtocolError, match="text/html instead of JSON"):
        client.get_account_info(id="VCH-1")

    porta.state.wrong_type_next = 1
    with pytest.raises(
        PortaProtocolError, match="balance should be a number, the server sent list"
    ):
        client.get_account_info(id="VCH-1")
    for error in ("text/html", "list"):
        assert PASSWORD not in error


def test_a_credit_carries_our_reference_and_is_found_again(porta):
    client = _client(porta)
    i_account = _add(client)
    assert client.find_transaction(i_account=i_account, reference="viornet-pay-1") is None
    balance = client.make_transaction(
        i_account=i_account, amount=Decimal("500"), reference="viornet-pay-1"
    )
    assert balance == Decimal("1500.0")
    found = client.find_transaction(i_account=i_account, reference="viornet-pay-1")
    assert found is not None and found.amount == Decimal("500.0")


def test_a_compressed_answer_is_read(porta):
    porta.state.gzip = True
    client = _client(porta)
    i_account = _add(client)
    assert client.get_account_info(i_account=i_account).balance == Decimal("1000.0")
