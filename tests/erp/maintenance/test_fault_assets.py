"""Faults and the assets register: affected assets, parts put in and taken out by a repair."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erp.accounts.roles import Role
from erp.assets import services as asset_services
from erp.assets.choices import AssetStatus
from erp.assets.models import Asset, AssetMovement, AssetType
from erp.maintenance.choices import FaultStatus
from erp.maintenance.models import Downtime, Fault, RepairLog
from workflows.fault_repair import services as process
from workflows.fault_repair.models import FaultRepairProcess


@pytest.fixture
def make_asset(admin_user):
    counter = {"n": 0}

    def make(site=None, code="access-point"):
        counter["n"] += 1
        return asset_services.create_asset(
            actor=admin_user,
            asset_type=AssetType.objects.get(code=code),
            serial_number=f"SN-{counter['n']:04d}",
            site=site,
        )

    return make


@pytest.mark.django_db
def test_reporting_against_a_retired_asset_is_refused_and_changes_nothing(
    users, admin_user, make_site, make_asset
):
    site = make_site()
    old = make_asset(site=site)
    asset_services.retire_asset(actor=admin_user, asset=old, reason="burnt")
    old.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        process.report(
            actor=users[Role.SALES],
            site=site,
            severity="major",
            description="AP dead",
            service_down=True,
            assets=[old],
        )
    assert "is retired" in str(refused.value.message_dict["assets"])
    assert not Fault.objects.exists() and not Downtime.objects.exists()
    assert not FaultRepairProcess.objects.exists()


@pytest.mark.django_db
def test_an_asset_of_another_site_is_refused(users, make_site, make_asset):
    here, there = make_site(), make_site()
    with pytest.raises(ValidationError) as refused:
        process.report(
            actor=users[Role.SALES],
            site=here,
            severity="minor",
            description="x",
            assets=[make_asset(site=there)],
        )
    assert "is not at" in str(refused.value.message_dict["assets"])
    assert not Fault.objects.exists()


@pytest.mark.django_db
def test_a_repair_swaps_parts_and_moves_them(users, admin_user, make_site, make_asset):
    technician = users[Role.TECHNICAL]
    site = make_site(name="Tegeta", code="DAR-TGT")
    broken, spare = make_asset(site=site), make_asset()
    assert spare.status == AssetStatus.IN_STOCK
    fault = process.report(
        actor=users[Role.SALES], site=site, severity="major", description="AP dead", assets=[broken]
    )
    assert list(fault.assets.all()) == [broken]
    process.triage(actor=admin_user, fault=fault, technician=technician)
    movements_before = AssetMovement.objects.count()

    log = process.repair(
        actor=technician,
        fault=fault,
        diagnosis="AP radio dead",
        actions="Swapped the AP",
        minutes_spent=60,
        parts_installed=[spare],
        parts_removed=[broken],
    )

    spare.refresh_from_db()
    broken.refresh_from_db()
    assert spare.status == AssetStatus.DEPLOYED and spare.site == site
    assert broken.status == AssetStatus.IN_REPAIR and broken.condition == "faulty"
    assert AssetMovement.objects.count() == movements_before + 2
    assert list(log.parts_installed.all()) == [spare]
    assert list(log.parts_removed.all()) == [broken]


@pytest.mark.django_db
def test_a_part_that_cannot_move_refuses_the_whole_repair(users, admin_user, make_site, make_asset):
    technician = users[Role.TECHNICAL]
    site = make_site()
    retired = make_asset()
    asset_services.retire_asset(actor=admin_user, asset=retired, reason="old")
    fault = process.report(actor=users[Role.SALES], site=site, severity="minor", description="x")
    process.triage(actor=admin_user, fault=fault, technician=technician)
    with pytest.raises(ValidationError) as refused:
        process.repair(
            actor=technician,
            fault=fault,
            diagnosis="d",
            actions="a",
            minutes_spent=10,
            cost="5000",
            parts_installed=[Asset.objects.get(pk=retired.pk)],
        )
    assert "parts_installed" in refused.value.message_dict
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ASSIGNED
    assert not RepairLog.objects.exists()
    from erp.finance.models import Expense

    assert not Expense.objects.exists()  # the cost's expense went back with the repair


@pytest.mark.django_db
def test_closing_without_a_repair_log_is_refused_and_changes_nothing(users, admin_user, make_site):
    fault = process.report(
        actor=users[Role.SALES], site=make_site(), severity="minor", description="x"
    )
    Fault.objects.filter(pk=fault.pk).update(status=FaultStatus.REPAIRED)  # a bad state
    with pytest.raises(ValidationError) as refused:
        process.verify(actor=admin_user, fault=fault, confirm=True)
    assert refused.value.messages == ["A fault is closed only after a repair log is recorded."]
    fault.refresh_from_db()
    assert fault.status == FaultStatus.REPAIRED and fault.closed_at is None
