"""Issue 21: pages tell the time of the sites their reader works on."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from erp.accounts.roles import Role
from erp.sites.middleware import SiteTimeZoneMiddleware

pytestmark = pytest.mark.django_db


def _zone_seen_by(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    seen = {}

    def view(_request):
        seen["zone"] = timezone.get_current_timezone_name()
        return None

    SiteTimeZoneMiddleware(view)(request)
    return seen["zone"]


def test_an_agent_reads_the_time_of_their_site_head_office_the_installations(
    users, make_site, settings
):
    cache.clear()
    agent, admin = users[Role.AGENT], users[Role.SUPER_ADMIN]
    make_site(time_zone="Africa/Dar_es_Salaam")
    dakar = make_site(time_zone="Africa/Dakar")
    dakar.agents.add(agent)
    assert _zone_seen_by(agent) == "Africa/Dakar"
    # sites in two zones: the installation's
    assert _zone_seen_by(admin) == settings.TIME_ZONE == "Africa/Dar_es_Salaam"
    # outside the request, the installation's again
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
