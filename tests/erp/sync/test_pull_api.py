"""GET /api/v1/sync/pull: a first sync in pages, then the change feed; scoped per agent."""

from __future__ import annotations

import pytest

from erp.clients.services import update_client
from erp.sync.models import ChangeLog
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher

PULL = "/api/v1/sync/pull"


def pull_all(client, cursor=None, limit=None):
    """Follow `more` to the end; returns (changes, last cursor, pages)."""
    changes, pages = [], 0
    while True:
        params = {}
        if cursor:
            params["cursor"] = cursor
        if limit:
            params["limit"] = limit
        r = client.get(PULL, params)
        assert r.status_code == 200, r.content
        page = r.json()
        pages += 1
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes, cursor, pages, page


def synced(client):
    """A first sync, then the feed drained (it repeats what changed while the first ran)."""
    _c, cursor, _p, _l = pull_all(client)
    return pull_all(client, cursor=cursor)[1]


@pytest.mark.django_db
def test_first_sync_pages_bring_own_stock_with_codes_and_nothing_of_others(api, field, make_client):
    agent = field["agent"]
    mine = make_client(site=field["site"], actor=agent, name="Mine")
    make_client(site=field["site"], actor=field["other"], name="Theirs")
    changes, cursor, pages, last = pull_all(api(agent), limit=7)
    assert pages >= 3
    vouchers = {c["data"]["code"] for c in changes if c["entity"] == "voucher"}
    assert vouchers == {v.code for v in field["mine"]}
    clients = [c["id"] for c in changes if c["entity"] == "client"]
    assert clients == [str(mine.pk)]
    packages = [c["data"]["name"] for c in changes if c["entity"] == "package"]
    assert packages == ["1 Day"]
    assert last["summary"]["balance_owed"] == "0.00"
    # The feed after a first sync may repeat what changed while it ran (the device upserts);
    # once drained, nothing changed since gives an empty page.
    again, cursor2, _p, _l = pull_all(api(agent), cursor=cursor)
    assert {c["id"] for c in again} <= {c["id"] for c in changes}
    assert pull_all(api(agent), cursor=cursor2)[0] == []


@pytest.mark.django_db
def test_feed_brings_changes_and_tombstones_only_to_their_owner(api, field, make_client):
    agent, other = field["agent"], field["other"]
    mine = make_client(site=field["site"], actor=agent, name="Asha")
    cursor, other_cursor = synced(api(agent)), synced(api(other))
    voided, moved = field["mine"][0], field["mine"][1]
    voucher_services.void_voucher(actor=field["admin"], voucher=voided, reason="lost")
    voucher_services.assign_to_agent(
        actor=field["admin"], agent=other, vouchers=Voucher.objects.filter(pk=moved.pk)
    )
    update_client(actor=field["admin"], client=mine, name="Asha M.")
    changes, _cur, _p, _l = pull_all(api(agent), cursor=cursor)
    by_id = {(c["entity"], c["id"]): c for c in changes}
    assert by_id[("voucher", str(voided.pk))]["data"]["status"] == "void"
    assert by_id[("voucher", str(moved.pk))]["deleted"] is True
    assert by_id[("client", str(mine.pk))]["data"]["name"] == "Asha M."
    theirs, _cur, _p, _l = pull_all(api(other), cursor=other_cursor)
    assert {(c["entity"], c["id"], c["deleted"]) for c in theirs} == {
        ("voucher", str(moved.pk), False)
    }
    assert theirs[0]["data"]["code"] == moved.code


@pytest.mark.django_db
def test_feed_is_keyset_paged_and_resumable(api, field):
    agent = field["agent"]
    cursor = synced(api(agent))
    for v in field["mine"][:10]:
        voucher_services.void_voucher(actor=field["admin"], voucher=v, reason="x")
    first = api(agent).get(PULL, {"cursor": cursor, "limit": 4}).json()
    assert first["more"] is True and len(first["changes"]) == 4
    # The page was lost: asking again with the same cursor gives the same page.
    assert (
        api(agent).get(PULL, {"cursor": cursor, "limit": 4}).json()["changes"] == (first["changes"])
    )
    rest, _cur, _p, _l = pull_all(api(agent), cursor=first["cursor"], limit=4)
    ids = [c["id"] for c in first["changes"] + rest]
    assert sorted(ids) == sorted(str(v.pk) for v in field["mine"][:10])


@pytest.mark.django_db
def test_bad_cursor_and_limit_are_400(api, field):
    agent = field["agent"]
    for params in ({"cursor": "garbage"}, {"cursor": "f.1"}, {"limit": "0"}, {"limit": "x"}):
        r = api(agent).get(PULL, params)
        assert r.status_code == 400, params


@pytest.mark.django_db
def test_change_feed_records_bulk_moves(field):
    """assign_to_agent moves vouchers with update(): the triggers log them all the same."""
    logged = ChangeLog.objects.filter(entity="voucher", owner=field["agent"]).count()
    assert logged >= 20


@pytest.mark.django_db
def test_pull_notes_the_devices_last_pull_only_for_its_owner(api, field, phone):
    from erp.sync.models import Device

    api(field["agent"]).post(
        "/api/v1/sync/push", {"ops": [phone.sell(field["mine"][0].code)]}, format="json"
    )
    api(field["other"]).get(PULL, {"device_id": phone.device_id})
    assert Device.objects.get(pk=phone.device_id).last_pull_at is None
    api(field["agent"]).get(PULL, {"device_id": phone.device_id})
    assert Device.objects.get(pk=phone.device_id).last_pull_at is not None
    assert api(field["agent"]).get(PULL, {"device_id": "nope"}).status_code == 200


@pytest.mark.django_db
def test_feed_pruned_by_age_and_a_cursor_before_it_is_told_to_start_again(
    api, field, make_client, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from erp.core.schedules import JOBS
    from erp.sync.models import FeedPruned
    from erp.sync.services import prune_change_feed

    agent = field["agent"]
    mine = make_client(site=field["site"], actor=agent, name="Old")
    update_client(actor=agent, client=mine, name="Older")
    # Rows of transactions long ended (this test's own transaction is still running).
    old = ChangeLog.objects.all()
    assert old.count() > 0
    old.update(txid=1, changed_at=timezone.now() - timedelta(days=40))
    last_old = ChangeLog.objects.order_by("-id").values_list("id", flat=True).first()
    old_count = ChangeLog.objects.count()
    update_client(actor=agent, client=mine, name="New")  # a recent change: kept
    recent = ChangeLog.objects.filter(id__gt=last_old).count()
    assert recent > 0

    settings.SYNC_FEED_KEEP_DAYS = 30
    assert prune_change_feed() == old_count
    assert not ChangeLog.objects.filter(id__lte=last_old).exists()
    assert ChangeLog.objects.count() == recent
    mark = FeedPruned.objects.get()
    assert (mark.txid, mark.last_id) == (1, last_old)
    assert prune_change_feed() == 0  # nothing old left

    r = api(agent).get(PULL, {"cursor": "f.0.0"})  # a phone last synced before the pruning
    assert r.status_code == 410, r.content
    assert r.json()["code"] == "cursor_too_old"
    r = api(agent).get(PULL, {"cursor": f"s.1.{last_old - 1}.0."})
    assert r.status_code == 410  # a first sync begun before it, too
    # Right at the mark: nothing was lost for this phone.
    r = api(agent).get(PULL, {"cursor": f"f.1.{last_old}"})
    assert r.status_code == 200, r.content
    assert [c["data"]["name"] for c in r.json()["changes"] if c["entity"] == "client"] == ["New"]
    # Starting again works: a first sync, then its cursor.
    _changes, cursor, _pages, _last = pull_all(api(agent))
    assert api(agent).get(PULL, {"cursor": cursor}).status_code == 200
    assert any(job.task == "erp.sync.tasks.prune_change_feed" for job in JOBS)
