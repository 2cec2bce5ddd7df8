"""Templates (placeholders, languages, parts) and the receipt SMS of a sale."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.messaging import services
from erp.messaging.models import Message, Template
from erp.sales import services as sales
from erp.vouchers import services as voucher_services
from tests.conftest import put_on_router

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_router, users, admin_user):
    router = make_router()
    router.site.agents.add(users[Role.AGENT])
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = voucher_services.request_batch(
        actor=None, package=package, router=router, quantity=5, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    return {"site": router.site, "package": package}


def test_an_unknown_placeholder_is_refused_and_nothing_saved(admin_user):
    before = Template.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.save_template(
            actor=admin_user, code="x", name="X", text_en="Hi {client_name}", text_sw="{jina}"
        )
    assert "{jina}" in str(exc.value.message_dict["text_sw"])
    with pytest.raises(ValidationError):
        services.save_template(actor=admin_user, code="y", name="Y", text_en="Hi {client_name")
    assert Template.objects.count() == before


def test_the_preview_says_how_many_parts(admin_user):
    template = services.save_template(
        actor=admin_user, code="long", name="Long", text_en="{client_name} " + "x" * 160
    )
    shown = services.preview(template=template, language="en", values={"client_name": "Asha"})
    assert shown["parts"] == 2 and shown["encoding"] == "GSM-7"
    assert "2 SMS parts" in shown["warning"]


def test_a_sale_to_a_client_queues_the_receipt_in_the_clients_language(
    shop, users, gateway, django_capture_on_commit_callbacks
):
    """The sale's transaction records the event delivery (durable with the sale); after the
    commit the SMS app queues the message."""
    from erp.core.models import EventDelivery

    agent = users[Role.SALES]
    with django_capture_on_commit_callbacks(execute=True):
        sale, _ = sales.sell_to_phone(
            seller=agent,
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            phone="+255712345678",
            name="Asha",
            package=shop["package"],
        )
    assert EventDelivery.objects.get(key=str(sale.pk)).delivered_at is not None
    message = Message.objects.get(source=f"sale:{sale.pk}")
    assert message.phone == "+255712345678"
    assert sale.voucher.code in message.text and "Asante Asha" in message.text  # Swahili
    assert f"Risiti {sale.receipt_number}" in message.text
    assert message.client_id == sale.client_id and message.queued_by == agent
    # the same sale replayed queues nothing new
    again, created = sales.sell_to_phone(
        seller=agent,
        idempotency_key=sale.idempotency_key,
        payment_method="cash",
        phone="+255712345678",
        name="Asha",
        package=shop["package"],
    )
    assert not created and Message.objects.count() == 1


def test_the_agent_may_send_the_receipt_to_another_number(
    shop, users, gateway, make_client, django_capture_on_commit_callbacks
):
    client = make_client(site=shop["site"], phone="+255712345670", name="Juma", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        sale, _ = sales.sell(
            seller=users[Role.SALES],
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            package=shop["package"],
            client=client,
            receipt_phone="+255754000111",
        )
    message = Message.objects.get(source=f"sale:{sale.pk}")
    assert message.phone == "+255754000111"
    assert message.text.startswith("Thank you Juma!")


def test_a_sale_without_a_client_sends_nothing(shop, users, gateway):
    sales.sell(
        seller=users[Role.SALES],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=shop["package"],
    )
    assert Message.objects.count() == 0


def test_a_refused_sale_queues_no_sms(shop, users, gateway):
    with pytest.raises(ValidationError):
        sales.sell_to_phone(
            seller=users[Role.SALES],
            idempotency_key=uuid.uuid4(),
            payment_method="mobile_money",
            phone="+255712345678",
            package=shop["package"],
        )
    assert Message.objects.count() == 0


def test_a_sale_through_the_api_sends_the_receipt_where_the_agent_said(
    shop, users, gateway, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(users[Role.SALES]).post(
            "/api/v1/sales/",
            {
                "package": str(shop["package"].pk),
                "payment_method": "cash",
                "client_phone": "+255712345678",
                "receipt_phone": "0754 000 222",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert r.status_code == 201, r.content
    message = Message.objects.get(source=f"sale:{r.json()['id']}")
    assert message.phone == "+255754000222"


def test_a_receipt_to_a_landline_is_dropped_with_a_log_not_retried(
    shop, users, gateway, make_client, django_capture_on_commit_callbacks, caplog
):
    from erp.core.models import EventDelivery

    client = make_client(site=shop["site"], phone="+255712345671")
    with django_capture_on_commit_callbacks(execute=True):
        sale, _ = sales.sell(
            seller=users[Role.SALES],
            idempotency_key=uuid.uuid4(),
            payment_method="cash",
            package=shop["package"],
            client=client,
            receipt_phone="+255222111234",
        )
    assert Message.objects.count() == 0
    assert EventDelivery.objects.get(key=str(sale.pk)).delivered_at is not None
    assert "no receipt SMS" in caplog.text
