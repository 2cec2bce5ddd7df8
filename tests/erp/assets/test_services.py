"""Assets: creating, moving (every movement recorded and in history), and the bad inputs that
must change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.assets import services
from erp.assets.choices import AssetCondition, AssetStatus, MovementKind
from erp.assets.models import Asset, AssetMovement
from erp.assets.selectors import asset_timeline, assets_visible_to
from erp.core.exceptions import NotAllowed

pytestmark = pytest.mark.django_db


def _state(asset):
    asset = Asset.objects.get(pk=asset.pk)
    return (
        asset.status,
        asset.site_id,
        asset.condition,
        asset.movements.count(),
        asset.history.count(),
    )


def test_new_asset_is_in_stock_with_a_received_movement(make_asset, tech):
    asset = make_asset(serial_number=" ab-12 x ", mac_address="aa-bb-cc-dd-ee-0f")
    assert asset.status == AssetStatus.IN_STOCK and asset.site is None
    assert asset.serial_number == "AB-12 X"
    assert asset.mac_address == "AA:BB:CC:DD:EE:0F"
    [movement] = asset.movements.all()
    assert (movement.kind, movement.to_status, movement.actor) == (
        MovementKind.RECEIVED,
        AssetStatus.IN_STOCK,
        tech,
    )


def test_movement_history_reads_back_from_simple_history(make_asset, make_site, tech, users):
    # Given an asset in stock, and two sites
    site_a = make_site(name="Kariakoo", code="KKO")
    site_b = make_site(name="Mwenge", code="MWG")
    asset = make_asset()
    boss = users[Role.SUPER_ADMIN]

    # When it is assigned, moved, sent to repair as faulty and returned to stock
    services.assign_asset(actor=tech, asset=asset, site=site_a, reason="new install")
    services.move_asset(actor=boss, asset=asset, to_site=site_b, reason="Kariakoo closed")
    services.send_to_repair(actor=tech, asset=asset, reason="power port burnt")
    services.return_to_stock(
        actor=tech, asset=asset, reason="repaired", condition=AssetCondition.GOOD
    )

    # Then simple-history holds every step: who, where, status, condition, why (oldest first)
    records = list(asset.history.order_by("history_date"))
    assert [
        (r.history_user, r.status, r.site_id, r.condition, r.history_change_reason) for r in records
    ] == [
        (tech, "in_stock", None, "new", "received"),
        (tech, "deployed", site_a.pk, "new", "new install"),
        (boss, "deployed", site_b.pk, "new", "Kariakoo closed"),
        (tech, "in_repair", None, "faulty", "power port burnt"),
        (tech, "in_stock", None, "good", "repaired"),
    ]
    # And the movements say the same, from → to
    moves = list(asset.movements.order_by("at", "created_at"))
    assert [(m.kind, m.from_site, m.to_site, m.from_status, m.to_status) for m in moves] == [
        (MovementKind.RECEIVED, None, None, "", "in_stock"),
        (MovementKind.ASSIGNED, None, site_a, "in_stock", "deployed"),
        (MovementKind.MOVED, site_a, site_b, "deployed", "deployed"),
        (MovementKind.REPAIR, site_b, None, "deployed", "in_repair"),
        (MovementKind.RETURNED, None, None, "in_repair", "in_stock"),
    ]
    # And the timeline tells it readably, newest first
    timeline = asset_timeline(asset)
    assert [(e.lines, e.reason) for e in timeline] == [
        (["Asha Mushi moved it from in repair to stock", "condition faulty → good"], "repaired"),
        (
            ["Asha Mushi moved it from Mwenge to repair", "condition new → faulty"],
            "power port burnt",
        ),
        ([f"{boss} moved it from Kariakoo to Mwenge"], "Kariakoo closed"),
        (["Asha Mushi moved it from stock to Kariakoo"], "new install"),
        (["Asha Mushi added it (new, in stock)"], "received"),
    ]


def test_edit_and_condition_change_are_in_the_timeline(make_asset, tech):
    asset = make_asset()
    services.update_asset(
        actor=tech, asset=asset, condition=AssetCondition.FAIR, supplier="Tz Networks"
    )
    [latest, _created] = asset_timeline(asset)
    assert latest.lines == [
        "Asha Mushi changed the condition: new → fair",
        "Asha Mushi edited supplier",
    ]


def test_retire_makes_condition_retired_and_is_final(make_asset, make_site, tech):
    site = make_site()
    asset = make_asset(site=site, reason="install")
    services.retire_asset(actor=tech, asset=asset, reason="lightning")
    asset.refresh_from_db()
    assert (asset.status, asset.condition, asset.site) == ("retired", "retired", None)
    before = _state(asset)
    with pytest.raises(ValidationError, match="retired"):
        services.assign_asset(actor=tech, asset=asset, site=site, reason="again")
    with pytest.raises(ValidationError, match="retired"):
        services.update_asset(actor=tech, asset=asset, model="x")
    with pytest.raises(ValidationError, match="retired"):
        services.check_not_retired(asset)
    assert _state(asset) == before


def test_duplicate_serial_of_the_same_type_is_refused(make_asset, types):
    make_asset(serial_number="ABC123")
    count = Asset.objects.count()
    with pytest.raises(ValidationError) as err:
        make_asset(serial_number=" abc123 ")
    assert err.value.message_dict == {
        "serial_number": ["A router with serial ABC123 already exists."]
    }
    assert Asset.objects.count() == count
    # The same serial on another type is another asset
    make_asset(serial_number="ABC123", type_code="ups")
    assert Asset.objects.count() == count + 1


def test_database_constraint_holds_serial_unique_per_type(make_asset, types):
    from django.db import IntegrityError, transaction

    asset = make_asset(serial_number="X1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.create(asset_type=asset.asset_type, serial_number="X1")


def test_move_to_the_site_it_is_at_is_refused(make_asset, make_site, tech):
    site = make_site(name="Kariakoo", code="KKO")
    asset = make_asset(site=site, reason="install")
    before = _state(asset)
    with pytest.raises(ValidationError) as err:
        services.assign_asset(actor=tech, asset=asset, site=site, reason="again")
    assert err.value.message_dict == {"to_site": ["The asset is already at Kariakoo."]}
    in_stock = make_asset()
    with pytest.raises(ValidationError, match="already in stock"):
        services.return_to_stock(actor=tech, asset=in_stock, reason="x")
    assert _state(asset) == before


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"to_status": "deployed", "reason": "x"}, "to_site"),
        ({"to_status": "in_stock", "reason": "x", "with_site": True}, "to_site"),
        ({"to_status": "retired", "reason": "x", "with_site": True}, "to_site"),
        ({"to_status": "bogus", "reason": "x"}, "to_status"),
        ({"reason": "   ", "with_site": True}, "reason"),
        ({"reason": "x", "with_site": True, "condition": "retired"}, "condition"),
    ],
)
def test_bad_moves_are_refused_and_change_nothing(make_asset, make_site, tech, kwargs, field):
    site = make_site()
    asset = make_asset()
    before = _state(asset)
    if kwargs.pop("with_site", False):
        kwargs["to_site"] = site
    with pytest.raises(ValidationError) as err:
        services.move_asset(actor=tech, asset=asset, **kwargs)
    assert field in err.value.message_dict
    assert _state(asset) == before


def test_roles_without_move_permission_cannot_move(make_asset, make_site, users):
    asset = make_asset()
    before = _state(asset)
    for role in (Role.FINANCE, Role.SALES, Role.AGENT):
        with pytest.raises(NotAllowed, match="may not move"):
            services.assign_asset(actor=users[role], asset=asset, site=make_site(), reason="x")
    assert _state(asset) == before


def test_scoped_technician_sees_own_sites_and_stock_only(make_asset, make_site, make_user, users):
    site_a, site_b = make_site(code="AAA"), make_site(code="BBB")
    scoped = make_user(Role.TECHNICAL, username="scoped")
    scoped.site_scope.set([site_a])
    at_a = make_asset(site=site_a, reason="i")
    at_b = make_asset(site=site_b, reason="i")
    stock = make_asset()
    visible = set(assets_visible_to(scoped))
    assert visible == {at_a, stock}
    assert set(assets_visible_to(users[Role.AGENT])) == set()
    assert set(assets_visible_to(users[Role.FINANCE])) == {at_a, at_b, stock}
    # A scoped technician cannot pull an asset from another site, nor send one there
    before = _state(at_b)
    with pytest.raises(ValidationError, match="site"):
        services.return_to_stock(actor=scoped, asset=at_b, reason="x")
    with pytest.raises(ValidationError) as err:
        services.assign_asset(actor=scoped, asset=stock, site=site_b, reason="x")
    assert "to_site" in err.value.message_dict
    assert _state(at_b) == before


def test_router_link_only_for_router_type(make_asset, make_router):
    router = make_router()
    ups = make_asset(type_code="ups")
    with pytest.raises(ValidationError) as err:
        services.update_asset(actor=ups.movements.first().actor, asset=ups, router=router)
    assert "router" in err.value.message_dict
    asset = make_asset(router=router)
    assert router.asset == asset


def test_negative_cost_and_bad_mac_are_field_errors(make_asset):
    with pytest.raises(ValidationError) as err:
        make_asset(mac_address="zz:zz", purchase_cost=Decimal("-1"))
    assert {"mac_address", "__all__"} <= set(err.value.message_dict) or {"mac_address"} <= set(
        err.value.message_dict
    )
    assert not AssetMovement.objects.exists()


def test_router_of_another_sites_scope_cannot_be_linked(make_asset, make_router, make_user):
    scoped = make_user(Role.TECHNICAL, username="scoped")
    mine = make_router()
    scoped.site_scope.set([mine.site])
    theirs = make_router()
    with pytest.raises(ValidationError) as err:
        make_asset(actor=scoped, router=theirs)
    assert err.value.message_dict == {"router": ["Select a router of a site you work on."]}
    assert make_asset(actor=scoped, router=mine).router == mine
