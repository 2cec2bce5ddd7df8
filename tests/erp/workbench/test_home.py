"""The home page is each role's workbench: figures limited to what the user may see, a link to
where the work is done, a fixed number of queries whatever the data, on any date and hour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import rollups
from analytics.agents import overdue_remittances
from erp.accounts.roles import Role
from erp.core import events
from erp.sales.models import Remittance
from erp.workbench.selectors import tiles_for, workbench
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
    rollups.refresh()  # the overdue remittances read the balances from the rollups
    return world


def tiles(user, now) -> dict:
    return {tile.pop("key"): tile for tile in workbench(user, now=now)}


def money(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# --- each role's figures ---------------------------------------------------------------------
def test_agent_sees_own_sales_stock_and_balance(day, users):
    """Given the day, when the agent opens the home page, then the tiles are today's own sales,
    the stock left per site and package, and the balance owed — nobody else's."""
    got = tiles(users[Role.AGENT], day["now"])

    assert list(got) == ["sales-today", "stock", "balance-owed"]
    sales = got["sales-today"]
    assert (sales["own"], sales["count"], sales["amount"]) == (True, 1, money("1000"))
    assert [(m["method"], m["count"], m["amount"]) for m in sales["by_method"]] == [
        ("cash", 1, money("1000"))
    ]
    stock = got["stock"]
    assert stock["own"] and stock["per_site"] and stock["total"] == 8
    assert [(r["site"], r["package"], r["count"]) for r in stock["rows"]] == [
        ("Kariakoo", "Day", 7),
        ("Mbezi", "Day", 1),
    ]
    assert got["balance-owed"]["amount"] == money("3600")


def test_an_agent_never_sees_another_agents_sales_or_stock(day):
    """Given agent2 sells at Mbezi, where the first agent also works, then agent2's tiles hold
    only agent2's sale, stock and balance (and the first agent's hold none of agent2's)."""
    got = tiles(day["agent2"], day["now"])

    assert (got["sales-today"]["count"], got["sales-today"]["amount"]) == (1, money("1000"))
    assert [m["method"] for m in got["sales-today"]["by_method"]] == ["mobile"]
    assert [(r["site"], r["count"]) for r in got["stock"]["rows"]] == [("Mbezi", 9)]
    assert got["stock"]["per_site"] is False
    assert got["balance-owed"]["amount"] == money("400")
    assert overdue_remittances(day["agent2"], now=day["now"], days=7) is None


def test_finance_sees_takings_approvals_and_overdue_remittances(day, users):
    got = tiles(users[Role.FINANCE], day["now"])

    assert list(got) == [
        "sales-today",
        "expenses-to-approve",
        "batches-to-approve",
        "remittances-overdue",
    ]
    takings = got["sales-today"]
    assert (takings["own"], takings["count"], takings["amount"]) == (False, 2, money("2000"))
    assert [(m["method"], m["count"], m["amount"]) for m in takings["by_method"]] == [
        ("cash", 1, money("1000")),
        ("mobile", 1, money("1000")),
    ]
    assert got["expenses-to-approve"] == {"count": 1, "amount": money("250000")}
    assert got["batches-to-approve"] == {"count": 1}
    overdue = got["remittances-overdue"]
    assert (overdue["count"], overdue["total"], overdue["days"]) == (1, money("3600"), 7)
    assert [(r["agent"], r["owed"], r["last_remitted"]) for r in overdue["agents"]] == [
        (users[Role.AGENT], money("3600"), None)
    ]


def test_overdue_remittances_follow_the_days_setting(day, users, settings):
    """Given agent2 last remitted 5 days ago, then agent2 is overdue at 4 days and not at 7;
    and once that remittance is 8 days old, overdue at 7 days too (the most owed first)."""
    finance_user, agent, agent2 = users[Role.FINANCE], users[Role.AGENT], day["agent2"]
    settings.REMITTANCE_OVERDUE_DAYS = 4
    overdue = tiles(finance_user, day["now"])["remittances-overdue"]
    assert [(r["agent"], r["owed"]) for r in overdue["agents"]] == [
        (agent, money("3600")),
        (agent2, money("400")),
    ]
    assert (overdue["count"], overdue["total"], overdue["days"]) == (2, money("4000"), 4)

    settings.REMITTANCE_OVERDUE_DAYS = 7
    assert tiles(finance_user, day["now"])["remittances-overdue"]["count"] == 1
    Remittance.objects.filter(agent=agent2).update(received_at=day["now"] - dt.timedelta(days=8))
    overdue = tiles(finance_user, day["now"])["remittances-overdue"]
    assert overdue["count"] == 2
    assert overdue["agents"][1]["last_remitted"] == day["now"] - dt.timedelta(days=8)


def test_an_agent_who_owes_nothing_is_never_overdue(day, users):
    """Given the first agent remits all 3,600 (then the rollups catch up), no agent is overdue:
    agent2 remitted 5 days ago."""
    from erp.sales import services as sales

    sales.record_remittance(
        actor=users[Role.FINANCE], agent=users[Role.AGENT], amount=Decimal("3600"), method="cash"
    )
    Remittance.objects.filter(agent=users[Role.AGENT]).update(
        received_at=day["now"] - dt.timedelta(days=30)
    )
    rollups.refresh()
    overdue = tiles(users[Role.FINANCE], day["now"])["remittances-overdue"]
    assert (overdue["count"], overdue["total"], overdue["agents"]) == (0, money("0"), [])


def test_technician_sees_own_faults_the_queue_and_routers_down(day, users):
    got = tiles(users[Role.TECHNICAL], day["now"])

    assert list(got) == ["faults-to-repair", "fault-queue", "routers-down"]
    mine = got["faults-to-repair"]
    assert (mine["count"], mine["overdue"], mine["escalated"]) == (2, 1, 1)
    assert mine["faults"] == [day["faults"]["late"], day["faults"]["in_time"]]
    assert got["fault-queue"] == {"count": 1, "overdue": 1, "escalated": 0}
    down = got["routers-down"]
    assert down["count"] == 1 and down["routers"] == [day["routers"][1]]
    assert down["routers"][0].status_changed_at == local(timezone.localdate(day["now"]), 10)


def test_marketing_sees_clients_whose_access_ends_within_seven_days(day, users):
    got = tiles(users[Role.MARKETING], day["now"])

    assert got == {"access-ending": {"count": 2, "consent": 1, "days": 7}}


def test_sales_sees_batches_office_stock_and_todays_sales(day, users):
    got = tiles(users[Role.SALES], day["now"])

    assert list(got) == ["batches-in-progress", "stock", "sales-today"]
    assert got["batches-in-progress"] == {"waiting": 1, "in_progress": 1, "failed": 0}
    stock = got["stock"]
    assert not stock["own"] and not stock["per_site"] and stock["total"] == 7
    assert [(r["site"], r["package"], r["count"]) for r in stock["rows"]] == [
        (None, "Day", 3),
        (None, "Hour", 4),
    ]
    assert (got["sales-today"]["count"], got["sales-today"]["amount"]) == (2, money("2000"))


def test_super_admin_sees_the_day_in_one_look(day, users):
    """Today up to noon: 2 sales (2,000); the same weekday a week ago up to noon: 1 sale
    (1,000; the one at 13:00 is after the time of day) — +100 %."""
    got = tiles(users[Role.SUPER_ADMIN], day["now"])

    assert list(got) == [
        "revenue-today",
        "routers-down",
        "faults-past-sla",
        "batches-to-approve",
        "expenses-to-approve",
    ]
    revenue = got["revenue-today"]
    today = timezone.localdate(day["now"])
    assert (revenue["count"], revenue["amount"]) == (2, money("2000"))
    assert (revenue["last_week_count"], revenue["last_week_amount"]) == (1, money("1000"))
    assert revenue["change_percent"] == Decimal("100.0")
    assert revenue["last_week_day"] == today - dt.timedelta(days=7)
    assert revenue["until"] == dt.time(12, 0)
    assert got["routers-down"]["count"] == 1
    assert got["faults-past-sla"] == {"count": 2, "escalated": 1}
    assert got["batches-to-approve"] == {"count": 1}
    assert got["expenses-to-approve"] == {"count": 1, "amount": money("250000")}


def test_revenue_change_is_negative_and_absent_without_last_week(day, users):
    """At 10:30 nothing was sold yet today (the sales are at 11:00 and 11:30): −100 % against
    last week's 10:00 sale; at 09:00 neither day had sold anything: no percentage."""
    today = timezone.localdate(day["now"])
    admin = users[Role.SUPER_ADMIN]

    early = tiles(admin, local(today, 10, 30))["revenue-today"]
    assert (early["count"], early["amount"]) == (0, money("0"))
    assert (early["last_week_count"], early["last_week_amount"]) == (1, money("1000"))
    assert early["change_percent"] == Decimal("-100.0")
    earlier = tiles(admin, local(today, 9))["revenue-today"]
    assert (earlier["amount"], earlier["last_week_amount"]) == (money("0"), money("0"))
    assert earlier["change_percent"] is None


# --- site scope and several roles ------------------------------------------------------------
def test_a_site_scoped_user_sees_only_their_sites(day, make_user):
    """Scoped to Kariakoo: the sale, office stock and batches of Kariakoo only; the router down
    and the fault in the queue are at Mbezi, so none; the client ending soon at Mbezi neither."""
    kariakoo, mbezi = day["sites"]
    sales_a = make_user(Role.SALES, "sales_kko", site_scope=[kariakoo])
    got = tiles(sales_a, day["now"])
    assert (got["sales-today"]["count"], got["sales-today"]["amount"]) == (1, money("1000"))
    assert [(r["package"], r["count"]) for r in got["stock"]["rows"]] == [("Hour", 4)]
    assert got["batches-in-progress"] == {"waiting": 0, "in_progress": 1, "failed": 0}

    tech_a = make_user(Role.TECHNICAL, "tech_kko", site_scope=[kariakoo])
    got = tiles(tech_a, day["now"])
    assert got["routers-down"]["count"] == 0 and got["routers-down"]["routers"] == []
    assert got["fault-queue"]["count"] == 0
    assert got["faults-to-repair"]["count"] == 0

    tech_b = make_user(Role.TECHNICAL, "tech_mbz", site_scope=[mbezi])
    got = tiles(tech_b, day["now"])
    assert got["routers-down"]["count"] == 1 and got["fault-queue"]["count"] == 1

    marketing_a = make_user(Role.MARKETING, "mkt_kko", site_scope=[kariakoo])
    assert tiles(marketing_a, day["now"])["access-ending"] == {
        "count": 1,
        "consent": 1,
        "days": 7,
    }

    finance_b = make_user(Role.FINANCE, "fin_mbz", site_scope=[mbezi])
    takings = tiles(finance_b, day["now"])["sales-today"]
    assert [(m["method"], m["count"]) for m in takings["by_method"]] == [("mobile", 1)]


def test_a_user_with_several_roles_sees_the_union_once(day, make_user, users):
    both = make_user(Role.FINANCE, "fin_sales")
    both.groups.add(Group.objects.get(name=Role.SALES))
    assert tiles_for(both) == [
        "sales-today",
        "expenses-to-approve",
        "batches-to-approve",
        "remittances-overdue",
        "batches-in-progress",
        "stock",
    ]
    tech_marketing = make_user(Role.TECHNICAL, "tech_mkt")
    tech_marketing.groups.add(Group.objects.get(name=Role.MARKETING))
    assert list(tiles(tech_marketing, day["now"])) == [
        "faults-to-repair",
        "fault-queue",
        "routers-down",
        "access-ending",
    ]


def test_every_role_has_a_workbench():
    from erp.workbench.selectors import ROLE_TILES

    assert list(ROLE_TILES) == [
        Role.SUPER_ADMIN,
        Role.FINANCE,
        Role.TECHNICAL,
        Role.MARKETING,
        Role.SALES,
        Role.AGENT,
    ]
    assert set(ROLE_TILES) == set(Role.values)


def test_no_role_no_tiles_and_a_superuser_is_a_super_admin(roles):
    from erp.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x-Long-passw0rd")
    assert workbench(nobody) == []
    root = User.objects.create_superuser(username="root", password="x-Long-passw0rd")
    assert tiles_for(root) == [
        "revenue-today",
        "routers-down",
        "faults-past-sla",
        "batches-to-approve",
        "expenses-to-approve",
    ]


# --- any date, any hour ----------------------------------------------------------------------
INSTANTS = [
    (2027, 1, 1, 0, 0, 5),  # just after midnight on New Year: a week ago is last year
    (2028, 2, 29, 23, 59, 59),  # a second before midnight on a leap day
    (2027, 3, 1, 0, 0, 0),  # midnight exactly; a week ago is in February
]


@pytest.mark.parametrize("instant", INSTANTS)
def test_today_is_the_local_day_near_midnight_on_any_date(roles, make_user, make_site, instant):
    """Given a sale a microsecond before local midnight, one at midnight and one at midnight a
    week before, each counts on its own local day; today and a week ago count up to the same
    time of day (at midnight exactly, nothing yet)."""
    from erp.sites.services import create_router
    from erp.vouchers import services as vouchers
    from tests.workday import sell_at, stock_batch

    now = dt.datetime(*instant, tzinfo=timezone.get_current_timezone())
    today = timezone.localdate(now)
    admin = make_user(Role.SUPER_ADMIN, "boss")
    agent = make_user(Role.AGENT, "halima")
    site = make_site(agents=[agent])
    router = create_router(
        actor=admin, site=site, name="r", host="127.0.0.1", username="a", password="Pw-123456!"
    )
    package = vouchers.save_package(
        actor=admin, name="Day", price=Decimal("1000"), validity_seconds=86400, sites=[site]
    )
    stock_batch(package=package, router=router, quantity=3, agent=agent)
    midnight = local(today, 0)
    sell_at(agent, package=package, at=midnight - dt.timedelta(microseconds=1))
    sell_at(agent, package=package, at=midnight)
    sell_at(agent, package=package, at=midnight - dt.timedelta(days=7))

    revenue = tiles(admin, now)["revenue-today"]
    assert revenue["last_week_day"] == today - dt.timedelta(days=7)
    figures = (revenue["count"], revenue["last_week_count"], revenue["change_percent"])
    if now == midnight:  # the day has not begun: nothing yet, on either day
        assert figures == (0, 0, None)
    else:
        assert figures == (1, 1, Decimal("0.0"))
    got = tiles(agent, now)
    assert (got["sales-today"]["count"], got["sales-today"]["day"]) == (1, today)
    assert got["balance-owed"]["month_start"] == today.replace(day=1)


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_page_answers_for_every_role_near_midnight(
    client, users, make_user, make_site, make_router, make_client, instant
):
    """The clock itself at those instants (time-machine): the data is made then, and every
    role's home page answers 200 with its tiles."""
    import time_machine

    now = dt.datetime(*instant, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(now, tick=False):
        build_workday(
            users=users,
            make_user=make_user,
            make_site=make_site,
            make_router=make_router,
            make_client=make_client,
            now=now,
        )
        for role in Role.values:
            client.force_login(users[role])
            response = client.get("/dashboard/")
            assert response.status_code == 200, role
            assert b'data-tile="' in response.content, role


# --- the page ---------------------------------------------------------------------------------
ROLE_TILES_ON_PAGE = {
    Role.AGENT: ["sales-today", "stock", "balance-owed"],
    Role.FINANCE: [
        "sales-today",
        "expenses-to-approve",
        "batches-to-approve",
        "remittances-overdue",
    ],
    Role.TECHNICAL: ["faults-to-repair", "fault-queue", "routers-down"],
    Role.MARKETING: ["access-ending"],
    Role.SALES: ["batches-in-progress", "stock", "sales-today"],
    Role.SUPER_ADMIN: [
        "revenue-today",
        "routers-down",
        "faults-past-sla",
        "batches-to-approve",
        "expenses-to-approve",
    ],
}


@pytest.mark.parametrize("role", list(ROLE_TILES_ON_PAGE))
def test_home_page_shows_the_tiles_and_their_links_answer(client, day, users, role):
    """Each tile is on the page (data-tile) with the currency on money, and every link of the
    page's tiles answers 200 for that user, never 403."""
    import re

    client.force_login(users[role])
    body = client.get("/dashboard/").content.decode()
    assert re.findall(r'data-tile="([a-z-]+)"', body) == ROLE_TILES_ON_PAGE[role]
    links = set(re.findall(r'<nav class="erp-tile__links">(.*?)</nav>', body, re.S))
    hrefs = {h.replace("&amp;", "&") for nav in links for h in re.findall(r'href="([^"]+)"', nav)}
    assert hrefs
    for href in sorted(hrefs):
        if href.startswith("/analytics/"):
            continue  # the Dash app: tested in tests/dashboards
        response = client.get(href, follow=True)
        assert response.status_code == 200, (role, href)


def test_money_on_the_page_carries_the_currency(client, day, users, settings):
    settings.CURRENCY = "KES"
    client.force_login(users[Role.AGENT])
    body = client.get("/dashboard/").content.decode()
    assert "KES\u00a03,600.00" in body and "KES\u00a01,000.00" in body


# --- queries: a fixed budget per role, whatever the data ---------------------------------------
# Session, user, roles and permissions are 5 of them, the top bar's unread notifications 1; a
# staff member's site scope is read once per selector that scopes (sites_visible_to).
QUERY_BUDGET = {
    Role.AGENT: 11,
    Role.FINANCE: 13,
    Role.TECHNICAL: 13,
    Role.MARKETING: 8,
    Role.SALES: 11,
    Role.SUPER_ADMIN: 12,
}


def _queries(client, user) -> int:
    client.force_login(user)
    client.get("/dashboard/")  # warm: the reader's time zone is cached after one page
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    return len(captured)


def _more_of_everything(day, users, make_user, make_client):
    """Double the rows each tile lists or counts: an N+1 would show as more queries."""
    from erp.mikrotik.services import record_status
    from workflows.fault_repair import services as process

    kariakoo, mbezi = day["sites"]
    record_status(day["routers"][0], up=False, message="timeout")
    events.deliver_due(now=timezone.now() + dt.timedelta(days=1))  # the fault it opens
    for n in range(3):
        fault = process.report(
            actor=users[Role.SALES], site=kariakoo, severity="minor", description=f"slow {n}"
        )
        process.triage(actor=users[Role.SUPER_ADMIN], fault=fault, technician=users[Role.TECHNICAL])
        make_client(site=mbezi, name=f"client {n}")
    for n in range(3):
        make_user(Role.AGENT, f"agent_more_{n}")


@pytest.mark.parametrize("role", list(QUERY_BUDGET))
def test_home_page_queries_stay_within_budget(
    client, day, users, make_user, make_client, role, django_assert_max_num_queries
):
    user = users[role]
    before = _queries(client, user)
    _more_of_everything(day, users, make_user, make_client)
    rollups.refresh()
    after = _queries(client, user)
    assert after == before, f"{role}: {before} queries, then {after} with more rows"
    with django_assert_max_num_queries(QUERY_BUDGET[role]):
        client.get("/dashboard/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, shown",
    [(Role.AGENT, True), (Role.TECHNICAL, True), (Role.FINANCE, False), (Role.MARKETING, False)],
)
def test_the_home_page_opens_the_field_app_for_those_who_sync(client, users, role, shown):
    client.force_login(users[role])
    page = client.get("/", follow=True).content.decode()
    assert "erp-workbench" in page
    assert ('id="open-field-app"' in page) is shown
    if shown:
        assert 'href="/app/"' in page
        assert client.get("/app/").status_code == 200
