"""One client record per person (phone, E.164) across sites: every way in finds it by phone,
two sales for a new phone at once make one client, the existing duplicates merge, and the
client list lists those whose access ends within N days."""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.clients.services import client_by_phone
from erp.sales import services as sales
from erp.sales.models import Sale
from erp.vouchers import services as voucher_services
from tests.conftest import put_on_router

merge_migration = importlib.import_module("erp.clients.migrations.0004_merge_clients_by_phone")


@pytest.fixture
def two_sites(make_router, users, admin_user):
    """Two sites, office stock of a 1 Day package at each, sold by Sales staff."""
    routers = [make_router(), make_router()]
    package = voucher_services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[r.site for r in routers],
    )
    for router in routers:
        batch = voucher_services.request_batch(
            actor=None, package=package, router=router, quantity=4, preapproved=True
        )
        voucher_services.generate_batch(batch)
        put_on_router(batch)
    return {"sites": [r.site for r in routers], "package": package}


def _sell(user, phone, site, package):
    sale, _ = sales.sell_to_phone(
        seller=user,
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        phone=phone,
        package=package,
        site_id=site.pk,
    )
    return sale


@pytest.mark.django_db
def test_sales_at_two_sites_to_one_phone_make_one_client(two_sites, users):
    """Given a phone typed two ways at two sites, then both sales belong to one client,
    registered at the first site, its phone in E.164."""
    seller = users[Role.SALES]
    a, b = two_sites["sites"]
    first = _sell(seller, "0712 345 678", a, two_sites["package"])
    second = _sell(seller, "+255 712 345 678", b, two_sites["package"])
    assert Client.objects.count() == 1
    client = Client.objects.get()
    assert str(client.phone) == "+255712345678" and client.site == a
    assert first.client == second.client == client
    assert (first.site, second.site) == (a, b)


@pytest.mark.django_db
def test_client_by_phone_finds_the_person_at_any_site(make_site, admin_user):
    a, b = make_site(), make_site()
    made, created = client_by_phone(actor=admin_user, phone="0754111222", site=a, name="Said")
    found, again = client_by_phone(actor=admin_user, phone="+255754111222", site=b)
    assert created and not again and found == made and found.site == a


@pytest.mark.django_db(transaction=True)
def test_two_sales_for_a_new_phone_at_once_make_one_client(postgres_only, roles, two_sites, users):
    """Given two sellers selling to the same new phone at the same moment (own connections,
    real transactions), then both sales are made and there is one client."""
    seller = users[Role.SALES]
    a, b = two_sites["sites"]
    barrier = threading.Barrier(2)
    results: list = []

    def attempt(site):
        try:
            barrier.wait()
            results.append(_sell(seller, "0788 000 111", site, two_sites["package"]).client_id)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(site,)) for site in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Client.objects.filter(phone="+255788000111").count() == 1
    client = Client.objects.get(phone="+255788000111")
    assert results == [client.pk, client.pk]
    assert Sale.objects.filter(client=client).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_insert_that_loses_the_race_returns_the_winner(postgres_only, roles, make_site):
    """Deterministic interleaving: A inserts the phone and holds its transaction open; B looks
    (sees nothing yet), inserts, waits on the unique index, fails when A commits — and returns
    A's client instead of an error."""
    a, b = make_site(), make_site()
    inserted, got = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                got["a"] = client_by_phone(actor=None, phone="0699 123 456", site=a)
                inserted.set()
                time.sleep(1.5)  # B's look and insert happen now
        finally:
            connection.close()

    def second():
        try:
            inserted.wait(10)
            got["b"] = client_by_phone(actor=None, phone="+255699123456", site=b)
        except Exception as exc:  # noqa: BLE001 - asserted below
            got["b"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    (client_a, created_a), (client_b, created_b) = got["a"], got["b"]
    assert created_a and not created_b and client_a.pk == client_b.pk
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_the_migration_merges_duplicates_keeping_the_oldest_and_its_history(
    two_sites, users, admin_user
):
    """Given three records of one person (two formats, two sites) with a sale each, when the
    data migration runs, then the oldest stays with every sale, the latest access end, the
    blank name filled, a note of the merge; the others are gone with a history row each."""
    a, b = two_sites["sites"]
    seller = users[Role.SALES]
    with connection.schema_editor() as editor:  # the per-site world the migration starts from
        editor.remove_constraint(Client, Client._meta.constraints[0])
    now = timezone.now()
    oldest = Client.objects.create(site=a, phone="+255713777888", name="")
    middle = Client.objects.create(site=b, phone="+255713777888", name="Fatma", notes="VIP")
    newest = Client.objects.create(site=b, phone="+255713777888", name="F. Hassan")
    other = Client.objects.create(site=a, phone="+255713000000", name="Someone else")
    for i, (client, site) in enumerate(((oldest, a), (middle, b), (newest, b))):
        Client.objects.filter(pk=client.pk).update(
            created_at=now - dt.timedelta(days=10 - i), expires_at=now + dt.timedelta(days=i)
        )
        sale = _sell(seller, None, site, two_sites["package"])
        Sale.objects.filter(pk=sale.pk).update(client=client)

    merge_migration.merge(apps, None)

    assert set(Client.objects.values_list("pk", flat=True)) == {oldest.pk, other.pk}
    kept = Client.objects.get(pk=oldest.pk)
    assert kept.name == "Fatma" and kept.site == a
    assert abs(kept.expires_at - (now + dt.timedelta(days=2))) < dt.timedelta(seconds=1)
    assert "Merged by phone" in kept.notes and "F. Hassan" in kept.notes
    assert Sale.objects.filter(client=kept).count() == 3
    history = Client.history.model.objects
    for gone in (middle, newest):
        # (the migration's own row: with the live registry simple-history adds another)
        reason = f"merged into {oldest.pk}"
        assert history.filter(id=gone.pk, history_type="-", history_change_reason=reason).exists()
    assert history.filter(id=oldest.pk, history_change_reason="merged by phone").exists()


@pytest.mark.django_db
def test_the_client_list_filters_access_ending_within_n_days(client, users, make_client):
    """The list with ?access_ends_within=7 holds exactly those the home tile counts."""
    admin = users[Role.SUPER_ADMIN]
    now = timezone.now()
    soon, later, past = make_client(), make_client(), make_client()
    for c, days in ((soon, 3), (later, 10), (past, -1)):
        Client.objects.filter(pk=c.pk).update(expires_at=now + dt.timedelta(days=days))
    client.force_login(admin)
    listed = client.get("/customers/client/?access_ends_within=7")
    assert listed.status_code == 200
    assert {c.pk for c in listed.context["object_list"]} == {soon.pk}
    wide = client.get("/customers/client/?access_ends_within=30")
    assert {c.pk for c in wide.context["object_list"]} == {soon.pk, later.pk}
