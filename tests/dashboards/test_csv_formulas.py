"""Dash CSV downloads write user text as text: a client named like a formula comes out with a
leading single quote; figures stay plain numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from analytics import rollups
from erp.accounts.roles import Role
from tests.dashboards.test_bridge import download_body, post_callback

FORMULA = '=HYPERLINK("http://evil.example/","open")'


@pytest.mark.django_db
def test_clients_to_remind_csv_quotes_formula_names(users, shop, make_client):
    from erp.clients.models import Client as Customer

    made = make_client(site=shop["sites"]["A"], marketing_consent=True, name=FORMULA)
    Customer.objects.filter(pk=made.pk).update(expires_at=timezone.now() + dt.timedelta(hours=2))
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.MARKETING])
    response = post_callback(client, download_body("overview", "remind-dl", "remind"))
    assert response.status_code == 200
    content = response.json()["response"]["overview-remind-dl"]["data"]["content"]
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["name"] for r in rows] == ["'" + FORMULA]
    # E.164 starts with "+": quoted too, so a spreadsheet keeps it as text, not a number
    assert rows[0]["phone"].startswith("'+255")


@pytest.mark.django_db
def test_chart_csv_keeps_numbers_and_quotes_text(users, shop):
    from erp.sites.models import Site

    Site.objects.filter(pk=shop["sites"]["A"].pk).update(name="-Alpha")
    rollups.rebuild_all()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.FINANCE])
    response = post_callback(client, download_body("finance", "profit-dl", "profit-csv"))
    lines = response.json()["response"]["finance-profit-dl"]["data"]["content"].splitlines()
    assert lines[1].endswith(",'-Alpha,6750.50,1250.50,337.50,300.00,4862.50")
    assert lines[3] == ",Head office,0.00,0.00,0.00,1000.00,-1000.00"
