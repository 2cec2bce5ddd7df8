"""A short run of the portal benchmark (bench/portal.py): the voucher page under a few
customers at once and 40 shuffled callbacks for 20 payments through gunicorn. The full run
(50 customers, 500 payments) and its figures are in bench/README.md."""

import pytest


@pytest.mark.django_db(transaction=True)
def test_portal_bench_smoke(roles, postgres_only):
    from bench import portal

    result = portal.run(customers=6, rounds=3, payments=20)
    page, callbacks = result["page"], result["callbacks"]
    assert page["error_count"] == 0, page["errors"]
    assert page["server"]["page_get"]["n"] == 18
    # the target is 100 ms at 50 customers on a quiet machine; CI shares its cores
    assert page["server"]["page_get"]["p50"] < 500, page["server"]
    assert callbacks["deliveries"] == 40 and callbacks["refused"] == []
    assert callbacks["vouchers"] == callbacks["issued"] == 20
    assert callbacks["doubles"] == 0
    assert callbacks["sessions"] == callbacks["devices_on_router"] == 20
    assert callbacks["forged_refused_wrongly"] == []
