"""Vouchers: codes, batches (bad input, four eyes), generation and push to the simulator,
lifecycle and expiry."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from erp.accounts.roles import Role
from erp.core.exceptions import NotAllowed
from erp.mikrotik.exceptions import RouterUnreachable
from erp.mikrotik.models import HotspotUser
from erp.vouchers import codes, services
from erp.vouchers.choices import ALPHABET, BatchStatus, VoucherStatus
from erp.vouchers.models import Voucher, VoucherBatch, VoucherEvent
from erp.vouchers.tasks import run_batch
from tests.router_fixtures import sim_users


@pytest.fixture
def package(make_site, admin_user):
    def make(sites, **fields):
        fields.setdefault("name", "1 Hour")
        return services.save_package(
            actor=admin_user,
            price=Decimal("500.00"),
            validity_seconds=3600,
            rate_limit="2M/2M",
            sites=sites,
            **fields,
        )

    return make


@pytest.fixture
def setup(sim_router, package, users):
    router, simulated = sim_router()
    router.site.agents.add(users[Role.AGENT])
    return {
        "router": router,
        "simulated": simulated,
        "package": package([router.site]),
        "agent": users[Role.AGENT],
    }


def test_codes_are_from_the_alphabet_and_strong_by_default():
    made = codes.unique_codes(2000, 11, "VN")
    assert len(set(made)) == 2000
    assert all(c.startswith("VN") and len(c) == 13 for c in made)
    assert set("".join(c[2:] for c in made)) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    assert codes.code_bits(11) > 50 and math.isclose(codes.code_bits(1), math.log2(31))


def test_weak_code_configuration_is_refused_with_its_bits():
    with pytest.raises(ValidationError) as excinfo:
        codes.check_code_config(length=7)
    message = excinfo.value.message_dict["code_length"][0]
    assert "34.7 bits" in message and "at least 40" in message
    codes.check_code_config(length=9)  # 44.6 bits: allowed


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -5, 100_001, "10"])
def test_bad_quantities_are_refused(setup, users, quantity):
    with pytest.raises(ValidationError) as excinfo:
        services.request_batch(
            actor=users[Role.SALES],
            package=setup["package"],
            router=setup["router"],
            quantity=quantity,
        )
    assert "quantity" in excinfo.value.message_dict
    assert not VoucherBatch.objects.exists()


@pytest.mark.django_db
def test_inactive_package_package_not_sold_there_and_foreign_agent(
    setup, users, package, make_site, make_user
):
    other_site_package = package([make_site()], name="Elsewhere")
    with pytest.raises(ValidationError, match="not sold at"):
        services.request_batch(
            actor=users[Role.SALES], package=other_site_package, router=setup["router"], quantity=10
        )
    services.save_package(actor=None, package=setup["package"], is_active=False)
    with pytest.raises(ValidationError, match="not active"):
        services.request_batch(
            actor=users[Role.SALES], package=setup["package"], router=setup["router"], quantity=10
        )
    services.save_package(actor=None, package=setup["package"], is_active=True)
    stranger = make_user(Role.AGENT, "stranger")
    with pytest.raises(ValidationError) as excinfo:
        services.request_batch(
            actor=users[Role.SALES],
            package=setup["package"],
            router=setup["router"],
            quantity=10,
            agent=stranger,
        )
    assert "agent" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.request_batch(
            actor=users[Role.SALES],
            package=setup["package"],
            router=setup["router"],
            quantity=10,
            code_length=6,
        )
    assert "bits" in excinfo.value.message_dict["code_length"][0]
    assert not VoucherBatch.objects.exists()


@pytest.mark.django_db
def test_four_eyes_even_for_super_admin(setup, users):
    admin = users[Role.SUPER_ADMIN]
    batch = services.request_batch(
        actor=admin, package=setup["package"], router=setup["router"], quantity=5
    )
    with pytest.raises(NotAllowed, match="you requested"):
        services.decide_batch(actor=admin, batch=batch, approve=True)
    with pytest.raises(NotAllowed, match="Only Finance or Super Admin"):
        services.decide_batch(actor=users[Role.SALES], batch=batch, approve=True)
    with pytest.raises(ValidationError):
        services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=False)  # no why
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REQUESTED and batch.decided_by is None
    services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True, comment="ok")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.decided_by == users[Role.FINANCE]
    with pytest.raises(ValidationError, match="already decided"):
        services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=False, comment="late")


@pytest.mark.django_db
def test_rejected_batch_generates_nothing(setup, users):
    batch = services.request_batch(
        actor=users[Role.SALES], package=setup["package"], router=setup["router"], quantity=5
    )
    services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=False, comment="too many")
    run_batch(str(batch.pk))
    with pytest.raises(ValidationError):
        services.generate_batch(batch)
    assert not Voucher.objects.exists() and not HotspotUser.objects.exists()


@pytest.mark.django_db
def test_approved_batch_is_generated_and_pushed_to_the_router(setup, users, simulator):
    batch = services.request_batch(
        actor=users[Role.SALES],
        package=setup["package"],
        router=setup["router"],
        quantity=120,
        agent=setup["agent"],
        code_prefix="KK",
    )
    services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True)
    run_batch(str(batch.pk))
    batch.refresh_from_db()
    assert (batch.status, batch.generated_count, batch.pushed_count) == (
        BatchStatus.READY,
        120,
        120,
    )
    vouchers = list(Voucher.objects.filter(batch=batch))
    assert len(vouchers) == 120 and all(v.agent == setup["agent"] for v in vouchers)
    assert all(v.code.startswith("KK") and len(v.code) == 13 for v in vouchers)
    on_router = {u["name"]: u for u in sim_users(simulator, setup["simulated"])}
    assert set(on_router) == {v.code for v in vouchers}
    sample = on_router[vouchers[0].code]
    assert sample["password"] == vouchers[0].code and sample["profile"] == "pkg-1-hour"


@pytest.mark.django_db
def test_batch_for_a_down_router_waits_then_completes_without_duplicates(setup, users, simulator):
    name = next(n for n, r in simulator.routers.items() if r is setup["simulated"])
    batch = services.request_batch(
        actor=users[Role.SALES], package=setup["package"], router=setup["router"], quantity=40
    )
    services.decide_batch(actor=users[Role.FINANCE], batch=batch, approve=True)
    simulator.stop_router(name)
    with pytest.raises(RouterUnreachable):
        run_batch.run(str(batch.pk))  # the task body; Celery would retry with backoff
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WAITING_ROUTER and "unreachable" in batch.last_error
    assert Voucher.objects.filter(batch=batch).count() == 40

    simulator.start_router(name)
    run_batch.run(str(batch.pk))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.pushed_count == 40
    names = [u["name"] for u in sim_users(simulator, setup["simulated"])]
    assert len(names) == 40 == len(set(names))
    assert Voucher.objects.filter(batch=batch).count() == 40


@pytest.mark.django_db
def test_lifecycle_transitions_and_expiry_disable_on_router(setup, users, simulator, eager_celery):
    batch = services.request_batch(
        actor=None, package=setup["package"], router=setup["router"], quantity=3, preapproved=True
    )
    run_batch.run(str(batch.pk))
    first, second, third = Voucher.objects.filter(batch=batch).order_by("code")

    with pytest.raises(ValidationError, match="unused cannot become active"):
        services.transition(first, VoucherStatus.ACTIVE, actor=None)
    services.transition(first, VoucherStatus.SOLD, actor=users[Role.SALES])
    with pytest.raises(ValidationError, match="sold cannot become unused"):
        services.transition(first, VoucherStatus.UNUSED, actor=None)

    # The customer logs in: the router reports uptime, the voucher becomes active
    HotspotUser.objects.filter(name=first.code).update(uptime_seconds=120, usage_at=timezone.now())
    assert services.activate_from_usage() == 1
    first.refresh_from_db()
    assert first.status == VoucherStatus.ACTIVE
    assert first.expires_at - first.activated_at == timedelta(hours=1)

    # Validity ends: expired and disabled on the router
    later = first.expires_at + timedelta(seconds=1)
    with django_capture_on_commit() as callbacks:
        assert services.expire_due(now=later) == 1
    for callback in callbacks:
        callback()
    first.refresh_from_db()
    assert first.status == VoucherStatus.EXPIRED
    on_router = {u["name"]: u for u in sim_users(simulator, setup["simulated"])}
    assert on_router[first.code]["disabled"] == "true"
    assert on_router[second.code]["disabled"] == "false"
    with pytest.raises(ValidationError, match="expired cannot become void"):
        services.void_voucher(actor=users[Role.SUPER_ADMIN], voucher=first, reason="x")
    kinds = list(VoucherEvent.objects.filter(voucher=first).values_list("kind", flat=True))
    assert kinds == ["sold", "activated", "expired"]


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks()


@pytest.mark.django_db
def test_stock_assign_transfer_return(setup, users, make_user):
    agent2 = make_user(Role.AGENT, "agent-two")
    setup["router"].site.agents.add(agent2)
    batch = services.request_batch(
        actor=None, package=setup["package"], router=setup["router"], quantity=10, preapproved=True
    )
    services.generate_batch(batch)
    stock = Voucher.objects.filter(batch=batch)
    assert (
        services.assign_to_agent(
            actor=users[Role.SALES],
            agent=setup["agent"],
            vouchers=stock.filter(pk__in=stock.order_by("code")[:6].values("pk")),
        )
        == 6
    )
    mine = Voucher.objects.filter(agent=setup["agent"])
    assert mine.count() == 6
    # stock ageing counts from the hand-over; office stock never handed over has no date
    assert not mine.filter(assigned_at__isnull=True).exists()
    assert Voucher.objects.filter(agent__isnull=True, assigned_at__isnull=True).count() == 4
    assert (
        services.assign_to_agent(
            actor=users[Role.SALES],
            agent=agent2,
            vouchers=mine.filter(pk__in=mine.values("pk")[:2]),
        )
        == 2
    )
    assert (
        services.return_to_office(
            actor=users[Role.SALES], vouchers=Voucher.objects.filter(agent=agent2)
        )
        == 2
    )
    assert Voucher.objects.filter(agent__isnull=True).count() == 6
    with pytest.raises(ValidationError):
        services.assign_to_agent(actor=users[Role.SALES], agent=users[Role.FINANCE], vouchers=stock)
    kinds = set(VoucherEvent.objects.values_list("kind", flat=True))
    assert kinds == {"assigned", "transferred", "returned"}


@pytest.mark.django_db
def test_vouchers_generate_command(setup, simulator):
    out, err = StringIO(), StringIO()
    call_command(
        "vouchers_generate",
        "--package",
        "1 Hour",
        "--router",
        str(setup["router"].pk),
        "--quantity",
        "25",
        "--agent",
        setup["agent"].username,
        stdout=out,
        stderr=err,
    )
    assert "25 generated, 25 on the router, status In stock" in out.getvalue()
    assert "25/25" in err.getvalue()  # the progress bar
    batch = VoucherBatch.objects.get()
    assert batch.preapproved and batch.history.first().history_user is None
    assert len(sim_users(simulator, setup["simulated"])) == 25
    with pytest.raises(CommandError, match="quantity"):
        call_command(
            "vouchers_generate",
            "--package",
            "1 Hour",
            "--router",
            str(setup["router"].pk),
            "--quantity",
            "0",
        )
    with pytest.raises(CommandError, match="no package"):
        call_command(
            "vouchers_generate",
            "--package",
            "Nope",
            "--router",
            str(setup["router"].pk),
            "--quantity",
            "5",
        )


@pytest.mark.django_db
def test_vouchers_generate_counts_what_a_cut_push_left_on_the_router(setup, simulator):
    """The router drops the link half way: the command says how many it acknowledged (not 0)."""
    simulated = setup["simulated"]
    simulator.call(lambda: setattr(simulated.state.faults, "drop_after", 1300))
    out, err = StringIO(), StringIO()
    call_command(
        "vouchers_generate",
        *("--package", "1 Hour", "--router", str(setup["router"].pk), "--quantity", "1500"),
        stdout=out,
        stderr=err,
    )
    on_router = len(sim_users(simulator, simulated))
    synced = HotspotUser.objects.filter(router=setup["router"], sync_state="synced").count()
    assert 0 < synced <= on_router < 1500
    assert f"1500 generated, {synced} on the router, status Waiting for the router" in (
        out.getvalue()
    )
    assert VoucherBatch.objects.get().pushed_count == synced


@pytest.mark.django_db
def test_a_code_already_taken_is_skipped_and_replaced(setup, monkeypatch):
    """Collisions are retried: the CSPRNG cannot be made to collide, so the first draw is
    replaced by one that repeats an existing code."""
    first = services.request_batch(
        actor=None, package=setup["package"], router=setup["router"], quantity=3, preapproved=True
    )
    services.generate_batch(first)
    taken = Voucher.objects.filter(batch=first).first().code
    real = codes.unique_codes
    draws = []

    def draw(count, length, prefix=""):
        made = real(count, length, prefix)
        if not draws:
            made[0] = taken
        draws.append(made)
        return made

    monkeypatch.setattr(codes, "unique_codes", draw)
    second = services.request_batch(
        actor=None, package=setup["package"], router=setup["router"], quantity=5, preapproved=True
    )
    assert services.generate_batch(second) == 5
    assert len(draws) == 2 and len(draws[1]) == 1  # only the missing code drawn again
    assert Voucher.objects.filter(batch=second).count() == 5
    assert Voucher.objects.get(code=taken).batch == first


@pytest.mark.django_db
def test_a_transition_does_not_write_back_stale_fields(setup, users):
    batch = services.request_batch(
        actor=None, package=setup["package"], router=setup["router"], quantity=1, preapproved=True
    )
    services.generate_batch(batch)
    stale = Voucher.objects.get(batch=batch)  # read before the assignment
    services.assign_to_agent(
        actor=users[Role.SALES], agent=setup["agent"], vouchers=Voucher.objects.filter(pk=stale.pk)
    )
    services.transition(stale, VoucherStatus.SOLD, actor=setup["agent"])
    fresh = Voucher.objects.get(pk=stale.pk)
    assert fresh.status == VoucherStatus.SOLD and fresh.agent == setup["agent"]


@pytest.mark.django_db
def test_used_up_data_or_uptime_limit_expires_the_voucher(setup, admin_user):
    limited = services.save_package(
        actor=admin_user,
        name="500 MB",
        price=Decimal("800"),
        validity_seconds=30 * 86400,
        data_limit_bytes=500_000_000,
        uptime_limit_seconds=7200,
        sites=[setup["router"].site],
    )
    batch = services.request_batch(
        actor=None, package=limited, router=setup["router"], quantity=3, preapproved=True
    )
    run_batch.run(str(batch.pk))
    by_data, by_uptime, fine = Voucher.objects.filter(batch=batch).order_by("code")
    for voucher in (by_data, by_uptime, fine):
        services.transition(voucher, VoucherStatus.SOLD, actor=None)
    HotspotUser.objects.filter(name__in=[by_data.code, by_uptime.code, fine.code]).update(
        uptime_seconds=60, usage_at=timezone.now()
    )
    services.activate_from_usage()
    HotspotUser.objects.filter(name=by_data.code).update(bytes_in=450_000_000, bytes_out=60_000_000)
    HotspotUser.objects.filter(name=by_uptime.code).update(uptime_seconds=7200)
    HotspotUser.objects.filter(name=fine.code).update(bytes_in=10_000, uptime_seconds=600)
    assert services.expire_due() == 2
    statuses = dict(Voucher.objects.filter(batch=batch).values_list("code", "status"))
    assert statuses == {by_data.code: "expired", by_uptime.code: "expired", fine.code: "active"}
