"""SMS pages: logs with filters and resend, compose, campaigns; who may see what."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.messaging import services
from erp.messaging.models import Campaign, Message, Template

pytestmark = pytest.mark.django_db


def test_the_log_filters_by_state_and_resends_a_failed_one(client, users, gateway, phone_sim):
    ok = services.queue_message(phone="+255712000001", text="fine")
    bad = services.queue_message(phone="+255712000002", text="broken")
    Message.objects.filter(pk=bad.pk).update(state="failed", reason="RESULT_ERROR_NO_SERVICE")
    client.force_login(users[Role.MARKETING])
    page = client.get("/sms/?state=failed").content.decode()
    assert "+255712000002" in page and "+255712000001" not in page
    assert "RESULT_ERROR_NO_SERVICE" in page and "Resend" in page
    assert phone_sim.password not in page
    r = client.post(f"/sms/{bad.pk}/resend/", {"next": "/sms/"})
    assert r.status_code == 302
    assert Message.objects.filter(phone="+255712000002").count() == 2
    assert ok.pk  # untouched


def test_costs_only_for_finance(client, users, gateway):
    services.queue_message(phone="+255712000001", text="x")
    client.force_login(users[Role.FINANCE])
    assert "<th>Cost</th>" in client.get("/sms/").content.decode()
    client.force_login(users[Role.MARKETING])
    assert "<th>Cost</th>" not in client.get("/sms/").content.decode()


def test_compose_refuses_a_landline_with_the_reason_and_queues_nothing(client, users, gateway):
    client.force_login(users[Role.SALES])
    r = client.post("/sms/send/", {"phone": "+255 22 211 1234", "text": "hello"})
    assert r.status_code == 200 and "not a mobile number" in r.content.decode()
    assert Message.objects.count() == 0
    r = client.post("/sms/send/", {"phone": "0712 000 111", "text": "hello"})
    assert r.status_code == 302 and Message.objects.get().phone == "+255712000111"


def test_a_campaign_from_the_page_and_its_progress(client, users, gateway, make_client):
    site_client = make_client(marketing_consent=True, name="Asha")
    offer = Template.objects.get(code="offer")
    client.force_login(users[Role.AGENT])
    assert client.get("/sms/campaigns/").status_code == 403
    client.force_login(users[Role.MARKETING])
    r = client.post(
        "/sms/campaigns/",
        {"name": "Nov", "template": str(offer.pk), "site": str(site_client.site_id)},
    )
    assert r.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.total == 1
    page = client.get("/sms/campaigns/").content.decode()
    assert "Nov" in page and "<progress" in page
    r = client.post(
        "/sms/campaigns/", {"name": "Nobody", "template": str(offer.pk), "expiring_within_hours": 1}
    )
    assert "No client matches" in r.content.decode() and Campaign.objects.count() == 1


@pytest.mark.django_db
def test_the_campaign_counter_counts_the_longest_real_message(client, users, make_client):
    """The page's counter gets each template as its longest message will be (the longest
    consenting client's name, the costliest language), not the template with its braces."""
    import json
    import re

    from erp.messaging.models import Template

    long_name = "Mwanaisha Abdallah Kilimanjaro Mwakyembe wa Pili"
    make_client(name=long_name, marketing_consent=True)
    make_client(name="Zuhura Abdallah Kilimanjaro Mwakyembe wa Tatu Mrefu", marketing_consent=False)
    offer = Template.objects.get(code="offer")
    client.force_login(users[Role.MARKETING])
    page = client.get("/sms/campaigns/").content.decode()
    data = re.search(r'id="sms-template-texts"[^>]*>(.*?)</script>', page, re.S).group(1)
    text = json.loads(data)[str(offer.pk)]
    assert long_name in text and "{" not in text and "Mrefu" not in text
    # the French text is the longest of the three: it is the one counted
    assert text.startswith(f"{long_name}, nouvelle offre")
