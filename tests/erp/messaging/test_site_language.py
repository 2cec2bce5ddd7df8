"""Issue 21: a new client of a French site gets French SMS (Site.language → Client.language)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erp.accounts.roles import Role
from erp.messaging.models import Message
from erp.sales import services as sales
from erp.sites import services as site_services
from erp.vouchers import services as voucher_services
from tests.conftest import put_on_router

pytestmark = pytest.mark.django_db


def _sold(router, admin_user, seller, capture, *, package: str, price: str, days: int, **buyer):
    """One voucher of a new package at the router's site, sold to a phone; the SMS queued."""
    package = voucher_services.save_package(
        actor=admin_user,
        name=package,
        price=Decimal(price),
        validity_seconds=days * 86400,
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=1, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    with capture(execute=True):
        sale, _ = sales.sell_to_phone(
            seller=seller,
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            package=package,
            **buyer,
        )
    sale.client.refresh_from_db()  # its access end, set by the sale
    return sale, Message.objects.get(source=f"sale:{sale.pk}").text


def test_a_new_client_at_a_french_site_gets_the_receipt_in_french(
    make_router, users, admin_user, gateway, django_capture_on_commit_callbacks
):
    router = make_router()
    site = router.site
    # a West African site: French, and its clock three hours behind Dar es Salaam's
    site_services.update_site(actor=admin_user, site=site, language="fr", time_zone="Africa/Dakar")
    site.agents.add(users[Role.AGENT])
    sale, text = _sold(
        router,
        admin_user,
        users[Role.SALES],
        django_capture_on_commit_callbacks,
        package="1 Day",
        price="1000",
        days=1,
        phone="+255712345678",
        name="Awa",
    )
    assert sale.client.language == "fr"
    assert text.startswith("Merci Awa") and "Asante" not in text
    # the price as French writes it (the no-break spaces become plain ones: GSM-7), once
    assert "1 Day, 1 000 TSh." in text and text.count("TSh") == 1
    # the end of access on Dakar's clock (UTC), not the server's (UTC+3)
    ends = sale.client.expires_at.astimezone(ZoneInfo("Africa/Dakar"))
    assert f"jusqu'au {ends:%d/%m %H:%M}." in text
    assert ends.astimezone(ZoneInfo("Africa/Dar_es_Salaam")).strftime("%H:%M") not in text


def test_a_swahili_receipt_writes_the_price_with_its_currency_once(
    make_router, users, admin_user, gateway, django_capture_on_commit_callbacks
):
    sale, text = _sold(
        make_router(),
        admin_user,
        users[Role.SALES],
        django_capture_on_commit_callbacks,
        package="Wiki",
        price="12500",
        days=7,
        phone="+255712345679",
        name="Asha",
    )
    assert sale.client.language == "sw"
    assert "Wiki, TSh 12,500." in text and text.count("TSh") == 1
    ends = timezone.localtime(sale.client.expires_at, ZoneInfo("Africa/Dar_es_Salaam"))
    assert f"{ends:%d/%m %H:%M}" in text


def test_a_site_refuses_an_unknown_time_zone(make_router, admin_user):
    site = make_router().site
    with pytest.raises(ValidationError) as exc:
        site_services.update_site(actor=admin_user, site=site, time_zone="Mars/Olympus")
    assert "time_zone" in exc.value.message_dict
    site.refresh_from_db()
    assert site.time_zone == "Africa/Dar_es_Salaam"
