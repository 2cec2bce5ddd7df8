"""The Dash app behind Django: login, role gating per page and per callback, CSRF, local assets."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from analytics import rollups
from dashboards import components
from erp.accounts.roles import Role


def callback_body(page: str, chart: str, start="2026-10-01", end="2026-10-31") -> dict:
    return {
        "output": f"{page}-{chart}.figure",
        "outputs": {"id": f"{page}-{chart}", "property": "figure"},
        "inputs": [
            {"id": f"{page}-dates", "property": "start_date", "value": start},
            {"id": f"{page}-dates", "property": "end_date", "value": end},
            {"id": f"{page}-sites", "property": "value", "value": []},
            {"id": f"{page}-agents", "property": "value", "value": []},
            {"id": f"{page}-packages", "property": "value", "value": []},
        ],
        "changedPropIds": [],
        "state": [],
    }


def download_body(page: str, download: str, button: str, **period) -> dict:
    """A click on a download button, with the page's filters as state."""
    body = callback_body(page, "unused", **period)
    body["output"] = f"{page}-{download}.data"
    body["outputs"] = {"id": f"{page}-{download}", "property": "data"}
    body["state"] = [dict(i) for i in body["inputs"]]
    body["inputs"] = [{"id": f"{page}-{button}", "property": "n_clicks", "value": 1}]
    return body


def post_callback(client, body, csrf=True):
    headers = {}
    if csrf:
        client.get("/analytics/")  # sets the csrftoken cookie, as the page load does
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client.post(
        "/analytics/_dash-update-component",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_django_login(client):
    response = client.get("/analytics/overview")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/analytics/overview"
    assert client.post(
        "/analytics/_dash-update-component", "{}", content_type="application/json"
    ).status_code in (302, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            Role.SUPER_ADMIN,
            ["overview", "sites", "agents", "finance", "network", "maintenance", "support"],
            [],
        ),
        (
            Role.MARKETING,
            ["overview", "sites", "agents", "finance", "network", "maintenance", "support"],
            [],
        ),
        (
            Role.FINANCE,
            ["agents", "finance"],
            ["overview", "sites", "network", "maintenance", "support"],
        ),
        (
            Role.AGENT,
            ["agents"],
            ["overview", "sites", "finance", "network", "maintenance", "support"],
        ),
        (Role.TECHNICAL, [], ["overview", "agents", "finance", "maintenance", "support"]),
        (Role.SALES, [], ["overview", "agents"]),
    ],
)
def test_pages_by_role(client, users, role, allowed, refused):
    client.force_login(users[role])
    for page in allowed:
        response = client.get(f"/analytics/{page}")
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "_dash-renderer" in html or "dash_renderer" in html
        # Every script and stylesheet is served from here: the office may be offline
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', html), page
    for page in refused:
        assert client.get(f"/analytics/{page}").status_code == 403, page
    index = client.get("/analytics/")
    if allowed:
        assert index.status_code == 302 and index["Location"] == f"/analytics/{allowed[0]}"
    else:
        assert index.status_code == 403


@pytest.mark.django_db
def test_callback_needs_the_csrf_token(users, shop):
    rollups.rebuild_all()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.SUPER_ADMIN])
    refused = post_callback(client, callback_body("finance", "profit"), csrf=False)
    assert refused.status_code == 403
    response = post_callback(client, callback_body("finance", "profit"))
    assert response.status_code == 200
    figure = response.json()["response"]["finance-profit"]["figure"]
    assert figure["data"][0]["x"] == ["Alpha", "Beta", "Head office"]
    assert figure["data"][0]["y"] == [4862.5, 1619.21, -1000.0]
    assert len(response.content) < 50_000


@pytest.mark.django_db
def test_callbacks_are_gated_by_page_and_agents_see_only_themselves(users, shop):
    rollups.rebuild_all()
    one = shop["agents"]["one"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(one)
    assert post_callback(client, callback_body("finance", "profit")).status_code == 403
    response = post_callback(client, callback_body("agents", "balances"))
    assert response.status_code == 200
    bars = response.json()["response"]["agents-balances"]["figure"]["data"]
    assert bars[0]["x"] == ["Agent One"] and bars[0]["y"] == [3162.5]


@pytest.mark.django_db
def test_csv_download_is_the_same_frame(users, shop):
    rollups.rebuild_all()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.FINANCE])
    response = post_callback(client, download_body("finance", "profit-dl", "profit-csv"))
    assert response.status_code == 200
    data = response.json()["response"]["finance-profit-dl"]["data"]
    assert data["filename"] == "profit.csv"
    lines = data["content"].splitlines()
    assert lines[0] == "site,name,revenue,refunds,commission,expenses,profit"
    assert lines[1].endswith(",Alpha,6750.50,1250.50,337.50,300.00,4862.50")
    assert lines[3] == ",Head office,0.00,0.00,0.00,1000.00,-1000.00"


def _figure(client, chart, start="2026-10-01", end="2026-10-02"):
    response = post_callback(client, callback_body("maintenance", chart, start, end))
    assert response.status_code == 200, chart
    assert len(response.content) < 20_000
    return response.json()["response"][f"maintenance-{chart}"]["figure"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SUPER_ADMIN, Role.MARKETING])
def test_maintenance_figures_over_the_bridge(users, repairs, role):
    """1–2 October (end date inclusive): the hand figures of the repairs fixture."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    severity = _figure(client, "severity")["data"][0]
    assert severity["x"] == ["Critical", "Major", "Minor"] and severity["y"] == [1, 2, 1]
    per_site = _figure(client, "faults")["data"]
    assert [(t["name"], t["x"], t["y"]) for t in per_site] == [
        ("Critical", ["Alpha", "Beta"], [1, 0]),
        ("Major", ["Alpha", "Beta"], [2, 0]),
        ("Minor", ["Alpha", "Beta"], [0, 1]),
    ]
    uptime = _figure(client, "uptime")["data"][0]
    assert uptime["x"] == ["Alpha", "Beta"] and uptime["y"] == [85.417, 94.583]
    mttr = _figure(client, "mttr")["data"][0]
    assert mttr["x"] == ["Alpha", "Beta"] and mttr["y"] == [3.0, 6.0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.FINANCE, Role.TECHNICAL, Role.AGENT])
def test_maintenance_callbacks_are_refused_to_other_roles(users, repairs, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    for chart in ("severity", "faults", "uptime", "mttr"):
        refused = post_callback(client, callback_body("maintenance", chart))
        assert refused.status_code == 403, chart
        assert b"Alpha" not in refused.content


@pytest.mark.django_db
def test_maintenance_csv_is_the_uptime_frame(users, repairs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.MARKETING])
    body = download_body(
        "maintenance", "uptime-dl", "uptime-csv", start="2026-10-01", end="2026-10-02"
    )
    response = post_callback(client, body)
    assert response.status_code == 200
    data = response.json()["response"]["maintenance-uptime-dl"]["data"]
    assert data["filename"] == "uptime.csv"
    lines = data["content"].splitlines()
    assert lines[0] == "site,site_name,down_seconds,uptime_percent"
    assert lines[1] == f"{repairs['alpha'].pk},Alpha,25200,85.417"
    assert lines[2] == f"{repairs['beta'].pk},Beta,9360,94.583"


def search_body(page: str, box: str, text: str, chosen=()) -> dict:
    return {
        "output": f"{page}-{box}.options",
        "outputs": {"id": f"{page}-{box}", "property": "options"},
        "inputs": [{"id": f"{page}-{box}", "property": "search_value", "value": text}],
        "changedPropIds": [f"{page}-{box}.search_value"],
        "state": [{"id": f"{page}-{box}", "property": "value", "value": list(chosen)}],
    }


@pytest.mark.django_db
def test_site_and_agent_boxes_search_on_the_server(users, shop, make_user):
    """Thousands of agents are not sent with the page: typing asks for matches."""
    for i in range(60):
        make_user(Role.AGENT, username=f"zz-agent-{i:02d}")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.SUPER_ADMIN])
    # the filter box lists the first 50 agents only (62 here)
    assert len(components.agent_options(users[Role.SUPER_ADMIN])) == components.OPTIONS == 50

    def options(page, box, text, chosen=()):
        response = post_callback(client, search_body(page, box, text, chosen))
        assert response.status_code == 200, response.content[:300]
        return response.json()["response"][f"{page}-{box}"]["options"]

    found = options("agents", "agents", "zz-agent-5")
    assert sorted(o["label"] for o in found) == [f"zz-agent-5{i}" for i in range(10)]
    two = shop["agents"]["two"]
    kept = options("overview", "agents", "Agent One", chosen=[str(two.pk)])
    assert [o["label"] for o in kept] == ["Agent Two", "Agent One"]  # the chosen stay listed
    assert [o["label"] for o in options("sites", "sites", "alp")] == ["Alpha"]
    # an agent sees only their own figures: no one to choose
    agent = Client(enforce_csrf_checks=True)
    agent.force_login(shop["agents"]["one"])
    response = post_callback(agent, search_body("agents", "agents", "zz"))
    assert response.json()["response"]["agents-agents"]["options"] == []
    # the callback answers for the pages the user may open only
    assert post_callback(agent, search_body("sites", "sites", "alp")).status_code == 403


def test_the_app_is_frozen_out_of_the_garbage_collector_once_built():
    """Built, the app and plotly's validators are frozen (no full collection walks them
    again: the callbacks' slow tail); a figure drawn afterwards adds nothing long-lived."""
    import gc

    import plotly.graph_objects as go

    from dashboards import components
    from dashboards.app import get_app

    get_app()
    frozen = gc.get_freeze_count()
    assert frozen > 100_000  # Django, Dash, the pages and plotly's validators
    before = len(gc.get_objects())
    for _ in range(3):
        components.style(go.Figure([go.Bar(y=[1, 2]), go.Scatter(y=[3])])).to_json()
    gc.collect()
    assert len(gc.get_objects()) - before < 1_000, "figures leave long-lived objects behind"


@pytest.mark.django_db
def test_access_ending_chart_and_the_reminder_list(users, shop, make_client):
    """Marketing sees the week's access ending per local day and downloads the clients who may
    be reminded (consenting only); Finance may not open the Overview's callbacks."""
    import datetime as dt

    from django.utils import timezone

    from erp.clients.models import Client as Customer

    now = timezone.now()
    site = shop["sites"]["A"]
    for n, (consent, hours) in enumerate(((True, 2), (False, 3), (True, 24 * 9))):
        made = make_client(site=site, marketing_consent=consent, name=f"Client {n}")
        Customer.objects.filter(pk=made.pk).update(expires_at=now + dt.timedelta(hours=hours))
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.MARKETING])
    response = post_callback(client, callback_body("overview", "ending"))
    assert response.status_code == 200
    figure = response.json()["response"]["overview-ending"]["figure"]
    assert figure["layout"]["yaxis"]["dtick"] == 1  # counts: whole steps, not 0.5
    bars = figure["data"]
    # today and perhaps tomorrow (the 2 and 3 hours may cross midnight): one each, over 7 days
    assert len(bars[0]["y"]) == 7 and sum(bars[0]["y"]) == 1 and sum(bars[1]["y"]) == 1
    body = download_body("overview", "remind-dl", "remind")
    response = post_callback(client, body)
    assert response.status_code == 200
    data = response.json()["response"]["overview-remind-dl"]["data"]
    lines = data["content"].splitlines()
    assert data["filename"] == "clients-to-remind.csv"
    assert lines[0] == "phone,name,site,agent,expires_at,marketing_consent"
    assert len(lines) == 2 and ",Client 0,Alpha," in lines[1]
    finance = Client(enforce_csrf_checks=True)
    finance.force_login(users[Role.FINANCE])
    assert post_callback(finance, body).status_code == 403


def test_a_new_process_builds_one_app_with_every_callback_even_when_asked_at_once():
    """gunicorn's threads ask for the app together on a new worker's first page. In a fresh
    process, 8 threads at once get the same app, and it already has every page's callbacks
    (before the fix a second app, or a request racing the first, had none: every chart 500)."""
    import subprocess
    import sys

    script = """
import os, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
import django
django.setup()
from dashboards.app import get_app
apps, start = [], threading.Barrier(8)
def ask():
    start.wait()
    apps.append(get_app())
threads = [threading.Thread(target=ask) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
assert len({id(a) for a in apps}) == 1, "more than one app"
outputs = set(apps[0].callback_map)
for wanted in ("overview-kpis.children", "overview-ending.figure", "finance-profit.figure"):
    assert wanted in outputs, (wanted, sorted(outputs)[:5])
print("ok", len(outputs))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok ") and int(done.stdout.split()[1]) > 30
