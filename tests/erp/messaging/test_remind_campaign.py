"""The analytics Overview's clients to remind become a campaign: the link carries the chart's
audience (7 days, the chosen site) and the campaigns page opens prefilled with it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from erp.accounts.roles import Role
from erp.messaging.models import Campaign, Template
from tests.dashboards.test_bridge import callback_body, post_callback

pytestmark = pytest.mark.django_db


def _link(user, sites=()):
    body = callback_body("overview", "remind-sms")
    body["output"] = "..overview-remind-sms.href...overview-remind-sms.style.."
    body["outputs"] = [
        {"id": "overview-remind-sms", "property": "href"},
        {"id": "overview-remind-sms", "property": "style"},
    ]
    body["inputs"][2]["value"] = [str(s) for s in sites]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = post_callback(client, body)
    return response


def test_the_overview_link_opens_a_prefilled_campaign_and_starting_it_works(
    users, make_site, make_client, gateway
):
    site = make_site()
    response = _link(users[Role.MARKETING], sites=[site.pk])
    assert response.status_code == 200, response.content[:300]
    out = response.json()["response"]["overview-remind-sms"]
    assert out["style"] == {"display": "inline-block"}
    url = urlsplit(out["href"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/sms/campaigns/"
    assert query["site"] == str(site.pk) and query["template"] == "offer"
    assert 24 * 6 < int(query["expiring_within_hours"]) <= 24 * 7  # to local midnight, 7 days

    # two sites chosen: the whole audience, no site
    both = _link(users[Role.MARKETING], sites=[site.pk, make_site().pk]).json()
    assert "site=" not in both["response"]["overview-remind-sms"]["href"]

    web = Client()
    web.force_login(users[Role.MARKETING])
    page = web.get(out["href"]).content.decode()
    offer = Template.objects.get(code="offer")
    assert re.search(rf'<option value="{site.pk}"[^>]*selected', page)
    assert re.search(rf'<option value="{offer.pk}"[^>]*selected', page)
    assert f'value="{query["expiring_within_hours"]}"' in page
    assert unescape(f'value="{query["name"]}"') in unescape(page)

    # submitting the prefilled form starts the campaign to the consenting client ending soon
    from datetime import timedelta

    from django.utils import timezone

    from erp.clients.models import Client as Customer

    ending = make_client(site=site, marketing_consent=True, name="Asha")
    later = make_client(site=site, marketing_consent=True, name="Baraka")
    Customer.objects.filter(pk=ending.pk).update(expires_at=timezone.now() + timedelta(hours=5))
    Customer.objects.filter(pk=later.pk).update(expires_at=timezone.now() + timedelta(days=30))
    response = web.post(out["href"], {**query, "template": str(offer.pk)})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.total == 1
    assert list(campaign.messages.values_list("client__name", flat=True)) == ["Asha"]


def test_a_bad_or_foreign_prefill_is_left_out(users, make_site):
    web = Client()
    web.force_login(users[Role.MARKETING])
    page = web.get(
        "/sms/campaigns/?expiring_within_hours=-3&site=00000000-0000-0000-0000-000000000000"
        "&template=sale-receipt"
    ).content.decode()
    hours_input = re.search(r'<input type="number" name="expiring_within_hours"[^>]*>', page)
    assert hours_input and "value=" not in hours_input.group(0)
    assert '<option value="" selected>' in page  # all sites: the foreign site is not chosen
    offer = Template.objects.get(code="offer")
    # a transactional template is not a campaign's: the first marketing one stays
    assert "sale-receipt" not in page or re.search(rf'<option value="{offer.pk}"', page)
    assert Campaign.objects.count() == 0


def test_the_link_is_hidden_from_who_may_not_start_a_campaign(users):
    """Someone who sees all of analytics but may not start a campaign: no link."""
    from django.contrib.auth.models import Permission

    from dashboards.access import ALL

    app_label, codename = ALL.split(".")
    user = users[Role.TECHNICAL]
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("messaging.add_campaign")
    response = _link(user)
    assert response.status_code == 200
    assert response.json()["response"]["overview-remind-sms"]["style"] == {"display": "none"}
