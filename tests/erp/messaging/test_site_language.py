"""Issue 21: a new client of a French site gets French SMS (Site.language → Client.language)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.messaging.models import Message
from erp.sales import services as sales
from erp.sites import services as site_services
from erp.vouchers import services as voucher_services
from tests.conftest import put_on_router

pytestmark = pytest.mark.django_db


def test_a_new_client_at_a_french_site_gets_the_receipt_in_french(
    make_router, users, admin_user, gateway, django_capture_on_commit_callbacks
):
    router = make_router()
    site = router.site
    site_services.update_site(actor=admin_user, site=site, language="fr")
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=1, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    site.agents.add(users[Role.AGENT])
    with django_capture_on_commit_callbacks(execute=True):
        sale, _ = sales.sell_to_phone(
            seller=users[Role.SALES],
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            phone="+255712345678",
            name="Awa",
            package=package,
        )
    assert sale.client.language == "fr"
    text = Message.objects.get(source=f"sale:{sale.pk}").text
    assert text.startswith("Merci Awa") and "Asante" not in text
