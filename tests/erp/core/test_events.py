"""Domain events (erp.core.events): a fact's reactions run after its commit, once each, and a
failing subscriber never undoes the fact; its delivery is retried until it succeeds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from erp.core import events
from erp.core.models import EventDelivery
from erp.maintenance.models import Fault
from erp.mikrotik import services as mikrotik
from erp.mikrotik.events import ROUTER_STATUS_CHANGED
from erp.mikrotik.models import RouterEvent
from workflows.fault_repair.models import FaultRepairProcess
from workflows.fault_repair.services import on_router_status_changed

pytestmark = pytest.mark.django_db


def test_maintenance_subscribes_to_router_status_changes():
    assert events.handler_id(on_router_status_changed) in events.subscribers(ROUTER_STATUS_CHANGED)


def test_a_router_down_opens_exactly_one_fault_after_the_commit(
    make_router, django_capture_on_commit_callbacks
):
    router = make_router()
    with django_capture_on_commit_callbacks(execute=True):
        assert mikrotik.record_status(router, up=False, message="timeout") is True
        # nothing reacts before the commit
        assert not Fault.objects.exists()
    down = RouterEvent.objects.get(kind="down")
    assert Fault.objects.filter(router=router).count() == 1
    assert FaultRepairProcess.objects.count() == 1
    delivery = EventDelivery.objects.get(key=str(down.pk))
    assert delivery.delivered_at is not None and delivery.attempts == 1
    # the same occurrence announced again is not delivered again
    with django_capture_on_commit_callbacks(execute=True):
        events.announce(ROUTER_STATUS_CHANGED, key=str(down.pk), router_event_id=str(down.pk))
    # (the fault's triage task announces its own hand-over event: counted apart)
    router_deliveries = EventDelivery.objects.filter(event=ROUTER_STATUS_CHANGED)
    assert router_deliveries.count() == 1 and Fault.objects.count() == 1
    # polls while it stays down announce nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert mikrotik.record_status(router, up=False, message="timeout") is False
    assert router_deliveries.count() == 1


def test_a_failing_subscriber_keeps_the_event_and_is_retried_until_it_succeeds(
    make_router, monkeypatch, django_capture_on_commit_callbacks
):
    from erp.maintenance import services as maintenance

    real = maintenance.open_router_fault

    def broken(**kwargs):
        raise RuntimeError("maintenance broke")

    monkeypatch.setattr(maintenance, "open_router_fault", broken)
    router = make_router()
    with django_capture_on_commit_callbacks(execute=True):
        assert mikrotik.record_status(router, up=False, message="timeout") is True

    # the fact stands; the reaction waits with its error and a time to try again
    router.refresh_from_db()
    assert router.status == "down" and RouterEvent.objects.filter(kind="down").count() == 1
    assert not Fault.objects.exists()
    delivery = EventDelivery.objects.get(event=ROUTER_STATUS_CHANGED)
    assert delivery.delivered_at is None and delivery.attempts == 1
    assert delivery.last_error == "RuntimeError: maintenance broke"
    assert delivery.next_attempt_at > timezone.now()

    # not due yet: the sweep leaves it
    assert events.deliver_due() == 0
    # due, still broken: one more attempt, a longer wait
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert events.deliver_due(now=later) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at > later

    # fixed: the next sweep delivers it, once
    monkeypatch.setattr(maintenance, "open_router_fault", real)
    assert events.deliver_due(now=delivery.next_attempt_at) == 1
    assert Fault.objects.filter(router=router).count() == 1
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.last_error == ""
    # a later sweep delivers the router event no more: only what the fault's opening announced
    # (its triage task's hand-over notice) is still due
    others = EventDelivery.objects.filter(delivered_at__isnull=True)
    assert not others.filter(event=ROUTER_STATUS_CHANGED).exists()
    due = others.count()
    assert events.deliver_due(now=delivery.next_attempt_at + dt.timedelta(days=1)) == due
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and Fault.objects.count() == 1


def test_a_delivery_whose_process_died_before_delivering_is_picked_up_by_the_sweep(make_router):
    # the after-commit delivery never runs here (the test's transaction never commits), as
    # when the process is killed between the commit and the delivery
    router = make_router()
    mikrotik.record_status(router, up=False, message="timeout")
    delivery = EventDelivery.objects.get()
    assert delivery.delivered_at is None and not Fault.objects.exists()
    assert events.deliver_due(now=delivery.next_attempt_at) == 1
    assert Fault.objects.filter(router=router).count() == 1


def test_a_rolled_back_fact_delivers_nothing(make_router, django_capture_on_commit_callbacks):
    router = make_router()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mikrotik.record_status(router, up=False, message="timeout")
        raise RuntimeError("the poll failed after recording")
    assert callbacks == []
    assert not EventDelivery.objects.exists() and not RouterEvent.objects.exists()
    assert not Fault.objects.exists()
