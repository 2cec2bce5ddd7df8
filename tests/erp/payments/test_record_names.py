"""Records as a person reads them (issue 23): a page or list that shows a record by its name
shows what it is (amount, package, site, date, whose), never its UUID or a username."""

from __future__ import annotations

import re
import uuid

import pytest
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core import formats
from erp.payments import services
from erp.payments.models import Reconciliation
from erp.sync.models import Device

UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}")


@pytest.fixture
def issued(wave, online_stock):
    wave.account()
    stock = online_stock(count=2, agent_count=0)
    payment = services.start_payment(
        site=stock["site"],
        package=stock["hour"],
        hotspot={"mac": "02:00:00:00:00:01"},
        success_url="http://erp.test/ok",
        error_url="http://erp.test/err",
    )
    wave.state.complete(payment.provider_session_id)
    return services.settle(payment.pk)


@pytest.mark.django_db
def test_a_payment_page_names_the_payment_and_its_refunder(client, issued, users):
    finance = users[Role.FINANCE]
    finance.first_name, finance.last_name = "Neema", "Kessy"
    finance.save()
    name = str(issued)
    assert issued.package.name in name and issued.site.name in name
    symbol = formats.currency_format(issued.currency)["symbol"]  # "FCFA 500" for Wave's XOF
    assert name.startswith(f"{symbol}\u00a0") and not UUID.search(name)

    client.force_login(finance)
    client.post(f"/payments/{issued.pk}/refund/", {"reason": "asked"})
    page = client.get(f"/payments/{issued.pk}/").content.decode()
    title = re.search(r'id="payment-title">([^<]*)<', page).group(1)
    assert issued.site.name in title and issued.package.name in title
    assert str(issued.pk)[:8] not in title
    refunds = re.search(r'id="refunds">(.*?)</table>', page, re.S).group(1)
    assert "Neema Kessy" in refunds and finance.username not in refunds

    # the refund and the sale it gave read as money and dates, not ids
    refund = issued.refunds.get()
    assert refund.get_state_display() in str(refund)
    assert str(issued.pk) not in str(refund) and issued.site.name in str(refund)
    sale = issued.sale
    # "#12, TSh 500, 26 Nov 2026, 17:04": the receipt, the money as people write it, the time
    assert re.fullmatch(
        rf"#{sale.receipt_number}, TSh\u00a0[\d,]+, \d+ \w+ \d{{4}}, \d\d:\d\d", str(sale)
    )


@pytest.mark.django_db
def test_a_field_app_device_and_a_reconciliation_read_as_words(users):
    technician = users[Role.TECHNICAL]
    technician.first_name, technician.last_name = "Asha", "Mushi"
    technician.save()
    device = Device.objects.create(id=uuid.uuid4(), user=technician, user_agent="Chrome on Android")
    name = str(device)
    assert name.startswith("Asha Mushi's device (Chrome on Android), first seen ")
    assert str(device.id)[:8] not in name and technician.username not in name

    day = timezone.localdate()
    report = Reconciliation(day=day, differences=[{"payment": "x"}, {"payment": "y"}])
    assert str(report).endswith(": 2 differences") and day.isoformat() not in str(report)
    assert str(Reconciliation(day=day, differences=[{"payment": "x"}])).endswith(": 1 difference")
