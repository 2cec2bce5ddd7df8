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
