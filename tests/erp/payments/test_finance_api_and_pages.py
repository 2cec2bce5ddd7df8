"""Payments for Finance beyond the admin: the API (list, detail, refund, reconciliations) and
the pages, each scoped to the user's sites, refused to roles without the permission, and in
the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from erp.accounts.roles import Role
from erp.payments import services


def _issued(wave, stock):
    payment = services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={"mac": "02:00:00:00:00:01"},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )
    wave.state.complete(payment.provider_session_id)
    return services.settle(payment.pk)


@pytest.fixture
def two_sites(wave, online_stock):
    wave.account()
    a, b = online_stock(count=2, agent_count=0), online_stock(count=2, agent_count=0)
    return {"a": _issued(wave, a), "b": _issued(wave, b), "site_a": a["site"]}


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_the_api_lists_scoped_rows_and_refunds_once(two_sites, wave, users, make_user):
    finance = users[Role.FINANCE]
    listed = _api(finance).get("/api/v1/payments/").json()["results"]
    assert {r["id"] for r in listed} == {str(two_sites["a"].pk), str(two_sites["b"].pk)}
    row = listed[0]
    assert row["status"] == "issued" and row["voucher_code"]
    assert "hotspot" not in row and "account" not in row  # no device data, no account
    scoped = make_user(Role.FINANCE)
    scoped.site_scope.set([two_sites["site_a"]])
    seen = _api(scoped).get("/api/v1/payments/").json()["results"]
    assert [r["id"] for r in seen] == [str(two_sites["a"].pk)]
    assert _api(scoped).get(f"/api/v1/payments/{two_sites['b'].pk}/").status_code == 404
    assert _api(users[Role.AGENT]).get("/api/v1/payments/").status_code == 403
    assert _api(users[Role.MARKETING]).get("/api/v1/payments/").status_code == 403

    url = f"/api/v1/payments/{two_sites['a'].pk}/refund/"
    assert _api(finance).post(url, {"reason": ""}, format="json").status_code == 400
    answer = _api(finance).post(url, {"reason": "double purchase"}, format="json")
    assert answer.status_code == 201 and answer.json()["state"] == "done"
    again = _api(finance).post(url, {"reason": "double purchase"}, format="json")
    assert again.status_code == 400 and "Only a paid payment" in str(again.json())
    assert len(wave.state.refunds) == 1
    detail = _api(finance).get(f"/api/v1/payments/{two_sites['a'].pk}/").json()
    assert detail["status"] == "refunded" and [r["state"] for r in detail["refunds"]] == ["done"]
    filtered = _api(finance).get("/api/v1/payments/?status=refunded").json()["results"]
    assert [r["id"] for r in filtered] == [str(two_sites["a"].pk)]
    # Technical may not see nor refund payments: 403, nothing refunded
    other = _api(users[Role.TECHNICAL]).post(
        f"/api/v1/payments/{two_sites['b'].pk}/refund/", {"reason": "r"}, format="json"
    )
    assert other.status_code == 403 and len(wave.state.refunds) == 1


@pytest.mark.django_db
def test_reconciliation_runs_on_demand_and_scoped_users_see_their_differences(
    two_sites, wave, users, make_user
):
    finance = users[Role.FINANCE]
    # Wave's record changes under us for both payments: two differences
    for payment in (two_sites["a"], two_sites["b"]):
        wave.state.sessions[payment.provider_session_id]["amount"] = "400"
    account = two_sites["a"].account
    day = timezone.localdate().isoformat()
    made = _api(finance).post(
        "/api/v1/payment-reconciliations/", {"account": str(account.pk), "day": day}, format="json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["checked"] == 2 and len(made.json()["differences"]) == 2
    future = _api(finance).post(
        "/api/v1/payment-reconciliations/",
        {"account": str(account.pk), "day": "2999-01-01"},
        format="json",
    )
    assert future.status_code == 400
    scoped = make_user(Role.FINANCE)
    scoped.site_scope.set([two_sites["site_a"]])
    [report] = _api(scoped).get("/api/v1/payment-reconciliations/").json()["results"]
    assert [d["payment"] for d in report["differences"]] == [str(two_sites["a"].pk)]
    assert _api(users[Role.AGENT]).get("/api/v1/payment-reconciliations/").status_code == 403
    assert (
        _api(users[Role.TECHNICAL])
        .post(
            "/api/v1/payment-reconciliations/",
            {"account": str(account.pk), "day": day},
            format="json",
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_the_pages_list_show_refund_and_reconcile(client, two_sites, wave, users):
    client.force_login(users[Role.FINANCE])
    listing = client.get("/payments/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert str(two_sites["a"].pk) in body and str(two_sites["b"].pk) in body
    only_a = client.get("/payments/", {"site": str(two_sites["site_a"].pk)}).content.decode()
    assert str(two_sites["a"].pk) in only_a and str(two_sites["b"].pk) not in only_a
    detail = client.get(f"/payments/{two_sites['a'].pk}/")
    assert detail.status_code == 200 and b'id="refund-form"' in detail.content
    refunded = client.post(f"/payments/{two_sites['a'].pk}/refund/", {"reason": "asked"})
    assert refunded.status_code == 302
    two_sites["a"].refresh_from_db()
    assert two_sites["a"].status == "refunded" and len(wave.state.refunds) == 1
    after = client.get(f"/payments/{two_sites['a'].pk}/").content.decode()
    assert 'data-state="done"' in after and 'id="refund-form"' not in after
    run = client.post(
        "/payments/reconciliations/",
        {"account": str(two_sites["a"].account_id), "day": timezone.localdate().isoformat()},
    )
    assert run.status_code == 302
    page = client.get("/payments/reconciliations/").content.decode()
    assert "No reconciliation yet" not in page and 'id="reconcile-form"' in page
    client.force_login(users[Role.AGENT])
    assert client.get("/payments/").status_code == 403
    assert client.post(f"/payments/{two_sites['b'].pk}/refund/", {"reason": "x"}).status_code == 403
    two_sites["b"].refresh_from_db()
    assert two_sites["b"].status == "issued"


@pytest.mark.django_db
def test_the_schema_describes_the_payments_api(client, users, capsys):
    client.force_login(users[Role.SUPER_ADMIN])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "Payment" not in capsys.readouterr().err  # no enum naming collision of ours
    paths = schema["paths"]
    assert "/api/v1/payments/" in paths and "/api/v1/payments/{id}/refund/" in paths
    assert "post" in paths["/api/v1/payment-reconciliations/"]
    assert "reason" in str(schema["components"]["schemas"].get("PaymentRefundInputRequest", {}))
