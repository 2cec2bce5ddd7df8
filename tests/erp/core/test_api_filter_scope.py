"""The API's filters by a record accept only the records the user sees (issue 23), as the UI's
list filters offer only those: filtering by a site or router the user may not see is answered
exactly like filtering by one that does not exist (400, the same body), so the answer never
tells that it exists; the user's own sites filter as before, and a user who sees every site
may filter by any."""

from __future__ import annotations

import uuid

import pytest

from erp.accounts.roles import Role

pytestmark = pytest.mark.django_db

# (role, list, filter, what the filter names): lists whose filterset_fields name a site or router
LISTS = (
    (Role.TECHNICAL, "/api/v1/routers/", "site", "site"),
    (Role.TECHNICAL, "/api/v1/assets/", "site", "site"),
    (Role.TECHNICAL, "/api/v1/assets/", "router", "router"),
    (Role.TECHNICAL, "/api/v1/downtimes/", "router", "router"),
    (Role.TECHNICAL, "/api/v1/asset-movements/", "to_site", "site"),
    (Role.FINANCE, "/api/v1/expenses/", "site", "site"),
    (Role.FINANCE, "/api/v1/sales/", "site", "site"),
    (Role.MARKETING, "/api/v1/clients/", "site", "site"),
    (Role.SALES, "/api/v1/vouchers/", "site", "site"),
)


@pytest.fixture
def world(make_site, make_router):
    mine, other = make_site(name="Kariakoo", code="KKO"), make_site(name="Arusha", code="ARU")
    return {
        "mine": {"site": mine, "router": make_router(site=mine, name="kko-hap")},
        "other": {"site": other, "router": make_router(site=other, name="aru-hap")},
    }


@pytest.mark.parametrize(("role", "url", "name", "kind"), LISTS)
def test_a_record_the_user_may_not_see_is_answered_as_one_that_does_not_exist(
    api, make_user, users, world, role, url, name, kind
):
    scoped = make_user(role)
    scoped.site_scope.set([world["mine"]["site"]])
    as_scoped = api(scoped)

    hidden = as_scoped.get(url, {name: str(world["other"][kind].pk)})
    missing = as_scoped.get(url, {name: str(uuid.uuid4())})
    assert missing.status_code == 400, missing.content
    assert hidden.status_code == 400, hidden.content
    assert hidden.json() == missing.json()
    assert list(hidden.json()) == [name]

    own = as_scoped.get(url, {name: str(world["mine"][kind].pk)})
    assert own.status_code == 200, own.content

    # the Super Admin sees every site: both filter, neither is refused
    as_admin = api(users[Role.SUPER_ADMIN])
    for place in ("mine", "other"):
        assert as_admin.get(url, {name: str(world[place][kind].pk)}).status_code == 200


def test_an_agent_filtering_by_another_sites_router_learns_nothing(
    api, make_user, world, make_agent_stock
):
    """An agent works at Kariakoo: Arusha's router is refused as a made-up one would be."""
    stock = make_agent_stock(router=world["mine"]["router"])
    as_agent = api(stock["agent"])
    url = "/api/v1/vouchers/"
    hidden = as_agent.get(url, {"site": str(world["other"]["site"].pk)})
    missing = as_agent.get(url, {"site": str(uuid.uuid4())})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    own = as_agent.get(url, {"site": str(world["mine"]["site"].pk)})
    assert own.status_code == 200 and len(own.json()["results"]) == 5
