"""Voucher pages: search by code, history, an agent's own stock; packages edited in the UI."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp.accounts.roles import Role
from erp.vouchers import services
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Package, Voucher


@pytest.fixture
def stock(make_router, users, admin_user):
    router = make_router()
    router.site.agents.add(users[Role.AGENT])
    package = services.save_package(
        actor=admin_user,
        name="1 Hour",
        price=Decimal("500"),
        validity_seconds=3600,
        sites=[router.site],
    )
    batch = services.request_batch(
        actor=None, package=package, router=router, quantity=5, preapproved=True
    )
    services.generate_batch(batch)
    vouchers = list(Voucher.objects.order_by("code"))
    services.assign_to_agent(
        actor=users[Role.SALES],
        agent=users[Role.AGENT],
        vouchers=Voucher.objects.filter(pk=vouchers[0].pk),
    )
    services.transition(vouchers[0], VoucherStatus.SOLD, actor=users[Role.AGENT])
    return vouchers


@pytest.mark.django_db
def test_support_finds_a_code_and_reads_its_history(client, users, stock):
    client.force_login(users[Role.SALES])
    code = stock[0].code
    found = client.get("/vouchers/voucher/", {"_search": code})
    assert found.status_code == 200
    body = found.content.decode()
    assert code in body and stock[1].code not in body
    detail = " ".join(
        client.get(f"/vouchers/voucher/{stock[0].pk}/detail/").content.decode().split()
    )
    assert "Assigned to an agent" in detail and "Sold" in detail and "agent" in detail


@pytest.mark.django_db
def test_agent_sees_only_own_vouchers(client, users, stock):
    client.force_login(users[Role.AGENT])
    body = client.get("/vouchers/voucher/").content.decode()
    assert stock[0].code in body and stock[1].code not in body
    assert client.get(f"/vouchers/voucher/{stock[1].pk}/detail/").status_code == 404


@pytest.mark.django_db
def test_package_form_validates_and_saves_through_the_service(client, users, make_site):
    site = make_site()
    client.force_login(users[Role.SUPER_ADMIN])
    bad = client.post(
        "/vouchers/package/add/",
        {
            "name": "Fast",
            "price": "-5",
            "validity_seconds": "10",
            "rate_limit": "fast",
            "shared_users": "1",
            "sites": [str(site.pk)],
            "is_active": "on",
        },
    )
    assert bad.status_code in (200, 422) and not Package.objects.exists()
    text = bad.content.decode()
    assert "MikroTik rate-limit syntax" in text
    ok = client.post(
        "/vouchers/package/add/",
        {
            "name": "Fast",
            "price": "1500",
            "validity_seconds": "1 day",
            "data_limit_bytes": "1.5 GB",
            "rate_limit": "10M/10M",
            "shared_users": "1",
            "sites": [str(site.pk)],
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    package = Package.objects.get()
    assert package.profile.name == "pkg-fast" and package.profile.rate_limit == "10M/10M"
    # typed as people say it, stored as seconds and bytes, shown back the same way
    assert package.validity_seconds == 86400 and package.data_limit_bytes == 1_500_000_000
    assert package.uptime_limit_seconds is None
    edit = client.get(f"/vouchers/package/{package.pk}/change/").content.decode()
    assert 'value="1 day"' in edit and 'value="1.5 GB"' in edit
    no_unit = client.post(
        f"/vouchers/package/{package.pk}/change/",
        {"name": "Fast", "price": "1500", "validity_seconds": "86400", "rate_limit": "10M/10M",
         "shared_users": "1", "sites": [str(site.pk)], "is_active": "on"},
    )  # fmt: skip
    assert "Type a duration with its unit" in no_unit.content.decode()
    package.refresh_from_db()
    assert package.validity_seconds == 86400


@pytest.mark.django_db
def test_assign_page_by_range_and_by_count(client, users, stock):
    batch = stock[0].batch
    codes = [v.code for v in stock]  # sorted by code; stock[0] is already sold
    client.force_login(users[Role.SALES])
    page = client.get("/vouchers/voucher/assign/")
    assert page.status_code == 200
    by_range = client.post(
        "/vouchers/voucher/assign/",
        {
            "agent": str(users[Role.AGENT].pk),
            "batch": str(batch.pk),
            "from_code": codes[1].lower(),
            "to_code": codes[2],
        },
    )
    assert by_range.status_code == 302
    held = set(Voucher.objects.filter(agent=users[Role.AGENT]).values_list("code", flat=True))
    assert held == {codes[0], codes[1], codes[2]}

    both = client.post(
        "/vouchers/voucher/assign/",
        {"agent": str(users[Role.AGENT].pk), "batch": str(batch.pk), "count": 2},
    )
    assert "one of the two" in both.content.decode()
    by_count = client.post(
        "/vouchers/voucher/assign/",
        {
            "agent": str(users[Role.AGENT].pk),
            "package": str(stock[0].package.pk),
            "site": str(stock[0].site.pk),
            "count": 1,
        },
    )
    assert by_count.status_code == 302
    assert Voucher.objects.filter(agent=users[Role.AGENT]).count() == 4
    not_agent = client.post(
        "/vouchers/voucher/assign/", {"agent": str(users[Role.FINANCE].pk), "batch": str(batch.pk)}
    )
    assert not_agent.status_code in (200, 422)
    assert Voucher.objects.filter(agent=users[Role.FINANCE]).count() == 0

    client.force_login(users[Role.AGENT])
    assert client.get("/vouchers/voucher/assign/").status_code == 403


@pytest.mark.django_db
def test_void_and_return_from_the_voucher_page(client, users, stock, eager_celery):
    held = stock[1]
    services.assign_to_agent(
        actor=users[Role.SALES],
        agent=users[Role.AGENT],
        vouchers=Voucher.objects.filter(pk=held.pk),
    )
    client.force_login(users[Role.SALES])
    page = " ".join(client.get(f"/vouchers/voucher/{held.pk}/detail/").content.decode().split())
    assert "Return to office stock" in page and "Void" in page
    client.post(f"/vouchers/voucher/{held.pk}/return/")
    held.refresh_from_db()
    assert held.agent is None
    no_reason = client.post(f"/vouchers/voucher/{held.pk}/void/", {"reason": " "}, follow=True)
    assert "Say why the voucher is voided." in no_reason.content.decode()
    client.post(f"/vouchers/voucher/{held.pk}/void/", {"reason": "card torn"})
    held.refresh_from_db()
    assert held.status == VoucherStatus.VOID
    client.force_login(users[Role.AGENT])
    assert client.post(f"/vouchers/voucher/{stock[0].pk}/void/", {"reason": "x"}).status_code == 403
