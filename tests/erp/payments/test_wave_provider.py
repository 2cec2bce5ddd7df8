"""The Wave Checkout adapter against the Wave simulator over HTTP: amounts as strings with
the currency's decimals, the Bearer key, session reads, the search that recovers a lost
create, and every failure a clear ProviderError that shows no secret."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from erp.payments.providers import ProviderError, for_account
from erp.payments.providers.wave import format_amount
from tests.portal_fixtures import WAVE_KEY


def _create(provider, reference="ref-1", amount=Decimal("500.00")):
    return provider.create_checkout(
        amount=amount,
        currency="XOF",
        client_reference=reference,
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )


def test_amounts_are_strings_with_the_currencys_decimals():
    assert format_amount(Decimal("500.00"), "XOF") == "500"
    assert format_amount(Decimal("10.5"), "GMD") == "10.50"
    with pytest.raises(ProviderError):
        format_amount(Decimal("500.50"), "XOF")


@pytest.mark.django_db
def test_create_read_and_search_a_checkout_session(wave):
    provider = for_account(wave.account())
    session = _create(provider)
    assert session.id.startswith("cos-") and session.launch_url.endswith(f"/pay/{session.id}")
    stored = wave.state.sessions[session.id]
    assert stored["amount"] == "500" and isinstance(stored["amount"], str)
    assert stored["client_reference"] == "ref-1"
    again = provider.get_session(session.id)
    assert (again.payment_status, again.amount, again.currency) == (
        "processing",
        Decimal("500"),
        "XOF",
    )
    assert not again.succeeded
    wave.state.complete(session.id)
    assert provider.get_session(session.id).succeeded
    assert provider.find_by_reference("ref-1").id == session.id
    assert provider.find_by_reference("nobody") is None


@pytest.mark.django_db
def test_the_simulator_wants_the_bearer_key_and_string_amounts(wave):
    base = f"{wave.url}/v1/checkout/sessions"
    assert requests.get(f"{base}/cos-x", timeout=5).status_code == 401
    headers = {"Authorization": f"Bearer {WAVE_KEY}"}
    body = {
        "amount": 500,  # a number, not a string
        "currency": "XOF",
        "success_url": "http://a/",
        "error_url": "http://a/",
    }
    refused = requests.post(base, json=body, headers=headers, timeout=5)
    assert refused.status_code == 400 and refused.json()["code"] == "request-validation-error"
    tzs = requests.post(
        base, json={**body, "amount": "500", "currency": "TZS"}, headers=headers, timeout=5
    )
    assert tzs.status_code == 400  # Wave does not serve Tanzania


@pytest.mark.django_db
def test_failures_are_clear_and_keep_the_key_secret(wave):
    account = wave.account()
    provider = for_account(account)
    wave.state.fail_next = 1
    with pytest.raises(ProviderError, match="Wave answered 500") as caught:
        _create(provider)
    assert WAVE_KEY not in str(caught.value)
    with pytest.raises(ProviderError, match="does not know"):
        provider.get_session("cos-unknown")
    account.set_api_key("wrong-key")
    with pytest.raises(ProviderError, match="refused the request \\(401 no-auth\\)") as caught:
        for_account(account).get_session("cos-x")
    assert "wrong-key" not in str(caught.value)


@pytest.mark.django_db
def test_a_slow_provider_times_out(wave, settings):
    settings.PAYMENT_PROVIDER_TIMEOUT = 0.3
    wave.state.delay = 1.0
    with pytest.raises(ProviderError, match="did not answer in time"):
        _create(for_account(wave.account()))
    wave.state.delay = 0


@pytest.mark.django_db
def test_secrets_are_encrypted_at_rest_and_not_in_history(wave):
    account = wave.account()
    assert WAVE_KEY not in account.api_key_encrypted
    assert account.get_api_key() == WAVE_KEY
    historical = account.history.model._meta.get_fields()
    assert not {f.name for f in historical} & {"api_key_encrypted", "webhook_secret_encrypted"}


@pytest.mark.django_db
def test_secrets_rotate_to_a_new_fernet_key(wave, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    account = wave.account()
    old_keys = list(settings.FERNET_KEYS)
    settings.FERNET_KEYS = [Fernet.generate_key().decode(), *old_keys]
    call_command("rotate_payment_secrets")
    settings.FERNET_KEYS = settings.FERNET_KEYS[:1]  # the old key removed
    account.refresh_from_db()
    assert account.get_api_key() == WAVE_KEY
    assert for_account(account).get_session(_create(for_account(account)).id)
