"""Marked text follows the reader's language: the durations, and the analytics pages, which
Dash builds per request (layouts and callbacks run in the request's thread, after Django's
language middleware)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from erp.accounts.roles import Role
from erp.core.units import duration_text, parse_duration, typed_duration_text
from erp.portal.account import human_duration
from erp.vouchers.printing import validity_text

SWAHILI_DURATIONS = {
    ("%(n)d day", "%(n)d days"): ["siku %(n)d", "siku %(n)d"],
    ("%(n)d week", "%(n)d weeks"): ["wiki %(n)d", "wiki %(n)d"],
    "%(n)d h": "saa %(n)d",
    "%(n)d min": "dak %(n)d",
    "less than a minute": "chini ya dakika moja",
}


def test_one_duration_formatter_plural_aware_in_english():
    with translation.override("en"):
        assert duration_text(86400) == "1 day" and duration_text(2 * 86400) == "2 days"
        assert duration_text(604800) == "1 week" and duration_text(1209600) == "2 weeks"
        assert duration_text(86400 + 7200 + 90) == "1 day 2 h 1 min 30 s"
        assert duration_text(0) == "" and duration_text(None) == ""
        # the cards' and receipts' validity and the portal's time left are the same words
        assert validity_text(86400 + 7200) == duration_text(86400 + 7200) == "1 day 2 h"
        assert validity_text(45) == "45 s"
        assert human_duration(86400 + 7200 + 600) == "1 day 2 h"  # no minutes beside days
        assert human_duration(30) == "less than a minute"


def test_durations_in_swahili_and_forms_still_read_back(swahili):
    swahili(SWAHILI_DURATIONS)
    with translation.override("sw"):
        assert duration_text(86400 + 7200) == "siku 1 saa 2"
        assert duration_text(1209600) == "wiki 2"
        assert validity_text(2 * 86400) == "siku 2"
        assert human_duration(3 * 3600 + 1200) == "saa 3 dak 20"
        assert human_duration(10) == "chini ya dakika moja"
        # a form shows the stored value in words parse_duration reads, whatever the language
        assert typed_duration_text(86400 + 7200) == "1 day 2 h"
        assert parse_duration(typed_duration_text(86400 + 7200)) == 86400 + 7200


ANALYTICS_SWAHILI = {
    "Analytics": "Takwimu",
    "%(product)s analytics": "Takwimu za %(product)s",
    "Overview": "Muhtasari",
    "Net revenue per day": "Mapato halisi kwa siku",
    "No data for these filters": "Hakuna data kwa vichujio hivi",
    "All sites (type to search)": "Vituo vyote (andika kutafuta)",
}


def _page(client, path: str) -> str:
    """The page's layout as the router callback returns it (what the browser draws)."""
    client.get("/analytics/")
    body = {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname", "value": path}],
        "changedPropIds": ["url.pathname"],
        "state": [],
    }
    response = client.post(
        "/analytics/_dash-update-component",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    return response.content.decode()


def _figure(client) -> str:
    inputs = [
        {"id": "overview-dates", "property": "start_date", "value": "2026-10-01"},
        {"id": "overview-dates", "property": "end_date", "value": "2026-10-31"},
    ] + [
        {"id": f"overview-{name}", "property": "value", "value": []}
        for name in ("sites", "agents", "packages")
    ]
    body = {
        "output": "overview-daily.figure",
        "outputs": {"id": "overview-daily", "property": "figure"},
        "inputs": inputs,
        "changedPropIds": [],
        "state": [],
    }
    response = client.post(
        "/analytics/_dash-update-component",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sw", "en"])
def test_the_analytics_pages_follow_the_users_language(swahili, users, language):
    swahili(ANALYTICS_SWAHILI)
    user = users[Role.SUPER_ADMIN]
    user.language = language
    user.save(update_fields=["language"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    index = client.get("/analytics/overview").content.decode()
    product = settings.ERP_SITE_TITLE
    title = f"Takwimu za {product}" if language == "sw" else f"{product} analytics"
    assert f"<title>{title}</title>" in index
    shell = client.get("/analytics/_dash-layout").content.decode()
    page = _page(client, "/analytics/overview")
    figure = _figure(client)  # no sales: the "no data" figure
    for english, swahili_text in ANALYTICS_SWAHILI.items():
        if "%" in english:
            continue  # the tab's title, above
        shown = json.dumps(swahili_text if language == "sw" else english)[1:-1]
        assert shown in shell + page + figure, (language, english)
    if language == "en":
        assert "Takwimu" not in shell and "Mapato" not in page
