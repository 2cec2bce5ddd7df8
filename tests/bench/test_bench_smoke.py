"""A short run of each benchmark, so CI notices when one breaks or loses its advantage.
The full runs and their figures are in bench/README.md."""

import pytest

from bench import router_push


@pytest.mark.django_db(transaction=True)
def test_router_push_smoke(roles):
    result = router_push.run(users=150, latency=0.01)
    assert result["users"] == 150
    # One at a time costs at least 150 × 10 ms by construction; pipelined must beat it clearly
    # even on a busy shared machine (quiet: ~10x here; the full run's target is 10x at 10,000).
    assert result["ratio"] >= 2, result


@pytest.mark.django_db(transaction=True)
def test_voucher_generation_smoke(roles, postgres_only):
    from bench import voucher_generation

    result = voucher_generation.run(20_000)  # large enough that fixed costs do not dominate
    assert result["vouchers"] == 20_000
    assert result["ratio"] <= 4, result  # the full run's target is 2x at 100,000


@pytest.mark.django_db
def test_voucher_pdf_smoke():
    from bench import voucher_pdf

    # warm: the first PDF of a process loads fonts and WeasyPrint (the full run amortises it;
    # in the suite this test may be the process's first PDF)
    voucher_pdf.run(4)
    result = voucher_pdf.run(36)
    assert result["cards"] == 36 and result["bytes"] > 10_000
    # CPU time, the full run's budget scaled (wall time swings with whatever shares the machine)
    assert result["pdf_cpu_s"] < 30 * 36 / 1000 + 2, result


@pytest.mark.django_db(transaction=True)
def test_pos_sales_smoke(roles, postgres_only, asset_types):
    """2,000 past sales (bench/generate.py), 4 sellers at once through the real sell service;
    the list and the statement read at that size. The full run (1,000,000 sales, 16 sellers)
    is by hand."""
    from bench import pos_sales

    result = pos_sales.run(2_000, 4, 20, sites=4, agents_per_site=3, http=False, repeat=3, warmup=1)
    together, alone = result["together"], result["alone"]
    assert together["sales"] == 4 * 20 and alone["sales"] == 20
    checks = result["checks"]
    # every sale took its own voucher, every voucher is now sold, receipts run 1..n per site
    assert checks["sales"] == checks["distinct_vouchers"] == 100, checks
    assert checks["vouchers_not_sold"] == 0, checks
    assert checks["receipts_gapless"] and checks["receipt_sites"] == 2, checks
    assert together["replays_ok"] and alone["replays_ok"]
    assert together["latency"]["p95"] < 2_000, together["latency"]  # the target is 50 ms
    reads = result["reads"]
    assert reads["count_queries"] == [], reads["count_queries"]  # keyset pages never count
    # an index serves every list and statement query (small tables: planner forced off seq scans)
    assert reads["forced_seq_scans"] == [], reads["forced_seq_scans"]
    for who, figures in reads["lists"].items():
        assert figures["queries"] >= 1, who
        assert figures["api_first"]["p95"] < 2_000 and figures["api_deep"]["p95"] < 2_000, who
    assert reads["statement"]["agent"]["sales_in_period"] > 0


@pytest.mark.django_db(transaction=True)
def test_generate_and_dashboards_smoke(roles, postgres_only, asset_types):
    """Generate a tiny shop with COPY, then every dashboard callback over HTTP."""
    import datetime as dt

    from django.db import connection
    from django.db.models import Count, Max
    from django.utils import timezone

    from bench import dashboards, generate
    from erp.finance.models import Expense
    from erp.sales.models import Refund, Remittance, Sale
    from erp.vouchers.choices import ALPHABET, DEFAULT_CODE_LENGTH, VoucherStatus
    from erp.vouchers.models import Voucher

    made = generate.run(0.0005, days=60, quiet=True)
    assert made["vouchers"] == 5000 and made["sales"] > 3000
    # the bulk rows are what the app would have written
    assert Voucher.objects.count() == 5000 and Sale.objects.count() == made["sales"]
    codes = Voucher.objects.values_list("code", flat=True)[:200]
    assert all(len(c) == DEFAULT_CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert Refund.objects.count() == made["refunds"]
    assert not Refund.objects.exclude(sale__voucher__status=VoucherStatus.VOID).exists()
    counts = Sale.objects.values("site").annotate(n=Count("pk"), top=Max("receipt_number"))
    assert all(row["n"] == row["top"] for row in counts)  # receipts 1..n per site
    unused = Voucher.objects.filter(status=VoucherStatus.UNUSED)
    recent = unused.filter(created_at__gte=timezone.now() - dt.timedelta(days=30)).count()
    assert recent > 0.7 * unused.count()  # unsold stock is recent
    assert Remittance.objects.count() == made["remittances"] > 0
    assert Expense.objects.count() == made["expenses"] > 0
    from erp.assets.models import Asset

    assert Asset.objects.count() == made["assets"] > 0
    with connection.cursor() as cursor:  # the dropped keys and indexes are back
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'sales_sale'")
        assert cursor.fetchone()[0] >= 10
    result = dashboards.run(repeats=2, quiet=True)
    # every chart, with its page's default period and with a year
    assert len(result["callbacks"]) == 2 * len(dashboards.CHARTS)
    assert {r["callback"] for r in result["ratios"]} >= {"agents-balances", "agents-aging"}
    assert result["largest_kb"] <= 50, result
    assert result["sites"] == result["raw_sites"] > 0

    from bench import rollup_jobs

    jobs = rollup_jobs.run(agents=3, repeats=2)
    # the sellers' stock is refreshed alone and right (StockAge = their unsold vouchers)
    assert [c["sellers_seen"] for c in jobs["checks"]] == [True, True], jobs
    assert all(c["held"] == c["rolled"] > 0 for c in jobs["checks"]), jobs
    # (at 5,000 vouchers a whole recompute costs milliseconds: the speed is the full run's)


@pytest.mark.django_db(transaction=True)
def test_sync_push_pull_smoke(roles, postgres_only):
    """200 pushed operations applied once, their replay changing nothing, a first pull of 300
    vouchers and 100 clients. The full run (10,000 / 5,000 / 2,000) is by hand."""
    from bench import sync_push_pull

    result = sync_push_pull.run(ops=200, vouchers=300, clients=100, baseline=50)
    assert result["sales"] == result["sell_ops"] == 140 and result["duplicates"] == 0, result
    assert result["outcomes"] == {"applied": 200}, result
    # the same-run baseline: the protocol with one transaction per operation
    assert result["single_tx_outcomes"] == {"applied": 50}, result
    assert result["replay_changed_nothing"] and result["replay_outcomes"] == {"applied": 200}
    assert result["pull_records"] == {"voucher": 300, "client": 100}, result
    # the replay reads stored answers: well below applying (the full run: see bench/README.md)
    assert result["replay_s"] < result["push_s"], result
    assert result["pull_s"] < 5, result


@pytest.mark.django_db(transaction=True)
def test_sms_campaign_smoke(roles, postgres_only):
    """1,000 recipients rendered and queued; then 8 s of draining through the Android
    gateway simulator at 30 parts per 2 s: the pump keeps the phone at its limit and never
    over it. The full run (10,000; figures in bench/README.md) is by hand."""
    from bench import sms_campaign

    result = sms_campaign.run(1_000, parts=30, window=2.0, drain_seconds=8.0)
    assert result["recipients"] == 1_000
    assert result["queue_s"] < 5, result  # the full run's budget for 10 times as many
    assert result["max_parts_in_window"] <= 30 and result["refused_for_rate"] == 0, result
    assert 0.8 <= result["pace_ratio"] <= 1.0, result


@pytest.mark.django_db(transaction=True)
def test_http_load_smoke(roles, postgres_only, monkeypatch, asset_types):
    """bench/http_load.py's short run: a real gunicorn (2 workers x 2 threads) on the test
    database, one paced seller then 4, over HTTP; every sale a 201, each its own voucher,
    receipts gapless, and the ratios to the baseline computed. The full run is by hand."""
    from django.db import connection

    from bench import http_load

    db = connection.settings_dict  # gunicorn's processes must use the test database
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    monkeypatch.setenv(
        "DATABASE_URL", f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    result = http_load.run(2_000, 4, 8, shapes=[(2, 2)], think_ms=50, sites=4, agents_per_site=3)
    [row] = result["shapes"]
    assert row["alone"]["sales"] == 8 and row["load"]["sales"] == 4 * 8
    for run in (row["alone"], row["load"]):
        assert run["all_201"] and run["replays_ok"], run
        assert run["latency"]["p95"] < 5_000, run["latency"]  # the target is 100 ms (full run)
    checks = row["checks"]
    assert checks["sales"] == checks["distinct_vouchers"] == 40, checks
    assert checks["vouchers_not_sold"] == 0 and checks["receipts_gapless"], checks
    assert row["ratio_p95"] > 0 and row["ratio_p99"] > 0
    assert http_load.report(result, 4, 100, 250)  # prints the table; False if a check failed


@pytest.mark.django_db
def test_pages_bench_smoke(client, users):
    """bench/pages.py finds the pages a person reaches through the menu (sub-menus included)
    and times them."""
    from django.utils import timezone

    from bench import pages
    from erp.accounts.roles import Role

    client.force_login(users[Role.FINANCE])
    found = pages.menu_pages(client)
    assert {"/dashboard/", "/approvals/", "/finance/sale/", "/finance/expense/"} <= set(found)
    assert not any(p.startswith(pages.SKIP) for p in found)
    status, times = pages.timed(client, "/finance/sale/", 2)
    assert status == 200 and len(times) == 2
    assert pages.percentile([3.0, 1.0, 2.0], 0.5) == 2.0

    # on the scale data: the missing staff logins are made in their role
    technician = pages.login_user("technician", make=True)
    assert technician.has_role(Role.TECHNICAL) and technician.site_scope.count() == 0
    assert pages.login_user("technician", make=True) == technician  # made once
    assert pages.login_user("finance", make=True) == users[Role.FINANCE]  # there: used as it is
    # every report of the reports page, read and taken away, answers (302: its background job)
    client.force_login(users[Role.SUPER_ADMIN])
    urls = pages.report_urls(timezone.localdate())
    assert len(urls) == 15 and sum("format=pdf" in u for u in urls) == 5
    for url in urls:
        assert pages.timed(client, url, 1)[0] in (200, 302), url
    # and over longer periods (--periods): every report on the page, cold and warm
    periods = pages.period_urls(timezone.localdate(), [30, 365], ["sales", "profit"])
    assert [(key, days) for key, days, _ in periods] == [
        ("sales", 30),
        ("sales", 365),
        ("profit", 30),
        ("profit", 365),
    ]
    assert pages.timed(client, periods[1][2], 1)[0] == 200  # a year: within the limit
    assert pages.time_periods(client, timezone.localdate(), [365], ["sales"], 1, 60.0) == []
