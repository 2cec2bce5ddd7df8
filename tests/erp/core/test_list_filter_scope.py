"""A list's filters offer only what its user sees (issue 23): a user scoped to some sites is
offered those sites in every list's site filter, not the whole network;
a user who sees every site is offered every site."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role

pytestmark = pytest.mark.django_db

# (role, list page, filter): the lists whose filters come from list_filter_fields
LISTS = (
    (Role.TECHNICAL, "/network/router/", "site"),
    (Role.TECHNICAL, "/assets/asset/", "site"),
    (Role.TECHNICAL, "/assets/assetmovement/", "to_site"),
    (Role.FINANCE, "/finance/expense/", "site"),
    (Role.SALES, "/finance/sale/", "site"),
)


def _options(answer, name: str) -> set[str]:
    """The choices the list's filter ``name`` offers (the empty choice left out)."""
    field = answer.context["view"].filterset.form.fields[name]
    return {str(label) for value, label in field.choices if value}


@pytest.mark.parametrize(("role", "url", "field"), LISTS)
def test_a_scoped_user_is_offered_only_their_sites(
    client, make_user, make_site, users, role, url, field
):
    mine = [make_site(name="Kariakoo", code="KKO"), make_site(name="Mwenge", code="MWG")]
    other = make_site(name="Arusha Clock", code="ARU")
    scoped = make_user(role)
    scoped.site_scope.set(mine)
    client.force_login(scoped)
    answer = client.get(url)
    assert answer.status_code == 200
    offered = _options(answer, field)
    assert offered == {str(site) for site in mine}, offered
    assert str(other) not in offered

    # the Super Admin sees every site, and is offered all of them
    client.force_login(users[Role.SUPER_ADMIN])
    offered = _options(client.get(url), field)
    assert {str(site) for site in [*mine, other]} <= offered


def _seller_options(answer) -> list[str]:
    """The sellers the sales list's filter renders (the choices its widget draws)."""
    widget = answer.context["view"].filterset.form.fields["seller"].widget
    return [str(value) for value, _label in widget.choices if value]


def test_the_sales_list_offers_a_short_seller_list(
    client, make_user, make_site, users, monkeypatch
):
    """Given more sellers than the list offers (3 here, 200 in production: 5,000 agents made
    the page 1.8 MB), when Super Admin opens the sales list, then no seller is drawn and a
    hint says to pick a site; with a site chosen, its agents are offered; a drill-down's
    seller stays chosen and still filters."""
    from erp.sales import viewsets

    monkeypatch.setattr(viewsets, "SELLERS_OFFERED", 3)
    kariakoo, mbezi = make_site(name="Kariakoo", code="KKO"), make_site(name="Mbezi", code="MBZ")
    agents = [make_user(Role.AGENT, f"seller_{i}") for i in range(4)]
    kariakoo.agents.add(*agents[:2])
    mbezi.agents.add(*agents[2:])
    client.force_login(users[Role.SUPER_ADMIN])

    everything = client.get("/finance/sale/")
    assert everything.status_code == 200 and _seller_options(everything) == []
    assert "Choose a site to pick one of its sellers." in everything.content.decode()
    at_site = client.get("/finance/sale/", {"site": str(kariakoo.pk)})
    assert set(_seller_options(at_site)) == {str(a.pk) for a in agents[:2]}
    chosen = client.get("/finance/sale/", {"seller": str(agents[3].pk)})
    assert chosen.status_code == 200 and _seller_options(chosen) == [str(agents[3].pk)]
    assert chosen.context["view"].filterset.is_valid()
