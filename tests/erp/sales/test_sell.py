"""Selling: one sale per voucher under concurrency, idempotent replays, discounts, commission."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.sales import services
from erp.sales.models import CommissionRule, Sale
from erp.vouchers import services as voucher_services
from erp.vouchers.choices import VoucherStatus
from erp.vouchers.models import Voucher, VoucherEvent
from tests.conftest import put_on_router


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
        actor=None, package=package, router=router, quantity=60, preapproved=True
    )
    voucher_services.generate_batch(batch)
    put_on_router(batch)
    return {"router": router, "site": router.site, "package": package, "batch": batch}


def _sell(user, **kw):
    kw.setdefault("payment_method", "cash")
    return services.sell(seller=user, idempotency_key=uuid.uuid4(), **kw)


@pytest.mark.django_db(transaction=True)
def test_fifty_sellers_at_once_one_sale(postgres_only, roles, shop, users):
    """Given one voucher and 50 threads selling it at the same moment (own connections, real
    transactions), exactly one sale exists and 49 get a clear 'already sold'."""
    code = Voucher.objects.order_by("code").first().code
    seller = users[Role.SALES]
    barrier = threading.Barrier(50)
    results: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            _sell(seller, code=code)
            outcome = "sold"
        except services.AlreadySold as exc:
            outcome = f"conflict: {exc}"
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("sold") == 1, results
    conflicts = [r for r in results if r.startswith("conflict")]
    assert len(conflicts) == 49 and all("sold" in c for c in conflicts)
    assert Sale.objects.filter(voucher__code=code).count() == 1
    assert VoucherEvent.objects.filter(voucher__code=code, kind="sold").count() == 1


@pytest.mark.django_db(transaction=True)
def test_sixteen_sellers_by_package_each_get_their_own_voucher(postgres_only, roles, shop, users):
    seller = users[Role.SALES]
    barrier = threading.Barrier(16)
    codes: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            sale, _ = _sell(seller, package=shop["package"])
            with lock:
                codes.append(sale.voucher.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(codes) == 16 == len(set(codes))
    numbers = sorted(Sale.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, 17))  # per site, in sequence, no gaps


@pytest.mark.django_db
def test_replay_returns_the_first_sale_and_creates_nothing(shop, users):
    key = uuid.uuid4()
    first, created = services.sell(
        seller=users[Role.SALES],
        idempotency_key=key,
        payment_method="cash",
        package=shop["package"],
    )
    again, created_again = services.sell(
        seller=users[Role.SALES],
        idempotency_key=key,
        payment_method="cash",
        package=shop["package"],
    )
    assert created and not created_again and again.pk == first.pk
    assert Sale.objects.count() == 1
    assert Voucher.objects.filter(status=VoucherStatus.SOLD).count() == 1


@pytest.mark.django_db
def test_sold_void_or_someone_elses_voucher_is_refused(shop, users, make_user):
    vouchers = list(Voucher.objects.order_by("code")[:3])
    _sell(users[Role.SALES], code=vouchers[0].code)
    with pytest.raises(services.AlreadySold, match="is sold"):
        _sell(users[Role.SALES], code=vouchers[0].code)
    voucher_services.void_voucher(actor=users[Role.SUPER_ADMIN], voucher=vouchers[1], reason="torn")
    with pytest.raises(services.AlreadySold, match="is void"):
        _sell(users[Role.SALES], code=vouchers[1].code)
    # An agent sells only the agent's own stock
    with pytest.raises(ValidationError, match="in your stock"):
        _sell(users[Role.AGENT], code=vouchers[2].code)
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_discounts(shop, users, settings):
    settings.MAX_DISCOUNT_PERCENT = 10
    voucher_services.assign_to_agent(
        actor=users[Role.SALES],
        agent=users[Role.AGENT],
        vouchers=Voucher.objects.filter(pk__in=Voucher.objects.values("pk")[:2]),
    )
    with pytest.raises(NotAllowed, match="may not give discounts"):
        _sell(users[Role.AGENT], package=shop["package"], discount=Decimal("50"))
    with pytest.raises(ValidationError, match="At most 100.00"):
        _sell(users[Role.SALES], package=shop["package"], discount=Decimal("150"))
    sale, _ = _sell(users[Role.SALES], package=shop["package"], discount=Decimal("100"))
    assert (sale.price, sale.discount, sale.amount) == (
        Decimal("1000.00"),
        Decimal("100.00"),
        Decimal("900.00"),
    )
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_commission_precedence_and_history_kept(shop, users, make_user):
    agent = users[Role.AGENT]
    voucher_services.assign_to_agent(
        actor=users[Role.SALES], agent=agent, vouchers=Voucher.objects.all()
    )
    CommissionRule.objects.create(percent=Decimal("5"))  # default
    assert _sell(agent, package=shop["package"])[0].commission == Decimal("50.00")
    CommissionRule.objects.create(site=shop["site"], percent=Decimal("6"))
    assert _sell(agent, package=shop["package"])[0].commission == Decimal("60.00")
    CommissionRule.objects.create(package=shop["package"], percent=Decimal("7"))
    assert _sell(agent, package=shop["package"])[0].commission == Decimal("70.00")
    CommissionRule.objects.create(agent=agent, percent=Decimal("8"))
    assert _sell(agent, package=shop["package"])[0].commission == Decimal("80.00")
    CommissionRule.objects.create(agent=agent, package=shop["package"], fixed=Decimal("120"))
    assert _sell(agent, package=shop["package"])[0].commission == Decimal("120.00")
    other = make_user(Role.AGENT, "other-agent")
    shop["site"].agents.add(other)
    next_unused = Voucher.objects.filter(status="unused").order_by("pk").values("pk")[:1]
    voucher_services.assign_to_agent(
        actor=users[Role.SALES], agent=other, vouchers=Voucher.objects.filter(pk__in=next_unused)
    )
    assert _sell(other, package=shop["package"])[0].commission == Decimal("70.00")
    CommissionRule.objects.update(is_active=False)
    assert list(Sale.objects.order_by("receipt_number").values_list("commission", flat=True)) == [
        Decimal(x) for x in ("50.00", "60.00", "70.00", "80.00", "120.00", "70.00")
    ]


@pytest.mark.django_db
def test_commission_ignores_rules_of_others_and_newest_wins(shop, users, make_user, make_site):
    """Given rules of another agent, another package, another site and an inactive one,
    when an agent sells, then only the rules that match count, and of two equally specific
    rules the newer wins."""
    agent, other = users[Role.AGENT], make_user(Role.AGENT, "someone-else")
    elsewhere = make_site()
    other_package = voucher_services.save_package(
        actor=users[Role.SUPER_ADMIN],
        name="1 Week",
        price=Decimal("5000"),
        validity_seconds=604800,
        sites=[shop["site"]],
    )
    package = shop["package"]
    site = shop["site"]
    CommissionRule.objects.create(percent=Decimal("5"))  # default
    CommissionRule.objects.create(agent=other, package=package, percent=Decimal("90"))
    CommissionRule.objects.create(agent=other, percent=Decimal("91"))
    CommissionRule.objects.create(agent=agent, package=other_package, percent=Decimal("92"))
    CommissionRule.objects.create(package=other_package, percent=Decimal("93"))
    CommissionRule.objects.create(site=elsewhere, percent=Decimal("94"))
    CommissionRule.objects.create(agent=agent, percent=Decimal("95"), is_active=False)

    def commission():
        return services.commission_for(
            agent=agent, package=package, site=site, amount=Decimal("1000")
        )

    assert commission() == Decimal("50.00")
    CommissionRule.objects.create(site=site, percent=Decimal("6"))
    CommissionRule.objects.create(site=site, percent=Decimal("7"))  # newer, same rank
    assert commission() == Decimal("70.00")
    CommissionRule.objects.create(agent=agent, package=package, fixed=Decimal("2000"))
    assert commission() == Decimal("1000.00")  # a fixed sum never exceeds the amount


@pytest.mark.django_db
def test_pos_api(api, shop, users):
    client = api(users[Role.SALES])
    payload = {
        "package": str(shop["package"].pk),
        "payment_method": "mobile",
        "payment_reference": "MP123",
        "client_phone": "0754 123 456",
        "client_name": "Asha",
    }
    missing = client.post("/api/v1/sales/", payload, format="json")
    assert missing.status_code == 400 and "idempotency_key" in missing.json()
    key = str(uuid.uuid4())
    first = client.post("/api/v1/sales/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["receipt_number"] == 1 and body["amount"] == "1000.00" and body["code"]
    replay = client.post("/api/v1/sales/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert replay.status_code == 200 and replay.json()["id"] == body["id"]
    sale = Sale.objects.get()
    assert str(sale.client.phone) == "+255754123456"
    sold_code = body["code"]
    conflict = client.post(
        "/api/v1/sales/",
        {"code": sold_code, "payment_method": "cash"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert conflict.status_code == 409 and "sold" in conflict.json()["detail"]
    no_ref = client.post(
        "/api/v1/sales/",
        {"package": str(shop["package"].pk), "payment_method": "mobile"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert no_ref.status_code == 400 and "payment_reference" in no_ref.json()
    assert Sale.objects.count() == 1
    assert (
        api(users[Role.TECHNICAL])
        .post("/api/v1/sales/", payload, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        .status_code
        == 403
    )
    agent_list = api(users[Role.AGENT]).get("/api/v1/sales/").json()["results"]
    assert agent_list == []


@pytest.mark.django_db
def test_office_staff_cannot_sell_what_an_agent_holds(shop, users):
    held = Voucher.objects.order_by("code").first()
    voucher_services.assign_to_agent(
        actor=users[Role.SALES],
        agent=users[Role.AGENT],
        vouchers=Voucher.objects.filter(pk=held.pk),
    )
    with pytest.raises(ValidationError, match="in your stock"):
        _sell(users[Role.SALES], code=held.code)
    sale, _ = _sell(users[Role.AGENT], code=held.code)
    assert sale.voucher == held and sale.seller == users[Role.AGENT]


@pytest.mark.django_db
def test_sale_marks_the_router_user_sold_and_keeps_the_client_expiry(shop, users):
    from django.utils import timezone

    from erp.clients.services import create_client
    from erp.mikrotik.models import HotspotUser

    voucher_services.queue_batch_push(shop["batch"])  # the batch's hotspot users exist
    client = create_client(actor=users[Role.SALES], site=shop["site"], phone="0754000777")
    before = timezone.now()
    sale, _ = _sell(users[Role.SALES], package=shop["package"], client=client)
    client.refresh_from_db()
    assert sale.client == client
    assert before + timedelta(days=1) <= client.expires_at <= timezone.now() + timedelta(days=1)
    user = HotspotUser.objects.get(name=sale.voucher.code)
    assert user.comment == f"sold {sale.receipt_number}" and user.sync_state == "pending"

    # The customer logs in two hours later: access runs from the first login
    first_login = timezone.now() + timedelta(hours=2)
    HotspotUser.objects.filter(pk=user.pk).update(uptime_seconds=60, usage_at=first_login)
    assert voucher_services.activate_from_usage() == 1
    client.refresh_from_db()
    sale.voucher.refresh_from_db()
    assert client.expires_at == sale.voucher.expires_at
    assert client.expires_at > before + timedelta(days=1, hours=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"package": "other"},
        {"package": None, "code": "sold"},
        {"payment_method": "cash", "payment_reference": ""},
        {"payment_reference": "MP999"},
        {"discount": "100.00"},
        {"client_phone": "0754 999 888"},
        {"client_name": "Someone else"},
    ],
    ids=["package", "code", "payment_method", "reference", "discount", "client", "client_name"],
)
def test_same_key_with_another_request_is_422_and_changes_nothing(
    api, shop, users, admin_user, change
):
    """Given a sale made with a key, when the same key comes with a different request, then
    422 with a clear message, and no sale, client or voucher change; the first request again
    still returns the first sale (200)."""
    from erp.clients.models import Client

    other = voucher_services.save_package(
        actor=admin_user,
        name="1 Week",
        price=Decimal("5000"),
        validity_seconds=7 * 86400,
        sites=[shop["site"]],
    )
    client = api(users[Role.SALES])
    payload = {
        "package": str(shop["package"].pk),
        "payment_method": "mobile",
        "payment_reference": "MP123",
        "client_phone": "0754 123 456",
        "client_name": "Asha",
    }
    key = str(uuid.uuid4())
    first = client.post("/api/v1/sales/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.json()
    values = {"other": str(other.pk), "sold": first.json()["code"]}
    changed = {**payload, **{k: values.get(v, v) for k, v in change.items()}}
    changed = {k: v for k, v in changed.items() if v is not None}
    counts = (Sale.objects.count(), Client.objects.count(), VoucherEvent.objects.count())

    reused = client.post("/api/v1/sales/", changed, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert reused.status_code == 422, reused.content
    assert "already used for a different sale request" in reused.json()["detail"]
    assert (Sale.objects.count(), Client.objects.count(), VoucherEvent.objects.count()) == counts

    same = client.post("/api/v1/sales/", payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    # Spelled differently but the same request: still the first sale
    spaced = {**payload, "client_phone": "+255754123456", "payment_reference": " MP123 "}
    again = client.post("/api/v1/sales/", spaced, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_service_refuses_the_key_with_another_request(shop, users):
    key = uuid.uuid4()
    seller = users[Role.SALES]
    services.sell(
        seller=seller, idempotency_key=key, payment_method="cash", package=shop["package"]
    )
    with pytest.raises(services.IdempotencyKeyReused):
        services.sell(
            seller=seller,
            idempotency_key=key,
            payment_method="mobile",
            payment_reference="X1",
            package=shop["package"],
        )
    assert Sale.objects.count() == 1
    assert len(Sale.objects.get().request_hash) == 64
