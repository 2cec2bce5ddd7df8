"""Every scoped selector × every role × a record inside and outside the user's scope.

The expected rows are written out here by hand, per selector and kind of user, from the rules
users were promised (an agent sees what the agent holds, scoped staff their sites, a permission
gates finance and assets); the rule itself lives once in erp.core.scoping. A selector that
forgets to scope, or scopes with a drifted copy, shows a row here it should not (or hides one).

The world: sites A and B. Agent ``alice`` works at A, ``bob`` at A too, ``carol`` at B. Rows
are labelled: ``own`` (at A, held by alice), ``mate`` (at A, held by bob or by nobody),
``far`` (at B), ``none`` (at no site, where the model allows it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from erp.accounts.roles import ROLE_PERMISSIONS, Role
from erp.assets import selectors as assets
from erp.assets.models import Asset, AssetMovement
from erp.clients import selectors as clients
from erp.clients.models import Client
from erp.core.scoping import RowScope
from erp.finance import selectors as finance
from erp.finance.models import Expense
from erp.integrations.openwisp import selectors as openwisp
from erp.integrations.openwisp.models import (
    DiscoveryRun,
    MatchConflict,
    OpenWispDevice,
    OpenWispSettings,
)
from erp.integrations.portabilling import selectors as portabilling
from erp.integrations.portabilling.models import PortaAccount, PortaBillingSite
from erp.maintenance import selectors as maintenance
from erp.maintenance.models import Downtime, Fault, RepairLog
from erp.messaging import selectors as messaging
from erp.messaging import services as sms_services
from erp.payments import selectors as payments
from erp.payments.models import Payment, PaymentRefund, ProviderAccount
from erp.sales import selectors as sales
from erp.sales.models import Remittance
from erp.sites import selectors as sites
from erp.support import selectors as support
from erp.support.models import Incident, Ticket, TicketMessage
from erp.vouchers import selectors as vouchers
from erp.vouchers import services as voucher_services
from tests.workday import sell_at, stock_batch

STAFF = [Role.MARKETING, Role.SALES, Role.TECHNICAL, Role.FINANCE]


def expected(selector: str, kind: str, role: str) -> set[str]:
    """The rows a user of this kind and role sees, by the promised rules (hand-written)."""
    perms = set(ROLE_PERMISSIONS.get(role, ())) if role != Role.SUPER_ADMIN else None

    def allowed(perm: str) -> bool:
        return perms is None or perm in perms

    held = {"own", "mate", "far"}  # models an agent holds: the agent sees only "own"
    by_site = {"mate", "far"} if selector in {"assets", "movements"} else {"own", "far"}
    if selector in {"sales", "batches", "vouchers", "clients"}:
        return {"all": held, "unscoped": held, "scoped": {"own", "mate"}, "agent": {"own"}}[kind]
    if selector == "remittances":
        if kind == "agent":
            return {"own"}
        return held if allowed("sales.view_remittance") else set()
    if selector == "messages":
        # SMS: held by the client's agent and by whoever queued it ("none": alice queued it
        # to a number that is no client's, so at no site)
        return {
            "all": held | {"none"},
            "unscoped": held | {"none"},
            "scoped": {"own", "mate"},
            "agent": {"own", "none"},
        }[kind]
    if selector in {"assets", "movements"}:
        perm = "assets.view_asset" if selector == "assets" else "assets.view_assetmovement"
        if kind == "agent" or not allowed(perm):
            return set()
        return {"all": by_site | {"none"}, "unscoped": by_site | {"none"}}.get(
            kind, {"mate", "none"}
        )
    if selector in {"tickets", "ticket_messages", "incidents"}:
        # support: agents see no tickets; staff need the permission; scoped staff see their
        # sites' tickets and the unsited ones (they triage them), incidents only by site
        if kind == "agent" or not allowed("support.view_ticket"):
            return set()
        rows = {"own", "far"} if selector == "incidents" else {"own", "far", "none"}
        if kind == "scoped":
            rows -= {"far"}
        return rows
    if selector.startswith("porta_"):
        perm = {
            "porta_sites": "portabilling.view_portabillingsite",
            "porta_accounts": "portabilling.view_portaaccount",
        }[selector]
        if kind == "agent" or not allowed(perm):
            return set()
        return {"all": by_site, "unscoped": by_site}.get(kind, {"own"})
    if selector.startswith("openwisp_"):
        # OpenWISP (issue 20): gated by its permission, by site; agents see none
        perm = (
            "openwisp.view_openwispsettings"
            if selector == "openwisp_settings"
            else "openwisp.view_openwispdevice"
        )
        if kind == "agent" or not allowed(perm):
            return set()
        return {"all": {"own", "far"}, "unscoped": {"own", "far"}}.get(kind, {"own"})
    if selector in {"payments", "payment_refunds"}:
        if kind == "agent" or not allowed("payments.view_payment"):
            return set()
        return {"all": by_site, "unscoped": by_site}.get(kind, {"own"})
    if selector == "expenses":
        if not allowed("finance.view_expense"):
            return set()
        return {"all": by_site | {"none"}, "unscoped": by_site | {"none"}}.get(kind, {"own"})
    # sites, routers, faults, repair logs, downtimes: by site only
    return {"all": by_site, "unscoped": by_site}.get(kind, {"own"})


@pytest.fixture
def world(make_user, make_site, make_router, make_client, users, asset_types):
    admin = users[Role.SUPER_ADMIN]
    alice = make_user(Role.AGENT, "alice")
    bob = make_user(Role.AGENT, "bob")
    carol = make_user(Role.AGENT, "carol")
    site_a = make_site(name="A", code="AAA", agents=[alice, bob])
    site_b = make_site(name="B", code="BBB", agents=[carol])
    router_a = make_router(site=site_a, name="ra")
    router_b = make_router(site=site_b, name="rb")
    package = voucher_services.save_package(
        actor=admin,
        name="Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[site_a, site_b],
    )
    rows: dict[str, dict] = {}

    batch_own = stock_batch(package=package, router=router_a, quantity=2, agent=alice)
    batch_mate = stock_batch(package=package, router=router_a, quantity=2, agent=bob)
    batch_far = stock_batch(package=package, router=router_b, quantity=2, agent=carol)
    rows["batches"] = {batch_own.pk: "own", batch_mate.pk: "mate", batch_far.pk: "far"}
    rows["vouchers"] = {
        v.pk: label
        for batch, label in [(batch_own, "own"), (batch_mate, "mate"), (batch_far, "far")]
        for v in batch.vouchers.all()
    }
    now = timezone.now()
    rows["sales"] = {
        sell_at(alice, package=package, site=site_a, at=now).pk: "own",
        sell_at(bob, package=package, site=site_a, at=now).pk: "mate",
        sell_at(carol, package=package, site=site_b, at=now).pk: "far",
    }
    rows["remittances"] = {
        Remittance.objects.create(
            agent=agent, amount=Decimal("100"), method="cash", received_by=admin, received_at=now
        ).pk: label
        for agent, label in [(alice, "own"), (bob, "mate"), (carol, "far")]
    }
    rows["clients"] = {
        make_client(site=site_a, actor=alice).pk: "own",
        make_client(site=site_a, actor=bob).pk: "mate",
        make_client(site=site_b, actor=carol).pk: "far",
    }
    sms_services.create_gateway(
        name="Phone", base_url="http://127.0.0.1:9", username="u", password="p", is_default=True
    )
    by_label = {label: Client.objects.get(pk=pk) for pk, label in rows["clients"].items()}
    rows["messages"] = {
        sms_services.queue_message(
            phone=client.phone, text="hi", client=client, actor=admin, already_sent=True
        ).pk: label
        for label, client in by_label.items()
    }
    rows["messages"][
        sms_services.queue_message(
            phone="+255700000999", text="hi", actor=alice, already_sent=True
        ).pk
    ] = "none"
    account = ProviderAccount.objects.create(name="Wave", provider="wave", currency="XOF")
    paid = {
        label: Payment.objects.create(
            account=account, site=site, package=package, amount=Decimal("1000"), currency="XOF"
        )
        for site, label in [(site_a, "own"), (site_b, "far")]
    }
    rows["payments"] = {payment.pk: label for label, payment in paid.items()}
    rows["payment_refunds"] = {
        PaymentRefund.objects.create(
            payment=payment,
            amount=payment.amount,
            reason="r",
            status_before="paid",
            requested_by=admin,
        ).pk: label
        for label, payment in paid.items()
    }
    rows["sites"] = {site_a.pk: "own", site_b.pk: "far"}
    rows["routers"] = {router_a.pk: "own", router_b.pk: "far"}
    today = timezone.localdate()
    rows["expenses"] = {
        Expense.objects.create(
            site=site,
            category="rent",
            amount=Decimal("10"),
            spent_on=today,
            payee="x",
            recorded_by=admin,
        ).pk: label
        for site, label in [(site_a, "own"), (site_b, "far"), (None, "none")]
    }
    faults = {
        label: Fault.objects.create(
            site=site, description="down", severity="high", due_at=now + dt.timedelta(hours=4)
        )
        for site, label in [(site_a, "own"), (site_b, "far")]
    }
    rows["faults"] = {fault.pk: label for label, fault in faults.items()}
    rows["repair_logs"] = {
        RepairLog.objects.create(
            fault=fault, technician=admin, diagnosis="d", actions="a", minutes_spent=5
        ).pk: label
        for label, fault in faults.items()
    }
    rows["downtimes"] = {
        Downtime.objects.create(site=site, started_at=now).pk: label
        for site, label in [(site_a, "own"), (site_b, "far")]
    }
    kit = asset_types["router"]
    placed = {
        label: Asset.objects.create(
            asset_type=kit,
            serial_number=f"SN-{label}",
            site=site,
            status="deployed" if site else "in_stock",
        )
        for site, label in [(site_a, "mate"), (site_b, "far"), (None, "none")]
    }
    rows["assets"] = {asset.pk: label for label, asset in placed.items()}
    rows["movements"] = {
        AssetMovement.objects.create(
            asset=asset, kind="move", to_status="in_stock", actor=admin, reason="r"
        ).pk: label
        for label, asset in placed.items()
    }
    tickets = {
        label: Ticket.objects.create(
            number=n, site=site, channel="desk", subject=f"ticket {label}", phone="+255700000001"
        )
        for n, (site, label) in enumerate(
            [(site_a, "own"), (site_b, "far"), (None, "none")], start=900001
        )
    }
    rows["tickets"] = {ticket.pk: label for label, ticket in tickets.items()}
    rows["ticket_messages"] = {
        TicketMessage.objects.create(ticket=ticket, direction="in", channel="desk", text="x").pk: (
            label
        )
        for label, ticket in tickets.items()
    }
    rows["incidents"] = {
        Incident.objects.create(site=site, opened_at=now).pk: label
        for site, label in [(site_a, "own"), (site_b, "far")]
    }

    porta = {
        label: PortaBillingSite.objects.create(
            site=site, api_url="https://billing.test", login="api", i_customer=1, i_product=1
        )
        for site, label in [(site_a, "own"), (site_b, "far")]
    }
    rows["porta_sites"] = {config.pk: label for label, config in porta.items()}
    rows["porta_accounts"] = {
        PortaAccount.objects.create(
            voucher=batch.vouchers.first(),
            site=batch.site,
            batch=batch,
            opening_balance=Decimal("1000"),
        ).pk: label
        for batch, label in [(batch_own, "own"), (batch_far, "far")]
    }
    pairs = [(site_a, "own"), (site_b, "far")]
    rows["openwisp_settings"] = {
        OpenWispSettings.objects.create(site=site, base_url="http://x", username="u").pk: label
        for site, label in pairs
    }
    devices = {
        label: OpenWispDevice.objects.create(
            site=site, openwisp_id=uuid.uuid4(), name=label, mac_address="02:00:00:00:00:01"
        )
        for site, label in pairs
    }
    rows["openwisp_devices"] = {device.pk: label for label, device in devices.items()}
    rows["openwisp_runs"] = {
        DiscoveryRun.objects.create(site=site, started_at=now).pk: label for site, label in pairs
    }
    conflicts = {
        label: MatchConflict.objects.create(site=device.site, device=device, reason="r")
        for label, device in devices.items()
    }
    rows["openwisp_conflicts"] = {c.pk: label for label, c in conflicts.items()}

    viewers = [("all", Role.SUPER_ADMIN, admin), ("agent", Role.AGENT, alice)]
    for role in STAFF:
        viewers.append(("unscoped", role, make_user(role)))
        scoped = make_user(role)
        scoped.site_scope.set([site_a])
        viewers.append(("scoped", role, scoped))
    return {"rows": rows, "viewers": viewers}


SELECTORS = {
    "sales": sales.sales_visible_to,
    "remittances": sales.remittances_visible_to,
    "batches": vouchers.batches_visible_to,
    "vouchers": vouchers.vouchers_visible_to,
    "clients": clients.clients_visible_to,
    "sites": sites.sites_visible_to,
    "routers": sites.routers_visible_to,
    "expenses": finance.expenses_visible_to,
    "faults": maintenance.faults_visible_to,
    "repair_logs": maintenance.repair_logs_visible_to,
    "downtimes": maintenance.downtimes_visible_to,
    "assets": assets.assets_visible_to,
    "movements": assets.movements_visible_to,
    "messages": messaging.messages_visible_to,
    "tickets": support.tickets_visible_to,
    "ticket_messages": support.messages_visible_to,
    "incidents": support.incidents_visible_to,
    "porta_sites": portabilling.configs_visible_to,
    "porta_accounts": portabilling.accounts_visible_to,
    "openwisp_settings": openwisp.settings_visible_to,
    "openwisp_devices": openwisp.devices_visible_to,
    "openwisp_runs": openwisp.runs_visible_to,
    "openwisp_conflicts": openwisp.open_conflicts_visible_to,
    "payments": payments.payments_visible_to,
    "payment_refunds": payments.refunds_visible_to,
}


@pytest.mark.django_db
def test_every_selector_shows_each_role_exactly_its_rows(world):
    mismatches = []
    for name, selector in SELECTORS.items():
        labels = world["rows"][name]
        for kind, role, user in world["viewers"]:
            seen = {
                labels[pk]
                for pk in selector(user).values_list("pk", flat=True)
                if pk in labels  # the world's other rows (a sale's own batch…) are not asked
            }
            want = expected(name, kind, role)
            if seen != want:
                mismatches.append(
                    f"{name} / {role} ({kind}): saw {sorted(seen)}, want {sorted(want)}"
                )
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.django_db
def test_nobody_logged_in_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    for name, selector in SELECTORS.items():
        assert not selector(AnonymousUser()).exists(), name


# Models bound to a site that are configuration, not rows a user is scoped to, and why.
UNSCOPED_SITE_MODELS = {
    "sales.ReceiptCounter": "a per-site counter read only inside the sale's transaction",
    "sales.CommissionRule": "commission rules are settings, read by the commission service",
    "sync.ChangeLog": "the sync feed: a pull reads it by owner and site, then reads each record "
    "again through that record's scoped selector",
}


def test_every_model_bound_to_a_site_declares_its_row_scope():
    """A new module's site-bound model either declares how it is scoped or says why not."""
    from django.apps import apps

    site = apps.get_model("sites", "Site")
    undeclared = []
    for model in apps.get_models():
        if not model.__module__.startswith("erp.") or model.__name__.startswith("Historical"):
            continue
        bound = any(f.is_relation and f.related_model is site for f in model._meta.concrete_fields)
        declared = isinstance(getattr(model, "row_scope", None), RowScope)
        if bound and not declared and model._meta.label not in UNSCOPED_SITE_MODELS:
            undeclared.append(model._meta.label)
    assert not undeclared, f"declare row_scope (erp.core.scoping) on {undeclared}"


def test_a_holder_rule_without_a_holder_is_refused():
    from erp.core.scoping import AgentRows

    with pytest.raises(ValueError):
        RowScope(agents_see=AgentRows.OWN)
    with pytest.raises(ValueError):
        RowScope(staff_see_held=True)


@pytest.mark.django_db
def test_scoped_staff_see_the_sms_they_queued_outside_their_sites(world, make_user):
    """staff_see_held: a message a site-scoped user queued to a client at another site stays
    in that user's log; a colleague scoped the same way does not see it."""
    far_client = Client.objects.get(
        pk=next(pk for pk, label in world["rows"]["clients"].items() if label == "far")
    )
    scoped = [user for kind, role, user in world["viewers"] if kind == "scoped"]
    sender, colleague = scoped[0], scoped[1]
    message = sms_services.queue_message(
        phone=far_client.phone, text="hi", client=far_client, actor=sender, already_sent=True
    )
    assert messaging.messages_visible_to(sender).filter(pk=message.pk).exists()
    assert not messaging.messages_visible_to(colleague).filter(pk=message.pk).exists()
