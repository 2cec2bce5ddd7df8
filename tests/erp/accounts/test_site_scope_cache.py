"""A user's site scope is read once per user object (the request's user) and forgotten as soon
as it changes, so a selector never answers with yesterday's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.accounts.roles import Role
from erp.sites.selectors import sites_visible_to


@pytest.mark.django_db
def test_the_scope_is_read_once_and_a_change_is_seen_at_once(make_user, make_site):
    user = make_user(Role.FINANCE)
    kariakoo, mwenge = make_site(), make_site()
    assert set(sites_visible_to(user)) == {kariakoo, mwenge}
    with CaptureQueriesContext(connection) as queries:
        sites_visible_to(user).count()
    assert not any("site_scope" in q["sql"] for q in queries.captured_queries)

    user.site_scope.set([kariakoo])
    assert list(sites_visible_to(user)) == [kariakoo]
    user.site_scope.clear()
    assert set(sites_visible_to(user)) == {kariakoo, mwenge}
