"""A site's page shows its operation: routers with their status, agents, today's and this
month's sales, users online, uptime and open faults — each figure the selectors' for that site,
as far as the user may see it, never another site's, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import rollups
from analytics.filters import Filters
from analytics.network import active_users_now
from erp.accounts.roles import Role
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Downtime, Fault
from erp.maintenance.selectors import uptime_by_site
from erp.mikrotik.choices import RouterEventKind
from erp.mikrotik.models import RouterEvent, RouterSample
from erp.sales.models import Sale
from erp.sites.operation import site_operation
from tests.workday import build_workday, local, noon_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(users, make_user, make_site, make_router, make_client):
    world = build_workday(
        users=users,
        make_user=make_user,
        make_site=make_site,
        make_router=make_router,
        make_client=make_client,
        now=noon_today(),
    )
    rollups.refresh()
    router_a, router_b = world["routers"]
    now = world["now"]
    # the usage poll counted 5 sessions at A 4 minutes ago, and 2 at B an hour ago (too old);
    # the health check of a minute ago counts nothing: it must not hide the 5
    RouterSample.objects.create(
        router=router_a, taken_at=now - dt.timedelta(minutes=4), active_users=5
    )
    RouterSample.objects.create(
        router=router_a, taken_at=now - dt.timedelta(minutes=1), uptime_seconds=99
    )
    RouterSample.objects.create(
        router=router_b, taken_at=now - dt.timedelta(hours=1), active_users=2
    )
    # Mbezi's router went down at 10:00 (the workday sets its status, not its downtime)
    Downtime.objects.filter(router=router_b).update(started_at=now - dt.timedelta(hours=2))
    return world


def _sales(site, start, end, seller=None):
    sales = Sale.objects.filter(site=site, sold_at__gte=start, sold_at__lt=end)
    if seller is not None:
        sales = sales.filter(seller=seller)
    row = sales.aggregate(count=Count("pk"), amount=Sum("amount"))
    return {"count": row["count"], "amount": Decimal(row["amount"] or 0).quantize(Decimal("0.01"))}


def test_the_figures_are_the_selectors_for_that_site(day, users):
    """Given the working day, when Super Admin reads Kariakoo's and Mbezi's operation, then
    each figure equals what the database holds for that site alone and what the analytics
    layer says for it (users online: the last count, not the empty health sample)."""
    admin, agent = users[Role.SUPER_ADMIN], users[Role.AGENT]
    now = day["now"]
    site_a, site_b = day["sites"]
    router_a, router_b = day["routers"]
    today = timezone.localdate(now)
    midnight, month = local(today, 0), local(today.replace(day=1), 0)

    for site, router, online in ((site_a, router_a, 5), (site_b, router_b, None)):
        op = site_operation(admin, site, now=now)
        assert op["today"] == _sales(site, midnight, now)
        assert op["month"] == _sales(site, month, now)
        assert [r["router"] for r in op["routers"]] == [router]
        assert op["users_online"] == online
        assert active_users_now(
            Filters(today, today + dt.timedelta(days=1), sites=(site.pk,)), now=now
        ) == (online or 0)
        expected_uptime = uptime_by_site(
            start=now - dt.timedelta(days=30), end=now, sites=[site], now=now
        )
        assert op["uptime"] == expected_uptime[site.pk]
        open_faults = Fault.objects.filter(site=site).exclude(status=FaultStatus.CLOSED)
        assert op["open_faults"]["count"] == open_faults.count()
        assert {f.pk for f in op["open_faults"]["faults"]} == set(
            open_faults.values_list("pk", flat=True)
        )
        agents = {row["agent"]: (row["count"], row["amount"]) for row in op["agents"]}
        assert set(agents) == set(site.agents.all())
        for who, (count, amount) in agents.items():
            assert {"count": count, "amount": amount} == _sales(site, month, now, seller=who)

    # Mbezi: router down since 10:00, two faults open at Kariakoo, one (the router's) at Mbezi
    op_b = site_operation(admin, site_b, now=now)
    assert op_b["routers"][0]["router"].status == "down"
    assert op_b["uptime"]["down_seconds"] == 2 * 3600
    assert op_b["open_faults"]["count"] == 1
    assert site_operation(admin, site_a, now=now)["open_faults"]["count"] == 2
    # the agent's all-sites figures never leak into one site's: 1 sale today at A, none at B
    assert site_operation(agent, site_a, now=now)["today"]["count"] == 1
    assert site_operation(agent, site_b, now=now)["today"]["count"] == 0


def test_an_agent_sees_only_the_agents_own_row_and_sales(day, users):
    """agent and agent2 both work at Mbezi: each sees only their own sales and row there."""
    now = day["now"]
    site_b = day["sites"][1]
    agent, agent2 = users[Role.AGENT], day["agent2"]
    month = local(timezone.localdate(now).replace(day=1), 0)

    mine = site_operation(agent2, site_b, now=now)
    assert [row["agent"] for row in mine["agents"]] == [agent2]
    assert mine["month"] == _sales(site_b, month, now, seller=agent2)
    assert mine["today"]["count"] == 1  # agent2's own sale at 11:30
    theirs = site_operation(agent, site_b, now=now)
    assert [row["agent"] for row in theirs["agents"]] == [agent]
    assert theirs["today"]["count"] == 0


def _page(client, user, site):
    client.force_login(user)
    response = client.get(f"/network/site/{site.pk}/detail/")
    return response


def test_the_page_shows_that_site_and_never_another(client, day, users):
    """Kariakoo's page names its router, its faults and its figures; Mbezi's router, fault and
    agent2 (who works only at Mbezi) never appear on it."""
    site_a, site_b = day["sites"]
    # the page reads the clock: the samples move to the same distance from it
    RouterSample.objects.update(taken_at=F("taken_at") + (timezone.now() - day["now"]))
    response = _page(client, users[Role.SUPER_ADMIN], site_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert "kko-hap" in html and "mbz-hap" not in html
    assert "Mast down" in html and "AP reboots" in html
    assert "timeout" not in html  # the router-down fault at Mbezi
    assert "agent_two" not in html
    online = re.search(r'id="site-users-online".*?<a [^>]*>(.*?)</a>', html, re.S).group(1)
    assert online.strip() == "5"
    faults = re.search(r'id="site-open-faults".*?<a href="([^"]*)">(\d+)</a>', html, re.S)
    assert faults.group(2) == "2"
    assert f"site={site_a.pk}" in faults.group(1)


def test_roles_that_may_not_see_the_site_get_404(client, day, users):
    """agent2 works only at Mbezi: Kariakoo's page is a 404; Mbezi's answers."""
    site_a, site_b = day["sites"]
    assert _page(client, day["agent2"], site_a).status_code == 404
    assert _page(client, day["agent2"], site_b).status_code == 200


@pytest.mark.parametrize("role", [Role.SUPER_ADMIN, Role.FINANCE, Role.TECHNICAL, Role.AGENT])
def test_every_role_that_sees_sites_gets_the_page(client, day, users, role):
    if not users[role].has_perm("sites.view_site"):
        pytest.skip(f"{role} does not see sites")
    response = _page(client, users[role], day["sites"][0])
    assert response.status_code == 200
    assert 'id="site-routers"' in response.content.decode()


def test_the_links_open_the_same_figures(client, day, users):
    """The drill-downs: the sales list filtered like the month's figure lists as many sales;
    the faults list filtered to the site's open faults lists those faults."""
    admin = users[Role.SUPER_ADMIN]
    now = day["now"]
    site_a, site_b = day["sites"]
    client.force_login(admin)
    op = site_operation(admin, site_b, now=now)
    html = _page(client, admin, site_b).content.decode()
    link = re.search(r'id="site-revenue-month".*?href="([^"]*)"', html, re.S).group(1)
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200
    shown = {sale.pk for sale in listed.context["object_list"]}
    expected = set(
        Sale.objects.filter(site=site_b, sold_at__gte=local(op["month_start"], 0)).values_list(
            "pk", flat=True
        )
    )
    assert expected and shown == expected and len(shown) == op["month"]["count"]

    faults = client.get(f"/faults/flows/?site={site_a.pk}&open=1")
    assert faults.status_code == 200
    listed = {p.data.get("fault_id") for p in faults.context["object_list"]}
    expected = {str(f.pk) for f in op_a_faults(site_a)}
    assert expected and listed == expected


def op_a_faults(site):
    return Fault.objects.filter(site=site).exclude(status=FaultStatus.CLOSED)


def _queries(client, user, site) -> int:
    client.force_login(user)
    client.get(f"/network/site/{site.pk}/detail/")  # warm: the reader's time zone is cached
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/network/site/{site.pk}/detail/").status_code == 200
    return len(ctx)


def test_the_page_stays_within_its_query_budget(client, day, users, make_router, make_user):
    """The page's queries do not grow with routers, agents or sales."""
    admin = users[Role.SUPER_ADMIN]
    site_a = day["sites"][0]
    before = _queries(client, admin, site_a)
    for i in range(5):
        make_router(site=site_a, name=f"extra-{i}")
        site_a.agents.add(make_user(Role.AGENT, f"extra_agent_{i}"))
    after = _queries(client, admin, site_a)
    assert after == before, (before, after)
    assert after <= 40, after


def test_a_downtime_links_to_the_fault_it_opened(client, day, users):
    """Given Mbezi's router down since 10:00 (monitoring opened its fault and downtime), when
    Super Admin opens Mbezi's page, then the downtime row names the router and links to that
    fault, and the link opens the fault's process page."""
    admin = users[Role.SUPER_ADMIN]
    site_b = day["sites"][1]
    monitoring = day["faults"]["monitoring"]
    html = _page(client, admin, site_b).content.decode()
    row = re.search(r'id="site-downtimes".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert "mbz-hap" in row and "still down" in row
    link = re.search(r'<a href="([^"]*)"[^>]*>(F-\d{5})</a>', row)
    assert link.group(2) == monitoring.reference
    opened = client.get(link.group(1))
    assert opened.status_code == 302
    page = client.get(opened["Location"])
    assert page.status_code == 200
    assert page.context["process"].data["fault_id"] == str(monitoring.pk)


def test_a_fault_link_reveals_nothing_to_who_may_not_see_the_fault(client, day, users):
    """agent2 works only at Mbezi: Kariakoo's fault is a 404 for them, as a fault that does
    not exist; Mbezi's opens. Anonymous visitors go to the login page."""
    late = day["faults"]["late"]  # at Kariakoo
    monitoring = day["faults"]["monitoring"]  # at Mbezi
    assert client.get(f"/faults/fault/{late.pk}/").status_code == 302
    assert "/accounts/login/" in client.get(f"/faults/fault/{late.pk}/")["Location"]
    client.force_login(day["agent2"])
    assert client.get(f"/faults/fault/{late.pk}/").status_code == 404
    assert client.get(f"/faults/fault/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/faults/fault/{monitoring.pk}/").status_code == 302


def test_the_router_page_links_its_down_event_to_the_fault(client, day, users):
    """Given Mbezi's router went down (its down event, downtime and fault from monitoring),
    when Super Admin opens the router's page, then the down event links to that fault."""
    router_b = day["routers"][1]
    monitoring = day["faults"]["monitoring"]
    event = RouterEvent.objects.get(router=router_b, kind=RouterEventKind.DOWN)
    Downtime.objects.filter(router=router_b).update(started_at=event.at)  # as monitoring left it
    client.force_login(users[Role.SUPER_ADMIN])
    html = client.get(f"/network/router/{router_b.pk}/detail/").content.decode()
    events = re.search(r'id="router-events".*?</table>', html, re.S).group(0)
    assert f'href="/faults/fault/{monitoring.pk}/"' in events
    assert f"Fault {monitoring.reference}" in events
