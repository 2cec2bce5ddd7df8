"""The SMS API: permissions per role, scoping, bad input, campaigns, counter, schema."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.messaging.choices import MessageKind
from erp.messaging.models import Campaign, Message, Template

pytestmark = pytest.mark.django_db

URL = "/api/v1/sms-messages/"


@pytest.fixture
def site(make_site):
    return make_site()


def test_an_agent_sends_to_an_own_client_only(api, users, make_client, gateway, site):
    agent = users[Role.AGENT]
    site.agents.add(agent)
    mine = make_client(site=site, actor=agent)
    theirs = make_client(site=site)
    client = api(agent)
    r = client.post(URL, {"client": str(mine.pk), "text": "Habari"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["phone"] == str(mine.phone) and r.json()["cost"] is None
    assert (
        client.post(URL, {"client": str(theirs.pk), "text": "x"}, format="json").status_code == 404
    )
    assert (
        client.post(URL, {"phone": "+255712000999", "text": "x"}, format="json").status_code == 403
    )
    assert Message.objects.count() == 1
    listed = client.get(URL).json()["results"]
    assert [m["phone"] for m in listed] == [str(mine.phone)]


def test_finance_sees_costs_but_cannot_send(api, users, gateway, settings):
    settings.SMS_COST_PER_PART = "25"
    api(users[Role.MARKETING]).post(
        URL, {"phone": "+255712000999", "text": "a" * 200}, format="json"
    )
    finance = api(users[Role.FINANCE])
    rows = finance.get(URL).json()["results"]
    assert rows[0]["cost"] == "50" and rows[0]["parts"] == 2
    assert (
        finance.post(URL, {"phone": "+255712000999", "text": "x"}, format="json").status_code == 403
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "+255 22 211 1234", "text": "x"}, "phone"),
        ({"phone": "+255712000999", "text": ""}, "text"),
        ({"phone": "+255712000999", "text": "y" * 2000}, "text"),
    ],
)
def test_bad_input_is_a_400_with_the_field(api, users, gateway, body, field):
    r = api(users[Role.MARKETING]).post(URL, body, format="json")
    assert r.status_code == 400 and field in r.json()
    assert Message.objects.count() == 0


def test_an_offline_message_is_logged_once_and_not_sent(api, users, gateway, phone_sim):
    import uuid

    mid = str(uuid.uuid4())
    client = api(users[Role.SALES])
    body = {"phone": "+255712000999", "text": "sent offline", "already_sent": True, "id": mid}
    first = client.post(URL, body, format="json").json()
    again = client.post(URL, body, format="json").json()
    assert first["id"] == again["id"] and first["state"] == "sent"
    assert Message.objects.count() == 1 and phone_sim.posts == {}


def test_the_detail_has_the_state_history_and_resend_makes_a_new_message(api, users, gateway):
    marketing = api(users[Role.MARKETING])
    mid = marketing.post(URL, {"phone": "+255712000999", "text": "x"}, format="json").json()["id"]
    assert [h["state"] for h in marketing.get(f"{URL}{mid}/").json()["history"]] == ["queued"]
    assert marketing.post(f"{URL}{mid}/resend/").status_code == 400  # not failed
    Message.objects.filter(pk=mid).update(state="failed")
    r = marketing.post(f"{URL}{mid}/resend/")
    assert r.status_code == 201 and r.json()["id"] != mid
    assert api(users[Role.AGENT]).post(f"{URL}{mid}/resend/").status_code in (403, 404)


def test_campaigns_are_marketings(api, users, gateway, make_client, site):
    make_client(site=site, marketing_consent=True, name="Asha")
    make_client(site=site, marketing_consent=False)
    offer = Template.objects.get(code="offer")
    body = {"name": "November", "template": str(offer.pk), "site": str(site.pk)}
    assert (
        api(users[Role.AGENT]).post("/api/v1/sms-campaigns/", body, format="json").status_code
        == 403
    )
    marketing = api(users[Role.MARKETING])
    r = marketing.post("/api/v1/sms-campaigns/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["total"] == 1
    detail = marketing.get(f"/api/v1/sms-campaigns/{r.json()['id']}/").json()
    assert detail["progress"]["by_state"]["queued"] == 1 and detail["progress"]["eta_seconds"] >= 0
    assert Message.objects.get().kind == MessageKind.MARKETING
    # beat's pump_all keeps the campaign's state: done once nothing waits
    from erp.messaging import pump

    Message.objects.update(state="delivered")
    assert pump.refresh_campaigns() == 1
    assert Campaign.objects.get().state == "done"


def test_a_campaign_to_nobody_is_refused(api, users, gateway, make_site):
    empty = make_site()
    offer = Template.objects.get(code="offer")
    r = api(users[Role.MARKETING]).post(
        "/api/v1/sms-campaigns/",
        {"name": "Nobody", "template": str(offer.pk), "site": str(empty.pk)},
        format="json",
    )
    assert r.status_code == 400 and "No client matches" in str(r.json())
    assert Campaign.objects.count() == 0


def test_a_template_with_an_unknown_placeholder_is_a_400(api, users):
    r = api(users[Role.MARKETING]).post(
        "/api/v1/sms-templates/",
        {"code": "bad", "name": "Bad", "kind": "marketing", "text_en": "Hi {nme}"},
        format="json",
    )
    assert r.status_code == 400 and "{nme}" in str(r.json()["text_en"])


def test_the_counter(api, users):
    r = api(users[Role.AGENT]).post("/api/v1/sms-count/", {"text": "it’s €"}, format="json")
    assert r.json() == {
        "text": "it's €",
        "encoding": "GSM-7",
        "units": 7,
        "parts": 1,
        "remaining": 153,
    }


def test_no_secret_in_the_gateway_api_or_pages(api, users, gateway, phone_sim, client):
    client.force_login(users[Role.SUPER_ADMIN])
    for url in ("/api/v1/sms-messages/", "/api/schema/"):
        body = client.get(url).content.decode()
        assert phone_sim.password not in body and phone_sim.signing_key not in body
