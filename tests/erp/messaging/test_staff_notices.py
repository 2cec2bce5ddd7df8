"""SMS on other apps' facts, through domain events: a fault's confirmation and closure to its
reporter, a remittance receipt to the agent. The announcing apps never import messaging."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.core.models import EventDelivery
from erp.maintenance import services as maintenance
from erp.maintenance.choices import Severity
from erp.messaging.models import Message, Template
from erp.sales import services as sales

pytestmark = pytest.mark.django_db


def _report(reporter, site, capture):
    with capture(execute=True):
        return maintenance.report_fault(
            actor=reporter, site=site, description="Mast antenna down", severity=Severity.MAJOR
        )


def test_a_reported_fault_is_confirmed_and_its_closure_notified_to_the_reporter(
    make_site, admin_user, users, gateway, django_capture_on_commit_callbacks
):
    reporter = admin_user
    reporter.phone = "+255713000111"
    reporter.language = "sw"
    reporter.save()
    site = make_site()
    fault = _report(reporter, site, django_capture_on_commit_callbacks)

    confirmation = Message.objects.get(source=f"fault-reported:{fault.pk}")
    assert confirmation.phone == "+255713000111"
    assert confirmation.template.code == "fault-reported"
    assert "imepokelewa" in confirmation.text  # the reporter's language
    # the fault's human number, given in order (F-00042), not a piece of its UUID
    assert fault.number and fault.reference == f"F-{fault.number:05d}"
    assert fault.reference in confirmation.text and site.name in confirmation.text
    assert EventDelivery.objects.get(key=str(fault.pk)).delivered_at is not None
    assert not Message.objects.filter(source=f"fault-closed:{fault.pk}").exists()

    technician = users[Role.TECHNICAL]
    maintenance.triage_fault(actor=reporter, fault=fault, technician=technician)
    maintenance.record_repair(
        actor=technician, fault=fault, diagnosis="cable", actions="replaced", minutes_spent=30
    )
    # sent back: no closure notice
    with django_capture_on_commit_callbacks(execute=True):
        maintenance.verify_fault(actor=reporter, fault=fault, confirm=False, reason="still down")
    assert not Message.objects.filter(source=f"fault-closed:{fault.pk}").exists()
    maintenance.record_repair(
        actor=technician, fault=fault, diagnosis="cable", actions="again", minutes_spent=10
    )
    with django_capture_on_commit_callbacks(execute=True):
        maintenance.verify_fault(actor=reporter, fault=fault, confirm=True)
    closure = Message.objects.get(source=f"fault-closed:{fault.pk}")
    assert closure.phone == "+255713000111" and "kufungwa" in closure.text
    assert fault.reference in closure.text
    assert Message.objects.filter(source__startswith="fault-").count() == 2
    second = _report(reporter, site, django_capture_on_commit_callbacks)
    assert second.number == fault.number + 1  # numbers are given in order


def test_a_reporter_without_a_phone_or_a_failed_report_sends_nothing(
    make_site, admin_user, gateway, django_capture_on_commit_callbacks
):
    site = make_site()
    fault = _report(admin_user, site, django_capture_on_commit_callbacks)  # no phone
    assert not Message.objects.filter(source=f"fault-reported:{fault.pk}").exists()
    # the event was still delivered (the subscriber chose to send nothing), not left to retry
    assert EventDelivery.objects.get(key=str(fault.pk)).delivered_at is not None

    admin_user.phone = "+255713000111"
    admin_user.save()
    before = EventDelivery.objects.count()
    with pytest.raises(ValidationError):  # an unknown severity: nothing is recorded
        maintenance.report_fault(actor=admin_user, site=site, description="", severity="nope")
    assert EventDelivery.objects.count() == before
    assert not Message.objects.exclude(source=f"fault-reported:{fault.pk}").exists()


@pytest.fixture
def agent_with_debt(make_agent_stock, users):
    agent = users[Role.AGENT]
    agent.phone = "+255754000222"
    agent.save()
    package = make_agent_stock(agent=agent, quantity=3)["package"]
    for _ in range(2):
        sales.sell(
            seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", package=package
        )
    return agent


def test_a_remittance_texts_the_agent_a_receipt_with_the_balance(
    agent_with_debt, users, gateway, django_capture_on_commit_callbacks
):
    agent = agent_with_debt
    owed = sales.agent_balance(agent)
    assert owed == Decimal("1000.00")
    with django_capture_on_commit_callbacks(execute=True):
        remittance = sales.record_remittance(
            actor=users[Role.FINANCE], agent=agent, amount=Decimal("600"), method="cash"
        )
    message = Message.objects.get(source=f"remittance:{remittance.pk}")
    assert message.phone == "+255754000222"
    assert message.template == Template.objects.get(code="remittance-receipt")
    assert "TSh 600" in message.text and "TSh 400" in message.text  # what is still owed
    assert str(remittance.pk)[:8].upper() in message.text

    # a refused remittance announces nothing
    before = Message.objects.count()
    with pytest.raises(ValidationError, match="confirm"):
        sales.record_remittance(
            actor=users[Role.FINANCE], agent=agent, amount=Decimal("5000"), method="cash"
        )
    assert Message.objects.count() == before
    assert EventDelivery.objects.filter(event="sales.remittance_recorded").count() == 1


def test_a_switched_off_template_sends_nothing_but_the_remittance_stands(
    agent_with_debt, users, gateway, django_capture_on_commit_callbacks
):
    Template.objects.filter(code="remittance-receipt").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        remittance = sales.record_remittance(
            actor=users[Role.FINANCE], agent=agent_with_debt, amount=Decimal("100"), method="cash"
        )
    assert not Message.objects.filter(source=f"remittance:{remittance.pk}").exists()
    assert sales.agent_balance(agent_with_debt) == Decimal("900.00")
