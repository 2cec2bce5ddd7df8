"""A ticket without a site concerns where the customer buys now: one client record per person
across sites (the phone is unique) keeps the site it was first registered at, so the site of
the client's last purchase is preferred to it; the channel's own site (a portal's, the desk's
choice) always wins."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sales import services as sales
from erp.support import services
from erp.support.choices import Channel

pytestmark = pytest.mark.django_db

NO_NET = "Hakuna mtandao kabisa hapa, wifi imekatika tangu asubuhi"
PHONE = "+255754000777"


@pytest.fixture
def moved(make_agent_stock, make_router, make_user):
    """Asha registered at Kariakoo (bought there yesterday), bought at Mbezi an hour ago."""
    kariakoo = make_agent_stock(router=make_router(name="kko"))
    mbezi = make_agent_stock(
        router=make_router(name="mbz"), agent=make_user(Role.AGENT), name="1 Hour Mbezi"
    )
    now = timezone.now()
    for stock, when in (
        (kariakoo, now - dt.timedelta(days=1)),
        (mbezi, now - dt.timedelta(hours=1)),
    ):
        sales.sell_to_phone(
            seller=stock["agent"],
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            package=stock["package"],
            site_id=stock["site"].pk,
            phone=PHONE,
            name="Asha",
            sold_at=when,
        )
    client = Client.objects.get(phone=PHONE)
    assert client.site_id == kariakoo["site"].pk  # one record, kept where it was first filed
    return {"client": client, "kariakoo": kariakoo["site"], "mbezi": mbezi["site"]}


def test_find_client_is_the_one_record_of_the_phone(moved):
    assert services.find_client(PHONE) == moved["client"]
    assert services.find_client("+255754000778") is None
    assert services.find_client("") is None


def test_an_sms_ticket_goes_to_the_site_the_customer_last_bought_at(moved):
    """Given Asha registered at Kariakoo but buying at Mbezi now, when she texts with no site,
    then the ticket is Mbezi's (not her registration site's) and names her record."""
    ticket = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone=PHONE)
    assert ticket.client == moved["client"]
    assert ticket.site == moved["mbezi"]


def test_a_client_who_never_bought_is_at_the_registration_site(make_client, make_site):
    site = make_site()
    make_client(site=site, phone=PHONE, name="Juma")
    ticket = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone=PHONE)
    assert ticket.site == site


def test_the_channels_site_wins_over_the_customers(moved, make_site):
    """A portal ticket at a third site stays that site's: the customer is standing there."""
    third = make_site()
    ticket = services.open_ticket(text=NO_NET, channel=Channel.PORTAL, phone=PHONE, site=third)
    assert ticket.site == third and ticket.client == moved["client"]
