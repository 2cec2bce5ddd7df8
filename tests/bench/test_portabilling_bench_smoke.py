"""A short run of the PortaBilling push benchmark (bench/portabilling_push.py); the full run
(1,000 accounts at 50 ms) and its figures are in bench/README.md."""

import pytest


@pytest.mark.django_db(transaction=True)
def test_portabilling_push_smoke(roles):
    from bench import portabilling_push

    result = portabilling_push.run(accounts=80, latency=0.02, parallel=8, verify=True)
    # every account made exactly once, by both pushes
    assert result["created_remote"] == 160
    # one at a time costs at least 80 × 20 ms by construction; 8 at a time must beat it clearly
    # even on a busy shared machine (the full run's target is 4x at 1,000)
    assert result["ratio"] >= 2, result
