"""SLA due times in a site's business hours: a policy counts 24/7 (the default: nothing changes
for existing data) or only the opening hours of the ticket's site, in the site's time zone.
The dates cross nights and a weekend: Friday 27 November 2026, Dar es Salaam (UTC+3)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.support import hours, services
from erp.support.choices import Channel, Direction, Priority, SlaClock, TicketStatus
from erp.support.models import SiteHours, SlaPolicy

DAR = zoneinfo.ZoneInfo("Africa/Dar_es_Salaam")
OFFICE = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-17:00")
SLOW = "Internet iko slow sana leo"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=DAR)


def test_business_time_skips_nights_and_the_weekend():
    week = hours.week_of("Africa/Dar_es_Salaam", OFFICE)
    two_hours, day = dt.timedelta(hours=2), dt.timedelta(hours=24)
    # Friday 16:30 + 2 h: half an hour on Friday, then Monday from 08:00
    assert hours.add(at(27, 16, 30), two_hours, week) == at(30, 9, 30)
    # + 24 h of business time: Fri 0.5 + Mon 9 + Tue 9 + Wed 5.5 → Wednesday 13:30
    assert hours.add(at(27, 16, 30), day, week) == dt.datetime(2026, 12, 2, 13, 30, tzinfo=DAR)
    # opened on Saturday: the clock starts on Monday morning
    assert hours.add(at(28, 10), dt.timedelta(minutes=30), week) == at(30, 8, 30)
    # opened in the night: starts at opening
    assert hours.add(at(26, 22), dt.timedelta(hours=1), week) == at(27, 9)
    # inside the day, as 24/7
    assert hours.add(at(26, 9), two_hours, week) == at(26, 11)
    assert hours.between(at(27, 16), at(30, 9), week) == two_hours
    assert hours.between(at(28, 9), at(29, 23), week) == dt.timedelta(0)
    # 24/7 (no week): plain addition, even across the night
    assert hours.add(at(27, 16, 30), two_hours, None) == at(27, 18, 30)
    # a week open all day every day is 24/7, also across a daylight-saving change (Paris,
    # 28 March 2027: 3 hours later is 3 real hours later)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    always = hours.week_of("Europe/Paris", dict.fromkeys(hours.DAYS, "00:00-24:00"))
    start = dt.datetime(2027, 3, 27, 23, 30, tzinfo=paris)
    later = hours.add(start, dt.timedelta(hours=3), always)
    assert later == dt.datetime(2027, 3, 27, 22, 30, tzinfo=dt.UTC) + dt.timedelta(hours=3)
    assert later.astimezone(paris).hour == 3  # 03:30 summer time


@pytest.mark.parametrize(
    ("week", "zone"),
    [
        ({"mon": "17:00-08:00"}, "Africa/Dar_es_Salaam"),
        ({"mon": "25:00-26:00"}, "Africa/Dar_es_Salaam"),
        ({"mon": "8-5"}, "Africa/Dar_es_Salaam"),
        ({"someday": "08:00-17:00"}, "Africa/Dar_es_Salaam"),
        ({}, "Africa/Dar_es_Salaam"),
        (OFFICE, "Mars/Olympus_Mons"),
    ],
)
def test_bad_hours_are_refused_with_a_reason(db, make_site, week, zone):
    site_hours = SiteHours(site=make_site(), week=week, time_zone=zone)
    with pytest.raises(ValidationError) as error:
        site_hours.full_clean()
    assert set(error.value.message_dict) & {"week", "time_zone"}


def _policies(clock):
    """Every priority: 2 h to the first answer, 24 h to the resolution, on ``clock``."""
    for priority in Priority.values:
        SlaPolicy.objects.update_or_create(
            priority=priority,
            defaults={"first_response_minutes": 120, "resolution_minutes": 1440, "clock": clock},
        )


@pytest.fixture
def business(db):
    _policies(SlaClock.BUSINESS)


def _open(users, site, now, phone="+255712450001"):
    return services.open_ticket(
        text=SLOW,
        channel=Channel.DESK,
        phone=phone,
        site=site,
        actor=users[Role.MARKETING],
        now=now,
    )


def test_due_times_follow_the_sites_hours_and_a_late_friday_ticket_is_not_late_on_saturday(
    business, users, make_site
):
    office, everywhere = make_site(), make_site()
    SiteHours.objects.create(site=office, week=OFFICE, time_zone="Africa/Dar_es_Salaam")
    ticket = _open(users, office, at(27, 16, 30))
    assert ticket.first_response_due == at(30, 9, 30)
    assert ticket.resolution_due == dt.datetime(2026, 12, 2, 13, 30, tzinfo=DAR)
    # Saturday noon: nothing is late (24/7 it would be, by 17 hours)
    assert not services.check_sla(ticket=ticket, now=at(28, 12))
    ticket.refresh_from_db()
    assert not ticket.first_response_breached and ticket.escalated_at is None
    # Monday 09:31 it is
    assert services.check_sla(ticket=ticket, now=at(30, 9, 31))
    ticket.refresh_from_db()
    assert ticket.first_response_breached and not ticket.resolution_breached

    # a site without hours is open 24/7 (another customer: the same phone and words within a
    # day of the first ticket's creation, which is the real clock's, would be its duplicate)
    other = _open(users, everywhere, at(27, 16, 30), phone="+255712450002")
    assert other.first_response_due == at(27, 18, 30)
    assert other.resolution_due == at(28, 16, 30)


def test_a_24_7_policy_ignores_the_sites_hours(db, users, make_site):
    _policies(SlaClock.ALWAYS)
    office = make_site()
    SiteHours.objects.create(site=office, week=OFFICE, time_zone="Africa/Dar_es_Salaam")
    ticket = _open(users, office, at(27, 16, 30))
    assert SlaPolicy.objects.get(priority=ticket.priority).clock == SlaClock.ALWAYS
    assert ticket.first_response_due == at(27, 18, 30)


def test_a_wait_over_the_night_and_the_weekend_keeps_the_business_time_that_was_left(
    business, users, make_site
):
    office = make_site()
    SiteHours.objects.create(site=office, week=OFFICE, time_zone="Africa/Dar_es_Salaam")
    care = users[Role.MARKETING]
    # Thursday 15:00: first answer due 17:00, resolution Tue 12:00 (Thu 2 + Fri 9 + Mon 9 + 4)
    ticket = _open(users, office, at(26, 15))
    assert ticket.first_response_due == at(26, 17)
    assert ticket.resolution_due == dt.datetime(2026, 12, 1, 12, 0, tzinfo=DAR)
    # Thursday 16:00 the agent asks and waits: 1 h and 23 h of business time are left
    services.wait_for_customer(ticket=ticket, actor=care, now=at(26, 16))
    # the customer answers on Saturday morning: the clock runs again from Monday 08:00
    services.add_message(
        ticket=ticket,
        text="Bado ni slow",
        direction=Direction.IN,
        channel=Channel.SMS,
        now=at(28, 10),
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.paused_at is None
    assert ticket.first_response_due == at(30, 9)
    # Mon 9 + Tue 9 + Wed 5 = 23 h → Wednesday 13:00
    assert ticket.resolution_due == dt.datetime(2026, 12, 2, 13, 0, tzinfo=DAR)
    assert ticket.waited == dt.timedelta(hours=42)
