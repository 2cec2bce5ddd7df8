"""The POS sells from the site the agent is at (issue 14 item 3): an agent with stock at two
sites picks the site (remembered), sees and sells only that site's stock, and the client is
filed under it; an agent at one site never sees the choice; the API takes the site too."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sales import selectors, services
from erp.sales.models import Sale
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.conftest import put_on_router


@pytest.fixture
def two_sites(make_router, make_site, users, admin_user):
    """The agent holds 1 Hour vouchers at Kariakoo and at Arusha, on their routers."""
    agent = users[Role.AGENT]
    kariakoo, arusha = make_site(name="Kariakoo"), make_site(name="Arusha")
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Hour",
        price=Decimal("500"),
        validity_seconds=3600,
        sites=[kariakoo, arusha],
    )
    codes = {}
    for site, quantity in ((kariakoo, 3), (arusha, 2)):
        site.agents.add(agent)
        router = make_router(site=site)
        batch = voucher_services.request_batch(
            actor=None,
            package=package,
            router=router,
            quantity=quantity,
            preapproved=True,
            agent=agent,
        )
        voucher_services.generate_batch(batch)
        put_on_router(batch)
        codes[site.name] = list(Voucher.objects.filter(batch=batch).values_list("code", flat=True))
    return {
        "agent": agent,
        "kariakoo": kariakoo,
        "arusha": arusha,
        "package": package,
        "codes": codes,
    }


def _text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_the_agent_picks_the_site_and_sells_its_stock_with_the_client_filed_there(
    two_sites, client
):
    agent, kariakoo, arusha = two_sites["agent"], two_sites["kariakoo"], two_sites["arusha"]
    client.force_login(agent)
    page = _text(client.get("/pos/"))
    assert "Which site are you selling at?" in page and 'name="package"' not in page

    client.get(f"/pos/?site={arusha.pk}")
    page = _text(client.get("/pos/"))  # remembered
    assert "Selling at <b>Arusha</b>" in page and "2 left" in page and "3 left" not in page
    form = client.get("/pos/").context
    response = client.post(
        "/pos/",
        {
            "idempotency_key": str(form["idempotency_key"]),
            "package": str(two_sites["package"].pk),
            "payment_method": "cash",
            "client_phone": "0754000111",
            "site": str(form["pos_site"].pk),
        },
    )
    assert response.status_code == 302 and "/receipt" in response.url
    sale = Sale.objects.get()
    assert sale.site_id == arusha.pk and sale.voucher.code in two_sites["codes"]["Arusha"]
    assert Client.objects.get().site_id == arusha.pk

    client.get("/pos/?site=")  # change site
    assert "Which site are you selling at?" in _text(client.get("/pos/"))
    client.get(f"/pos/?site={kariakoo.pk}")
    assert "3 left" in _text(client.get("/pos/"))


@pytest.mark.django_db
def test_an_agent_at_one_site_never_sees_the_choice(two_sites, client):
    agent = two_sites["agent"]
    Voucher.objects.filter(site=two_sites["arusha"]).update(status="void")
    client.force_login(agent)
    page = _text(client.get("/pos/"))
    assert "Which site" not in page and "Selling at" not in page and "3 left" in page


@pytest.mark.django_db
def test_the_service_refuses_a_guess_and_another_sites_code(two_sites):
    agent, package = two_sites["agent"], two_sites["package"]

    def sell(**kw):
        return services.sell_to_phone(
            seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", **kw
        )

    with pytest.raises(ValidationError) as no_site:
        sell(package=package, phone="+255754000222")
    assert "more than one site" in str(no_site.value) and not Client.objects.exists()
    arusha_code = two_sites["codes"]["Arusha"][0]
    with pytest.raises(ValidationError) as elsewhere:
        sell(code=arusha_code, site_id=two_sites["kariakoo"].pk, phone="+255754000222")
    assert "is for Arusha" in str(elsewhere.value)
    assert not Sale.objects.exists() and not Client.objects.exists()

    sale, _ = sell(package=package, site_id=two_sites["kariakoo"].pk, phone="+255754000333")
    assert sale.site_id == two_sites["kariakoo"].pk
    assert Client.objects.get().site_id == two_sites["kariakoo"].pk
    assert [r["count"] for r in selectors.sellable_stock(agent, two_sites["kariakoo"].pk)] == [2]


@pytest.mark.django_db
def test_the_api_sells_at_the_site_given(two_sites, api):
    agent, arusha = two_sites["agent"], two_sites["arusha"]
    body = {"package": str(two_sites["package"].pk), "payment_method": "cash"}
    guess = api(agent).post(
        "/api/v1/sales/", body, format="json", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert guess.status_code == 400 and "site" in guess.json()
    sold = api(agent).post(
        "/api/v1/sales/",
        {**body, "site": str(arusha.pk), "client_phone": "0754000444"},
        format="json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert sold.status_code == 201, sold.content
    assert sold.json()["site"] == str(arusha.pk)
    assert Client.objects.get().site_id == arusha.pk
