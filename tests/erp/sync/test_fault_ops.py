"""Technicians push report_fault / record_repair: applied through the fault process, once."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.contrib.auth.models import Permission
from PIL import Image

from erp.accounts.roles import Role
from erp.maintenance.choices import FaultStatus, Severity
from erp.maintenance.models import Fault, FaultPhoto, RepairLog
from workflows.fault_repair import services as process
from workflows.fault_repair.models import FaultRepairProcess

from .conftest import Phone

PUSH = "/api/v1/sync/push"


def png(size=(64, 48), fmt="PNG", noise=False) -> str:
    buf = io.BytesIO()
    if noise:  # does not compress: its size is what the test says
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    image.save(buf, fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def crew(make_site, make_user):
    """A technician scoped to one site, a lead who triages, and another site."""
    mine, other = make_site(name="Mbezi"), make_site(name="Kunduchi")
    tech = make_user(Role.TECHNICAL)
    tech.site_scope.add(mine)
    lead = make_user(Role.TECHNICAL, username="lead")
    lead.user_permissions.add(Permission.objects.get(codename="triage_fault"))
    lead = type(lead).objects.get(pk=lead.pk)
    return {"tech": tech, "lead": lead, "mine": mine, "other": other}


def push(api, user, ops):
    r = api(user).post(PUSH, {"ops": ops}, format="json")
    assert r.status_code == 200, r.content
    return r.json()["results"]


def report(phone, site, **payload):
    return phone.op(
        "report_fault",
        "fault",
        {"site_id": str(site.pk), "description": "Mast AP dead", "severity": "major", **payload},
    )


@pytest.mark.django_db
def test_fault_reported_with_a_photo_starts_the_process_once(api, crew):
    phone = Phone()
    ops = [report(phone, crew["mine"], photo=png(), service_down=True)]
    [result] = push(api, crew["tech"], ops)
    assert result["outcome"] == "applied", result
    fault = Fault.objects.get()
    assert result["record"]["id"] == str(fault.pk) and result["record"]["photos"] == 1
    assert result["record"]["device_id"] == ops[0]["id"]
    assert (fault.site, fault.reported_by, fault.severity) == (
        crew["mine"],
        crew["tech"],
        Severity.MAJOR,
    )
    photo = FaultPhoto.objects.get(fault=fault)
    assert photo.image.name.endswith(".png")
    assert Image.open(photo.image).size == (64, 48)
    assert FaultRepairProcess.objects.filter(data__fault_id=str(fault.pk)).count() == 1
    assert fault.downtimes.count() == 1
    # The answer was lost: the same push again changes nothing.
    assert push(api, crew["tech"], ops) == [result]
    assert Fault.objects.count() == 1 and FaultPhoto.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "photo, reason",
    [
        ("data:image/png;base64," + base64.b64encode(b"not a picture at all").decode(), "JPEG"),
        ("data:text/plain;base64,aGVsbG8=", "JPEG"),
        ("https://example.com/x.jpg", "JPEG"),
        (png(fmt="BMP").replace("image/bmp", "image/png"), "JPEG"),
    ],
)
def test_a_photo_that_is_not_an_image_is_refused_and_nothing_filed(api, crew, photo, reason):
    [result] = push(api, crew["tech"], [report(Phone(), crew["mine"], photo=photo)])
    assert result["outcome"] == "rejected" and reason in result["reason"], result
    assert Fault.objects.count() == 0 and FaultRepairProcess.objects.count() == 0


@pytest.mark.django_db
def test_a_photo_too_big_is_refused(api, crew, settings):
    settings.FIELD_PHOTO_MAX_BYTES = 2048
    big = png(size=(100, 100), noise=True)  # 30 kB
    [result] = push(api, crew["tech"], [report(Phone(), crew["mine"], photo=big)])
    assert result["outcome"] == "rejected" and "at most 2 kB" in result["reason"], result
    assert Fault.objects.count() == 0 and FaultPhoto.objects.count() == 0


@pytest.mark.django_db
def test_fault_at_another_site_or_bad_fields_are_refused(api, crew):
    phone = Phone()
    results = push(
        api,
        crew["tech"],
        [
            report(phone, crew["other"]),
            report(phone, crew["mine"], severity="apocalyptic"),
            report(phone, crew["mine"], owner="me"),
            phone.op("report_fault", "fault", {"site_id": "not-a-uuid"}),
        ],
    )
    assert [r["outcome"] for r in results] == ["rejected"] * 4, results
    assert "choose one of your sites" in results[0]["reason"]
    assert "Unknown severity" in results[1]["reason"]
    assert "Unknown fields: owner" in results[2]["reason"]
    assert Fault.objects.count() == 0


@pytest.mark.django_db
def test_repair_logged_by_the_assigned_technician_completes_the_repair(api, crew):
    phone = Phone()
    [reported] = push(api, crew["tech"], [report(phone, crew["mine"])])
    fault = Fault.objects.get(pk=reported["record"]["id"])
    process.triage(actor=crew["lead"], fault=fault, technician=crew["tech"])
    op = phone.op(
        "record_repair",
        "fault",
        {"diagnosis": "PoE burnt", "actions": "Replaced it", "minutes_spent": 40, "cost": "0"},
        id=fault.pk,
    )
    [result] = push(api, crew["tech"], [op])
    assert result["outcome"] == "applied", result
    fault.refresh_from_db()
    assert fault.status == FaultStatus.REPAIRED and result["record"]["status"] == "repaired"
    log = RepairLog.objects.get()
    assert (log.technician, log.minutes_spent, log.diagnosis) == (crew["tech"], 40, "PoE burnt")
    assert push(api, crew["tech"], [op]) == [result]  # replay: one log
    assert RepairLog.objects.count() == 1


@pytest.mark.django_db
def test_repair_of_a_fault_of_another_site_or_not_assigned_is_refused(api, crew, make_user):
    elsewhere = process.report(
        actor=crew["lead"], site=crew["other"], description="x", severity="minor"
    )
    here = process.report(actor=crew["lead"], site=crew["mine"], description="y", severity="minor")
    phone = Phone()
    repair = {"diagnosis": "d", "actions": "a", "minutes_spent": 5}
    results = push(
        api,
        crew["tech"],
        [
            phone.op("record_repair", "fault", repair, id=elsewhere.pk),
            phone.op("record_repair", "fault", repair, id=here.pk),  # not triaged to them
            phone.op("record_repair", "fault", {**repair, "minutes_spent": "lots"}, id=here.pk),
        ],
    )
    assert [r["outcome"] for r in results] == ["rejected"] * 3, results
    assert "No such fault" in results[0]["reason"]
    assert "not waiting for that step" in results[1]["reason"]
    assert "whole number" in results[2]["reason"]
    assert RepairLog.objects.count() == 0


@pytest.fixture
def parts(crew, admin_user, asset_types):
    """A spare in the office's stock, a part at the technician's site, one at another site."""
    from erp.assets import services as asset_services

    def make(serial, site=None):
        return asset_services.create_asset(
            actor=admin_user,
            asset_type=asset_types["access-point"],
            serial_number=serial,
            site=site,
        )

    return {
        "spare": make("SN-SPARE"),
        "broken": make("SN-BROKEN", crew["mine"]),
        "far": make("SN-FAR", crew["other"]),
    }


def assigned_fault(api, crew):
    [reported] = push(api, crew["tech"], [report(Phone(), crew["mine"])])
    fault = Fault.objects.get(pk=reported["record"]["id"])
    process.triage(actor=crew["lead"], fault=fault, technician=crew["tech"])
    return fault


def repair_op(phone, fault, **parts):
    payload = {"diagnosis": "AP dead", "actions": "Swapped it", "minutes_spent": 30, **parts}
    return phone.op("record_repair", "fault", payload, id=fault.pk)


@pytest.mark.django_db
def test_the_pull_brings_a_technician_the_parts_of_the_repair_form(api, crew, parts):
    page = api(crew["tech"]).get("/api/v1/sync/pull").json()
    while page["more"]:
        page = api(crew["tech"]).get("/api/v1/sync/pull", {"cursor": page["cursor"]}).json()
    listed = {p["id"]: p for p in page["summary"]["parts"]}
    assert set(listed) == {str(parts["spare"].pk), str(parts["broken"].pk)}  # not another site's
    assert listed[str(parts["broken"].pk)]["site_id"] == str(crew["mine"].pk)
    assert listed[str(parts["spare"].pk)]["label"].endswith("SN-SPARE")


@pytest.mark.django_db
def test_a_repair_with_parts_put_in_and_taken_out_moves_them_once(api, crew, parts):
    from erp.assets.choices import AssetStatus

    fault = assigned_fault(api, crew)
    phone = Phone()
    op = repair_op(
        phone,
        fault,
        parts_installed=[str(parts["spare"].pk)],
        parts_removed=[str(parts["broken"].pk)],
    )
    [result] = push(api, crew["tech"], [op])
    assert result["outcome"] == "applied", result
    log = RepairLog.objects.get()
    assert list(log.parts_installed.all()) == [parts["spare"]]
    assert list(log.parts_removed.all()) == [parts["broken"]]
    spare, broken = parts["spare"], parts["broken"]
    spare.refresh_from_db()
    broken.refresh_from_db()
    assert (spare.site, spare.status) == (crew["mine"], AssetStatus.DEPLOYED)
    assert broken.status == AssetStatus.IN_REPAIR
    assert push(api, crew["tech"], [op]) == [result]  # replay: moved once
    assert spare.movements.count() == 2  # received, then put in


@pytest.mark.django_db
@pytest.mark.parametrize(
    "named, reason",
    [
        ({"parts_installed": ["far"]}, "parts_installed: no such equipment in your records."),
        ({"parts_removed": ["spare"]}, "parts_removed: access point SN-SPARE: "),
        ({"parts_installed": "spare"}, "parts_installed: a list of equipment ids."),
        ({"parts_removed": ["not-a-uuid"]}, "parts_removed: a list of equipment ids."),
    ],
)
def test_a_repair_naming_wrong_parts_is_refused_and_nothing_moves(api, crew, parts, named, reason):
    fault = assigned_fault(api, crew)
    payload = {
        field: [str(parts[n].pk) if n in parts else n for n in value]
        if isinstance(value, list)
        else value
        for field, value in named.items()
    }
    before = sorted((str(a.pk), a.site_id, a.status) for a in parts.values())
    [result] = push(api, crew["tech"], [repair_op(Phone(), fault, **payload)])
    assert result["outcome"] == "rejected" and reason.lower() in result["reason"].lower(), result
    assert not RepairLog.objects.exists()
    fault.refresh_from_db()
    assert fault.status == FaultStatus.ASSIGNED
    for asset in parts.values():
        asset.refresh_from_db()
    assert sorted((str(a.pk), a.site_id, a.status) for a in parts.values()) == before
