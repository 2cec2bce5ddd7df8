"""Reminders before access ends: only to clients who agreed, once per access period, never
in the quiet hours, in the client's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erp.clients.models import Client
from erp.messaging import services
from erp.messaging.models import Message

pytestmark = pytest.mark.django_db


def _local(hour: int) -> dt.datetime:
    day = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_reminders_go_once_to_consenting_clients_outside_quiet_hours(gateway, make_client):
    noon = _local(12)
    yes = make_client(marketing_consent=True, name="Asha", language="sw")
    no = make_client(marketing_consent=False)
    later = make_client(marketing_consent=True)
    Client.objects.filter(pk__in=[yes.pk, no.pk]).update(expires_at=noon + dt.timedelta(hours=2))
    Client.objects.filter(pk=later.pk).update(expires_at=noon + dt.timedelta(hours=30))
    assert services.queue_expiry_reminders(now=noon) == 1
    message = Message.objects.get()
    assert message.client_id == yes.pk and "Asha, intaneti yako" in message.text
    assert "14:00" in message.text  # the end of access in local time
    # the next run (15 minutes later) sends nothing again
    assert services.queue_expiry_reminders(now=noon + dt.timedelta(minutes=15)) == 0
    # a new purchase (a new end of access) is reminded again
    Client.objects.filter(pk=yes.pk).update(expires_at=noon + dt.timedelta(hours=2, minutes=30))
    assert services.queue_expiry_reminders(now=noon + dt.timedelta(minutes=30)) == 1


@pytest.mark.parametrize("hour", [21, 23, 2, 7])
def test_nothing_in_the_quiet_hours(gateway, make_client, hour):
    moment = _local(hour)
    client = make_client(marketing_consent=True)
    Client.objects.filter(pk=client.pk).update(expires_at=moment + dt.timedelta(hours=1))
    assert services.queue_expiry_reminders(now=moment) == 0
    assert Message.objects.count() == 0


def test_access_ending_in_the_quiet_hours_is_reminded_before_they_begin(gateway, make_client):
    """Quiet hours 21:00–08:00: an access ending at 02:00 would be reminded at 23:00 (quiet)
    and then never; it is reminded in the last half hour before 21:00, once."""
    night = make_client(marketing_consent=True)
    morning = make_client(marketing_consent=True)
    Client.objects.filter(pk=night.pk).update(expires_at=_local(23) + dt.timedelta(hours=3))
    Client.objects.filter(pk=morning.pk).update(expires_at=_local(10) + dt.timedelta(days=1))
    assert services.queue_expiry_reminders(now=_local(18)) == 0  # not yet: 3 h before quiet
    assert services.queue_expiry_reminders(now=_local(20) + dt.timedelta(minutes=30)) == 1
    assert Message.objects.get().client_id == night.pk
    assert services.queue_expiry_reminders(now=_local(20) + dt.timedelta(minutes=45)) == 0
    assert services.queue_expiry_reminders(now=_local(22)) == 0  # quiet
    # the 10:00 one is reminded the normal way once the quiet hours end
    next_morning = _local(8) + dt.timedelta(days=1)
    assert services.queue_expiry_reminders(now=next_morning) == 1
    assert Message.objects.filter(client=morning).count() == 1
