"""Query budgets (as NetBox keeps them): every API list, every list page of the menu and a sale
run a fixed number of queries, whatever the number of rows they show. A missing
select_related or prefetch fails here: an API list asked for 5 rows and for 50 must run the
same queries, and each stays within its baseline (measured on the demo data; lower it when a
change saves a query, raise it only with a reason in the commit)."""

from __future__ import annotations

import re
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from erp.accounts.models import User
from erp.urls import router

# queries of GET /api/v1/<list>/ as the demo's Super Admin
API_BUDGETS = {
    "sites": 2,
    "routers": 1,
    "clients": 1,
    "users": 3,
    "packages": 2,
    "voucher-batches": 1,
    "vouchers": 1,
    "sales": 1,
    "remittances": 1,
    "expenses": 1,
    "commission-rules": 1,
    "scheduled-exports": 1,
    "export-runs": 1,
    "asset-types": 1,
    "assets": 1,
    "asset-movements": 1,
    "faults": 2,
    "repair-logs": 3,
    "downtimes": 1,
    "hotspot-profiles": 1,
    "sync/conflicts": 1,
    "sms-messages": 1,
    "sms-templates": 1,
    "sms-campaigns": 1,
    "tickets": 1,
    "payments": 1,
    "payment-reconciliations": 1,
}

# queries of POST /api/v1/sales/ by an agent (lock, receipt number, commission, history …);
# 15 until the receipt number and the router comment took one statement each
SALE_BUDGET = 13

# queries of each page the Super Admin's menu links to (after its redirect), session included
PAGE_BUDGET = 20

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_admin(roles, asset_types):
    call_command("seed_demo", stdout=StringIO())
    return User.objects.get(username="admin")


def _count(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return response, len(queries.captured_queries)


def test_every_api_list_runs_the_same_queries_for_5_or_50_rows_within_its_budget(demo_admin):
    api = APIClient()
    api.force_authenticate(demo_admin)
    api.get("/api/v1/me/")  # the first request of a process warms caches
    listed = {prefix for prefix, _viewset, _name in router.registry}
    assert listed == set(API_BUDGETS), "a new list endpoint needs its budget here"
    for prefix in listed:  # the first request of each list warms per-process caches
        api.get(f"/api/v1/{prefix}/?page_size=1")
    over = {}
    for prefix in sorted(listed):
        small, few = _count(lambda p=prefix: api.get(f"/api/v1/{p}/?page_size=5"))
        large, many = _count(lambda p=prefix: api.get(f"/api/v1/{p}/?page_size=50"))
        assert small.status_code == large.status_code == 200, prefix
        if few != many or many > API_BUDGETS[prefix]:
            over[prefix] = (few, many, API_BUDGETS[prefix])
    assert over == {}, "(5 rows, 50 rows, budget) per list"


def test_every_menu_page_stays_within_its_budget(demo_admin):
    browser = Client()
    browser.force_login(demo_admin)
    home = browser.get("/dashboard/").content.decode()
    menu = sorted(set(re.findall(r'href="(/[a-z_/-]+/)"', home)) - {"/analytics/"})
    assert len(menu) >= 8
    counts = {}
    for link in menu:
        response = browser.get(link, follow=True)
        assert response.status_code == 200, link
        final = response.redirect_chain[-1][0] if response.redirect_chain else link
        _response, counts[final] = _count(lambda f=final: browser.get(f))
    over = {page: n for page, n in counts.items() if n > PAGE_BUDGET}
    assert over == {}, counts


def test_a_sale_runs_a_fixed_number_of_queries(demo_admin):
    agent = User.objects.get(username="agent")
    api = APIClient()
    api.force_authenticate(agent)
    api.get("/api/v1/me/")
    from erp.vouchers.models import Package

    package = Package.objects.get(name="1 Hour")
    # the demo agent holds stock at two sites: the sale says which one the agent is at
    from erp.sales.selectors import selling_sites

    site = selling_sites(agent)[0]
    counts = []
    for _ in range(4):  # the first sells through the cold caches; the next three are counted
        response, n = _count(
            lambda: api.post(
                "/api/v1/sales/",
                {"package": str(package.pk), "payment_method": "cash", "site": str(site.pk)},
                format="json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
        )
        assert response.status_code == 201, response.content
        counts.append(n)
    assert len(set(counts[1:])) == 1 and counts[-1] <= SALE_BUDGET, counts
