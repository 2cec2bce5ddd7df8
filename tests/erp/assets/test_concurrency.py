"""Two technicians move the same asset at the same moment: the row lock makes the second see
the first's move, so exactly one movement is recorded and the other gets a clear error."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from erp.assets import services
from erp.assets.models import Asset, AssetMovement


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_assignments_to_one_site_record_one_move(
    postgres_only, make_asset, make_site, tech
):
    site = make_site(name="Kariakoo", code="KKO")
    asset = make_asset()
    barrier = threading.Barrier(10)
    results: list[str] = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            services.assign_asset(actor=tech, asset=asset, site=site, reason="install")
            outcome = "moved"
        except ValidationError as exc:
            outcome = f"refused: {' '.join(exc.messages)}"
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("moved") == 1, results
    assert results.count("refused: The asset is already at Kariakoo.") == 9, results
    assert AssetMovement.objects.filter(asset=asset, kind="assigned").count() == 1
    assert Asset.objects.get(pk=asset.pk).history.filter(status="deployed").count() == 1
