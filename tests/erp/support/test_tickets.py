"""Opening tickets: classification, enrichment, duplicates, outage grouping, scoping, bad input."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.maintenance import services as maintenance
from erp.sales import services as sales
from erp.sites.choices import RouterStatus
from erp.support import selectors, services
from erp.support.choices import Channel, Direction, TicketStatus
from erp.support.models import Category, Incident, Ticket, TicketMessage
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher
from tests.conftest import put_on_router

pytestmark = pytest.mark.django_db

NO_NET = "Hakuna mtandao kabisa hapa, wifi imekatika tangu asubuhi"


def test_categories_are_seeded_and_editable():
    assert set(Category.objects.values_list("slug", flat=True)) >= {
        "no_connection",
        "paid_no_voucher",
        "equipment",
        "other",
    }
    other = Category.objects.get(slug="other")
    other.name = "Anything else"
    other.save()
    assert services.seed_categories() == 0  # an edit is never overwritten
    assert Category.objects.get(slug="other").name == "Anything else"


@pytest.fixture
def shop(make_router, users, admin_user):
    router = make_router()
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=3, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    return {"router": router, "site": router.site}


def test_a_known_phone_is_enriched_with_client_purchases_vouchers_and_router(
    shop, make_client, users
):
    client = make_client(site=shop["site"], phone="+255712000111", name="Amina")
    code = Voucher.objects.order_by("code").first().code
    sale, _ = sales.sell(
        seller=users[Role.SUPER_ADMIN],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        code=code,
        client=client,
    )
    router = shop["router"]
    router.status = RouterStatus.DOWN
    router.save(update_fields=["status"])

    ticket = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone="0712 000 111")

    assert ticket.phone == "+255712000111"
    assert ticket.client == client and ticket.site == shop["site"]
    info = ticket.enrichment
    assert info["client"]["name"] == "Amina"
    assert [p["voucher"] for p in info["purchases"]] == [code]
    assert info["vouchers"][0]["code"] == code and info["vouchers"][0]["active"] is True
    assert info["site"]["routers"] == [
        {"name": router.name, "status": "down", "last_seen_at": None}
    ]
    assert ticket.category.slug == "no_connection"
    assert ticket.messages.get().direction == Direction.IN


def test_an_unknown_phone_opens_a_ticket_without_client(db):
    ticket = services.open_ticket(
        text="Bei za vifurushi ni ngapi?", channel=Channel.SMS, phone="+255713999888"
    )
    assert ticket.client is None and ticket.site is None
    assert "client" not in ticket.enrichment and ticket.number >= 1


def test_extraction_is_stored_on_the_ticket(db):
    ticket = services.open_ticket(
        text="Vocha 7KQ2MXP9ZRT inakataa, nilipa QFG7H2K9LM, nipigie 0754 123 456",
        channel=Channel.API,
        phone="+255712000222",
    )
    assert ticket.extracted["voucher_codes"][0] == "7KQ2MXP9ZRT"
    assert "QFG7H2K9LM" in ticket.extracted["payment_references"]
    assert "+255754123456" in ticket.extracted["phones"]


def test_the_same_problem_twice_in_a_day_is_linked_not_multiplied(db):
    first = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone="+255712000333")
    again = services.open_ticket(
        text="Internet haifanyi kazi tangu jana usiku", channel=Channel.API, phone="+255712000333"
    )
    assert again.duplicate_of == first and again.status == TicketStatus.CLOSED
    assert first.messages.filter(direction=Direction.NOTE).count() == 1
    # nothing lost: the second report's text is kept on its own ticket
    assert again.messages.get().text.startswith("Internet")
    # a day later it is a new ticket
    later = services.open_ticket(
        text=NO_NET,
        channel=Channel.SMS,
        phone="+255712000333",
        now=timezone.now() + timedelta(days=2),
    )
    assert later.duplicate_of is None and later.status == TicketStatus.NEW


@pytest.mark.parametrize("days_ahead", [3, 30])
def test_tickets_written_at_another_time_count_from_that_time(db, days_ahead):
    """A text read later (or a test's fixed clock) opens its ticket at the time it was written:
    the duplicate window compares those times, not the server's clock, on any date."""
    written = timezone.now() + timedelta(days=days_ahead)
    first = services.open_ticket(
        text=NO_NET, channel=Channel.SMS, phone="+255712000444", now=written
    )
    assert first.created_at == written
    first.refresh_from_db()
    assert first.created_at == written
    again = services.open_ticket(
        text=NO_NET, channel=Channel.SMS, phone="+255712000444", now=written + timedelta(hours=1)
    )
    assert again.duplicate_of == first
    later = services.open_ticket(
        text=NO_NET, channel=Channel.SMS, phone="+255712000444", now=written + timedelta(days=2)
    )
    assert later.duplicate_of is None


def test_many_tickets_from_one_site_group_under_one_incident_with_its_fault(
    make_client, make_router, users
):
    router = make_router()
    site = router.site
    fault = maintenance.report_fault(
        actor=users[Role.TECHNICAL], site=site, description="Router dead", severity="critical"
    )
    clients = [make_client(site=site, phone=f"+25571230000{i}") for i in range(4)]
    texts = [
        NO_NET,
        "No internet at the site since morning, phone shows connected but nothing loads",
        "net iko down bana, hakuna kitu inafunguka",
        "wifi haipatikani kabisa, sioni jina la mtandao",
    ]
    tickets = [
        services.open_ticket(text=t, channel=Channel.SMS, phone=str(c.phone))
        for t, c in zip(texts, clients, strict=True)
    ]
    assert [t.category.slug for t in tickets] == ["no_connection"] * 4
    incident = Incident.objects.get()
    assert incident.site == site and incident.fault == fault
    assert set(incident.tickets.all()) == set(tickets)
    # another site is not part of it
    other = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone="+255712999000")
    other.refresh_from_db()
    assert other.incident is None

    # The fault is repaired and verified: the incident closes, each open ticket's owner is
    # told (once, however often the event is replayed); the unrelated ticket is not
    assert services.fault_closed(fault=fault) == 4
    assert services.fault_closed(fault=fault) == 0
    incident.refresh_from_db()
    assert incident.closed_at is not None
    notes = TicketMessage.objects.filter(direction="note", text__contains="repaired and verified")
    assert sorted(n.ticket_id for n in notes) == sorted(t.pk for t in tickets)
    assert not other.messages.filter(direction="note").exists()


def test_an_sms_continues_the_open_ticket_of_that_phone(db):
    ticket, opened = services.receive_customer_text(phone="+255712000444", text=NO_NET)
    assert opened
    ticket.status = TicketStatus.WAITING
    ticket.save()
    same, opened = services.receive_customer_text(
        phone="+255712000444", text="Bado haifanyi kazi", external_ref="sms:1"
    )
    assert same == ticket and not opened
    same.refresh_from_db()
    assert same.status == TicketStatus.OPEN and same.messages.count() == 2
    # a replayed delivery adds nothing
    services.receive_customer_text(
        phone="+255712000444", text="Bado haifanyi kazi", external_ref="sms:1"
    )
    assert same.messages.count() == 2


@pytest.mark.parametrize(
    ("text", "phone", "field"),
    [
        ("", "+255712000555", "text"),
        ("   \n ", "+255712000555", "text"),
        ("x" * 50_000, "+255712000555", "text"),
        (NO_NET, "not a phone", "phone"),
        (NO_NET, "", "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(text, phone, field):
    with pytest.raises(ValidationError) as error:
        services.open_ticket(text=text, channel=Channel.API, phone=phone)
    assert field in error.value.message_dict
    assert Ticket.objects.count() == 0 and TicketMessage.objects.count() == 0


def test_who_sees_which_ticket(make_site, make_user, users):
    here, there = make_site(), make_site()
    at_here = services.open_ticket(
        text=NO_NET,
        channel=Channel.DESK,
        phone="+255712000666",
        site=here,
        actor=users[Role.MARKETING],
    )
    at_there = services.open_ticket(
        text=NO_NET,
        channel=Channel.DESK,
        phone="+255712000777",
        site=there,
        actor=users[Role.MARKETING],
    )
    unsited = services.open_ticket(
        text="Hello, who is this?", channel=Channel.SMS, phone="+255712000888"
    )
    care_here = make_user(Role.MARKETING)
    care_here.site_scope.add(here)
    # staff narrowed to a site see its tickets and the unsited ones (to triage them)
    assert set(selectors.tickets_visible_to(care_here)) == {at_here, unsited}
    assert set(selectors.tickets_visible_to(users[Role.SUPER_ADMIN])) == {
        at_here,
        at_there,
        unsited,
    }
    assert list(selectors.tickets_visible_to(users[Role.AGENT])) == []
    assert list(selectors.tickets_visible_to(users[Role.SALES])) == []


def test_an_agent_may_not_open_or_file_tickets(users):
    with pytest.raises(NotAllowed):
        services.open_ticket(
            text=NO_NET, channel=Channel.DESK, phone="+255712000999", actor=users[Role.AGENT]
        )
    ticket = services.open_ticket(text=NO_NET, channel=Channel.SMS, phone="+255712000999")
    with pytest.raises(NotAllowed):
        services.set_category(
            ticket=ticket, category=Category.objects.get(slug="other"), actor=users[Role.TECHNICAL]
        )
    filed = services.set_category(
        ticket=ticket, category=Category.objects.get(slug="other"), actor=users[Role.MARKETING]
    )
    assert filed.category_corrected and not filed.needs_triage


def test_a_text_from_a_short_code_opens_no_ticket():
    from erp.support.subscribers import on_sms_received

    on_sms_received({"phone": "15888", "text": "Umepokea bonasi ya MB 100", "inbound": "x"})
    assert Ticket.objects.count() == 0


def test_super_admin_edits_a_category_in_the_admin(client, users):
    other = Category.objects.get(slug="other")
    client.force_login(users[Role.SUPER_ADMIN])
    url = f"/admin/support/category/{other.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "name": "General question",
            "team": "customer_care",
            "default_priority": "low",
            "active": "on",
            "slug": "hijacked",
        },
    )
    assert response.status_code == 302, response.content[:500]
    other.refresh_from_db()
    assert other.name == "General question" and other.slug == "other"
    client.force_login(users[Role.MARKETING])
    assert client.get(url).status_code in (302, 403)


def test_a_site_named_in_the_text_is_linked_when_the_phone_is_unknown(make_site):
    mbezi = make_site(name="Mbezi Beach")
    make_site(name="Sinza")
    ticket = services.open_ticket(
        text="Hakuna mtandao hapa MBEZI beach tangu asubuhi",
        channel=Channel.SMS,
        phone="+255712000321",
    )
    assert ticket.site == mbezi and ticket.extracted["sites"] == ["Mbezi Beach"]
    assert ticket.enrichment["site"]["name"] == "Mbezi Beach"
    vague = services.open_ticket(
        text="No internet at Mbezi Beach or Sinza", channel=Channel.SMS, phone="+255712000322"
    )
    assert vague.site is None and set(vague.extracted["sites"]) == {"Mbezi Beach", "Sinza"}
