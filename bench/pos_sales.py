"""Benchmark: POS sales by 16 concurrent sellers over 1,000,000 past sales; the sales list and an
agent statement at that size.

On PostgreSQL. The data is bench/generate.py's (``run`` with the sites, agents and vouchers for
N past sales over six months, and ``trail=True``: history rows, voucher events and hotspot
users), plus a Super Admin, an agent with no history and the commission rules, made through
the real services. It is kept: a rerun at the same size reuses it (``--fresh`` rebuilds). Each
run tops up the benchmark sellers' unused stock with the real ``generate_batch``.

Measured, each against a baseline of the same run:

- sale latency: ``erp.sales.services.sell`` (by package, a fresh idempotency key each) by
  S sellers at once, each in its own process with its own connection, vs one seller alone:
  once with no pause between sales (saturation: S sales always in flight), once with a random
  pause of ``--think-ms`` on average before each sale (sellers at a pace, still far quicker
  than people at a counter); then through the HTTP API (gunicorn started here, as in the
  Procfile; one client thread per seller, JWT, Idempotency-Key, at the same pace);
- the sales list (``GET /api/v1/sales/``, first page and a page deep in the data through its
  cursor, as an agent and as Super Admin) vs OFFSET + COUNT paging of the same page;
- an agent statement (the service and ``GET /api/v1/statements/<agent>/``) vs the same for an
  agent with no history.

Processes, not threads, for the sellers: ``sell`` spends most of its time in Python (ORM,
history), and 16 threads of one interpreter would wait on each other's GIL, measuring the
benchmark rather than the service; production serves requests from gunicorn worker processes.
The HTTP clients are threads: they only wait on sockets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_bench_sales \\
        python bench/pos_sales.py --sales 1000000 --sellers 16 --per-seller 200

The sale target (p95 <= 50 ms) is judged on the paced round; the no-pause round is printed
beside it as the saturation figure.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench import generate  # noqa: E402 - after the path and settings above
from bench.serve import start_gunicorn, stop_server  # noqa: E402
from bench.timing import fmt, log, ratio, summary, timed  # noqa: E402

PREFIX = "pb"  # the users made here beside the generated ones: pb-admin, pb-agent-new
PASSWORD = "viornet-bench-2026-Pos"  # noqa: S105 - bench users of a bench database
MONTH_PERCENT = Decimal("5")  # package rule on the 1-month package (the default: generate's)
HISTORY_DAYS = 182
MARKER_TABLE = "bench_pos_sales_generated"


# --- the data ---------------------------------------------------------------------------------
class Dataset:
    """What the measurements need from the generated data (sites ``G<tag>-…``)."""

    def __init__(self, tag: str):
        from erp.accounts.models import User
        from erp.sites.models import Site
        from erp.vouchers.models import Package

        self.tag = tag
        self.admin = User.objects.get(username=f"{PREFIX}-admin")
        self.finance = User.objects.get(username=f"g{tag.lower()}fin0")
        self.newcomer = User.objects.get(username=f"{PREFIX}-agent-new")
        self.sites = list(Site.objects.filter(code__startswith=f"G{tag}-").order_by("code"))
        names = [name for name, *_rest in generate.PACKAGES]
        self.packages = list(Package.objects.filter(name__in=names).order_by("price"))


def _marker(cursor) -> tuple | None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (sales bigint NOT NULL, sites int NOT NULL,"
        " tag text NOT NULL, built_at timestamptz NOT NULL)"
    )
    cursor.execute(f"SELECT sales, sites, tag FROM {MARKER_TABLE}")  # noqa: S608 - our table
    return cursor.fetchone()


def _wipe(cursor) -> None:
    """Empty every table the generator and this benchmark fill (a benchmark database only)."""
    from django.db import connection

    from erp.accounts.models import User

    name = connection.settings_dict["NAME"]
    if "bench" not in name and not name.startswith("test_"):
        raise SystemExit(f"refusing to wipe database {name!r}: its name must contain 'bench'")
    log(f"wiping the benchmark data of {name} ...")
    tables = [*generate.BIG_TABLES, "sites_site", "assets_asset", "sales_receiptcounter"]
    tables += ["sales_commissionrule", "sales_historicalsale", "sales_historicalrefund"]
    tables += ["sales_historicalremittance", "vouchers_voucherevent", "mikrotik_hotspotuser"]
    cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - our table
    generated = r"^g[0-9a-f]{6}(fin)?[0-9]+$"
    User.objects.filter(username__regex=generated).delete()
    User.objects.filter(username__startswith=f"{PREFIX}-").delete()


def build(n_sales: int, *, sites: int = 50, agents_per_site: int = 10, seed: int = 2026) -> str:
    """Generate the dataset with bench/generate.py, then what it lacks through the services;
    returns the generator's tag. The caller has emptied the tables."""
    from django.db import connection

    from erp.accounts.roles import Role
    from erp.accounts.services import create_user
    from erp.sales.services import save_commission_rule
    from erp.sites.models import Site
    from erp.sites.services import update_site
    from erp.vouchers.models import Package

    made = generate.run(
        0,
        seed=seed,
        days=HISTORY_DAYS,
        sites=sites,
        agents=sites * agents_per_site,
        vouchers=round(n_sales / generate.SOLD_SHARE),
        clients=max(1, n_sales // 10),
        trail=True,
        quiet=True,
    )
    log(f"  generated {made['sales']:,} sales at {sites} sites: {made['seconds']} s")
    tag = made["tag"]
    admin = create_user(
        actor=None, username=f"{PREFIX}-admin", password=PASSWORD, role=Role.SUPER_ADMIN
    )
    newcomer = create_user(
        actor=admin, username=f"{PREFIX}-agent-new", password=PASSWORD, role=Role.AGENT
    )
    first = Site.objects.filter(code__startswith=f"G{tag}-").order_by("code").first()
    update_site(actor=admin, site=first, agents=[*first.agents.all(), newcomer])
    save_commission_rule(actor=admin, percent=Decimal(str(generate.COMMISSION * 100)))
    month_name = max(generate.PACKAGES, key=lambda p: p[2])[0]
    month = Package.objects.get(name=month_name)
    save_commission_rule(actor=admin, package=month, percent=MONTH_PERCENT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (sales, sites, tag, built_at)"  # noqa: S608
            " VALUES (%s, %s, %s, now())",
            [n_sales, sites, tag],
        )
    return tag


def prepare(n_sales: int, *, fresh: bool, sites: int = 50, agents_per_site: int = 10) -> Dataset:
    """The dataset at this size: reused if it is there, else (re)built."""
    from django.db import connection

    from erp.sales.models import Sale

    if connection.vendor != "postgresql":
        raise SystemExit("this benchmark needs PostgreSQL (set DATABASE_URL)")
    if agents_per_site < 2:
        raise SystemExit("two sellers share each site: --agents-per-site must be at least 2")
    with connection.cursor() as cursor:
        have = _marker(cursor)
        if have is not None and not Sale.objects.exists():
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - stale (a flushed db)
            have = None
        if have is not None and have[:2] == (n_sales, sites) and not fresh:
            log(f"reusing the dataset of {n_sales:,} sales at {sites} sites")
            return Dataset(have[2])
        if have is not None or fresh or Sale.objects.exists():
            if not fresh:
                raise SystemExit(
                    f"the database holds another dataset ({have}); run with --fresh to rebuild"
                )
            _wipe(cursor)
    log(f"building {n_sales:,} sales at {sites} sites with bench/generate.py ...")
    return Dataset(build(n_sales, sites=sites, agents_per_site=agents_per_site))


def sellers_of(data: Dataset, count: int):
    """The benchmark sellers: two agents of each of the first count/2 sites, who share the
    site's receipt counter (generate.py puts agent i at site i mod the number of sites)."""
    from erp.accounts.models import User

    n = len(data.sites)
    names = [f"g{data.tag.lower()}{i // 2 + (i % 2) * n:05d}" for i in range(count)]
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    return [found[name] for name in names]


def top_up_stock(data: Dataset, sellers, per_package: int) -> None:
    """Each seller holds at least ``per_package`` unused vouchers of each package, made by the
    real generate_batch and queued for the router like any batch, then marked acknowledged by
    the router (a voucher is for sale only once its user is on the router; this bench measures
    sales, not pushes)."""
    from django.db.models import Count
    from django.utils import timezone

    from erp.mikrotik.models import HotspotUser
    from erp.vouchers.models import Voucher
    from erp.vouchers.services import generate_batch, queue_batch_push, request_batch

    have = {
        (row["agent"], row["package"]): row["n"]
        for row in Voucher.objects.filter(agent__in=sellers, status="unused")
        .values("agent", "package")
        .annotate(n=Count("pk"))
    }
    made = 0
    for seller in sellers:
        router = seller.agent_sites.order_by("code").first().routers.first()
        for package in data.packages:
            missing = per_package - have.get((seller.pk, package.pk), 0)
            if missing > 0:
                batch = request_batch(
                    actor=data.admin,
                    package=package,
                    router=router,
                    quantity=missing + per_package,
                    agent=seller,
                    preapproved=True,
                )
                made += generate_batch(batch)
                queue_batch_push(batch)
                HotspotUser.objects.filter(
                    router=router, name__in=Voucher.objects.filter(batch=batch).values("code")
                ).update(sync_state="synced", synced_at=timezone.now())
    if made:
        # As autovacuum would, soon: with statistics from before the new stock, the planner
        # takes it for empty and picks the next voucher by scanning every unused voucher.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE vouchers_voucher")
        log(f"stock topped up: {made:,} vouchers")


# --- sale latency -----------------------------------------------------------------------------
def _sell_worker(seller_id, package_ids, count, warmup, think_ms, barrier, results) -> None:
    """One seller in its own process and connection: warm up, wait for the others, sell;
    with ``think_ms``, a random pause (exponential, that mean) before each sale."""
    from django.db import connection

    from erp.accounts.models import User
    from erp.sales.services import sell
    from erp.vouchers.models import Package

    try:
        seller = User.objects.get(pk=seller_id)
        _ = seller.role_names  # a request's authentication would load it once too
        packages = [Package.objects.get(pk=pk) for pk in package_ids]
        for i in range(warmup):
            sell(
                seller=seller,
                idempotency_key=uuid.uuid4(),
                payment_method="cash",
                package=packages[i % len(packages)],
            )
        barrier.wait(timeout=120)
        pause = random.Random(str(seller_id))  # noqa: S311 - pauses, not secrets
        latencies, sold, cpu = [], [], 0.0
        for i in range(count):
            if think_ms:
                time.sleep(pause.expovariate(1000 / think_ms))
            key = uuid.uuid4()
            cpu_started = time.process_time()
            started = time.perf_counter()
            sale, created = sell(
                seller=seller,
                idempotency_key=key,
                payment_method="cash",
                package=packages[(i + hash(seller_id)) % len(packages)],
            )
            latencies.append(time.perf_counter() - started)
            cpu += time.process_time() - cpu_started
            assert created
            sold.append(str(sale.pk))
        finished = time.perf_counter()
        again, created = sell(  # the last request again: its sale, nothing new
            seller=seller,
            idempotency_key=key,
            payment_method="cash",
            package=packages[(count - 1 + hash(seller_id)) % len(packages)],
        )
        replay_ok = (not created) and str(again.pk) == sold[-1]
        results.put(("ok", str(seller_id), latencies, sold, finished, replay_ok, cpu))
    except Exception as exc:  # reported by the parent
        results.put(("error", str(seller_id), repr(exc), [], 0.0, False, 0.0))
        with contextlib.suppress(Exception):  # already broken
            barrier.abort()
    finally:
        connection.close()


def measure_service(
    data: Dataset, sellers, per_seller: int, warmup: int = 3, think_ms: float = 0
) -> dict:
    """S sellers at once, each its own process and connection, through the real service."""
    import multiprocessing

    from django.db import connections

    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(sellers) + 1)
    results = ctx.Queue()
    package_ids = [p.pk for p in data.packages]
    connections.close_all()  # children must not share the parent's socket
    procs = [
        ctx.Process(
            target=_sell_worker,
            args=(s.pk, package_ids, per_seller, warmup, think_ms, barrier, results),
        )
        for s in sellers
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    got = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [g for g in got if g[0] != "ok"]
    if errors:
        raise RuntimeError(f"sellers failed: {errors}")
    latencies = [v for g in got for v in g[2]]
    sale_ids = [v for g in got for v in g[3]]
    wall = max(g[4] for g in got) - started
    return {
        "sellers": len(sellers),
        "sales": len(sale_ids),
        "sale_ids": sale_ids,
        "latency": summary(latencies),
        "throughput": len(sale_ids) / wall,
        "wall_s": wall,
        "replays_ok": all(g[5] for g in got),
        "cpu_ms_per_sale": 1000 * sum(g[6] for g in got) / len(sale_ids),
        "think_ms": think_ms,
    }


def check_sales(sale_ids: list[str], sellers) -> dict:
    """What must hold after concurrent selling: one voucher per sale, every voucher sold once,
    receipt numbers of every site the sellers sell at gapless from 1."""
    from django.db import connection
    from django.db.models import Count

    from erp.sales.models import Sale

    rows = Sale.objects.filter(pk__in=sale_ids)
    agg = rows.aggregate(n=Count("pk"), vouchers=Count("voucher", distinct=True))
    not_sold = rows.exclude(voucher__status="sold").count()
    sites = {s.pk for seller in sellers for s in seller.agent_sites.all()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT site_id, count(*), min(receipt_number), max(receipt_number),"
            " count(DISTINCT receipt_number) FROM sales_sale WHERE site_id = ANY(%s)"
            " GROUP BY site_id",
            [list(sites)],
        )
        per_site = cursor.fetchall()
    gapless = all(n == hi == distinct and lo == 1 for _s, n, lo, hi, distinct in per_site)
    return {
        "sales": agg["n"],
        "distinct_vouchers": agg["vouchers"],
        "vouchers_not_sold": not_sold,
        "receipt_sites": len(per_site),
        "receipts_gapless": gapless and len(per_site) == len(sites),
    }


# --- sale latency over HTTP -------------------------------------------------------------------
def measure_http(
    data: Dataset,
    sellers,
    per_seller: int,
    *,
    workers: int,
    threads: int,
    think_ms: float = 0,
    port: int | None = None,
) -> dict:
    """POST /api/v1/sales/ to gunicorn (started here, Procfile's shape) by one client thread
    per seller, each with its own keep-alive connection, JWT and Idempotency-Key; with
    ``think_ms``, a random pause before each sale as in the paced service round."""
    import http.client
    import threading

    from rest_framework_simplejwt.tokens import AccessToken

    server, url = start_gunicorn(workers, threads, port=port)
    port = urlparse(url).port
    try:
        tokens = {s.pk: str(AccessToken.for_user(s)) for s in sellers}
        barrier = threading.Barrier(len(sellers) + 1)
        out: dict = {}

        def client(seller, index):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Bearer {tokens[seller.pk]}"}
            headers["Content-Type"] = "application/json"

            def post(package, key, retry=True):
                body = json.dumps({"package": str(package.pk), "payment_method": "cash"})
                try:
                    conn.request(
                        "POST", "/api/v1/sales/", body, headers | {"Idempotency-Key": str(key)}
                    )
                    response = conn.getresponse()
                except (ConnectionError, http.client.RemoteDisconnected):
                    # gunicorn closed an idle keep-alive connection: send again, which the
                    # idempotency key makes safe (as a phone would).
                    conn.close()
                    if not retry:
                        raise
                    return post(package, key, retry=False)
                return response.status, json.loads(response.read() or b"{}")

            try:
                for i in range(3):  # warm-up: connection, worker imports
                    post(data.packages[i % len(data.packages)], uuid.uuid4())
                barrier.wait(timeout=120)
                conn.close()  # a fresh connection: the idle one may have timed out
                conn.connect()
                pause = random.Random(index)  # noqa: S311 - pauses, not secrets
                lat, ids, statuses = [], [], []
                for i in range(per_seller):
                    if think_ms:
                        time.sleep(pause.expovariate(1000 / think_ms))
                    key = uuid.uuid4()
                    package = data.packages[(i + index) % len(data.packages)]
                    started = time.perf_counter()
                    status, body = post(package, key)
                    lat.append(time.perf_counter() - started)
                    statuses.append(status)
                    ids.append(body.get("id"))
                finished = time.perf_counter()
                # the last request again, as sent: its sale (the same key with another
                # body is refused, 422)
                status, body = post(
                    data.packages[(per_seller - 1 + index) % len(data.packages)], key
                )
                out[seller.pk] = (
                    lat,
                    ids,
                    statuses,
                    finished,
                    status == 200 and body["id"] == ids[-1],
                )
            except Exception as exc:
                out[seller.pk] = exc
                barrier.abort()
            finally:
                conn.close()

        pool = [
            threading.Thread(target=client, args=(s, i), daemon=True) for i, s in enumerate(sellers)
        ]
        for t in pool:
            t.start()
        barrier.wait(timeout=300)
        started = time.perf_counter()
        for t in pool:
            t.join(timeout=600)
        failed = [v for v in out.values() if isinstance(v, Exception)]
        if failed or len(out) != len(sellers):
            raise RuntimeError(f"HTTP clients failed: {failed}")
        statuses = [st for v in out.values() for st in v[2]]
        ids = [i for v in out.values() for i in v[1]]
        wall = max(v[3] for v in out.values()) - started
        return {
            "sales": len(ids),
            "sale_ids": [i for i in ids if i],
            "all_201": all(st == 201 for st in statuses),
            "latency": summary([x for v in out.values() for x in v[0]]),
            "throughput": len(ids) / wall,
            "replays_ok": all(v[4] for v in out.values()),
            "server": f"gunicorn {workers} workers x {threads} threads",
            "think_ms": think_ms,
        }
    finally:
        stop_server(server)


# --- reads: the sales list and a statement ----------------------------------------------------
def _timed(fn, repeat: int, warmup: int = 2) -> dict:
    return summary(timed(fn, repeat, warmup)[0])


def _cursor_for(position) -> str:
    """A cursor in DRF's own encoding (checked against a real `next` link by the caller)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def _seq_scans(sql: str, *, forced: bool = False) -> list[str]:
    """Sequential scans of the sales table in the query's plan. ``forced``: with sequential
    scans priced out (a small table is scanned whole even when an index could serve)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if forced:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    return [line.strip() for line in plan.splitlines() if "Seq Scan on sales_sale" in line]


class _Queries(list):
    """The SQL (parameters filled in) of every query run inside ``with _Queries() as q``.
    An execute wrapper, not the debug query log: a request empties that log as it starts."""

    def __enter__(self):
        from django.db import connection

        self._wrapped = connection.execute_wrapper(self)
        self._wrapped.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapped.__exit__(*exc)

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        ops = context["connection"].ops
        self.append(ops.last_executed_query(context["cursor"].cursor, sql, params))
        return result


def _plan(sql: str) -> str:
    """EXPLAIN ANALYZE, for the report."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cursor.fetchall())


def measure_reads(data: Dataset, agent, repeat: int) -> dict:
    """The sales list (API, keyset) first and deep pages, as an agent and as Super Admin, vs
    OFFSET + COUNT; the statement (service and API) vs an agent with no history."""
    from django.utils import timezone
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    from erp.sales.selectors import sales_visible_to
    from erp.sales.services import statement

    def client_for(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    out: dict = {"lists": {}, "statement": {}, "count_queries": []}
    out |= {"seq_scans": [], "forced_seq_scans": [], "plans": {}}
    for who, user in (("agent", agent), ("admin", data.admin)):
        client = client_for(user)
        visible = sales_visible_to(user).order_by("-created_at")
        first = client.get("/api/v1/sales/")
        assert first.status_code == 200, first.content
        page = first.json()
        assert len(page["results"]) == 50 and page["next"], page.keys()
        # DRF's cursor carries the last row's created_at: check our encoding against it.
        real = parse_qs(urlparse(page["next"]).query)["cursor"][0]
        real_tokens = parse_qs(base64.b64decode(real.encode()).decode())
        assert set(real_tokens) == {"p"}, real_tokens
        # Deep: the position 90% of the way back through this user's sales.
        total = visible.count()  # once, to know where the deep page is; not measured
        depth = max(0, min(int(total * 0.9), total - 60))
        position = visible.values_list("created_at", flat=True)[depth]
        deep_url = f"/api/v1/sales/?cursor={_cursor_for(position)}"
        deep = client.get(deep_url)
        assert deep.status_code == 200 and len(deep.json()["results"]) == 50, deep.content
        with _Queries() as queries:
            client.get(deep_url)
        out["count_queries"] += [sql for sql in queries if "COUNT(" in sql.upper()]
        list_sql = [sql for sql in queries if 'FROM "sales_sale"' in sql]
        out["seq_scans"] += [s for sql in list_sql for s in _seq_scans(sql)]
        out["forced_seq_scans"] += [s for q in list_sql for s in _seq_scans(q, forced=True)]
        if list_sql:
            out["plans"][f"list as {who}, deep page"] = _plan(list_sql[0])
        first_s = _timed(lambda c=client: c.get("/api/v1/sales/"), repeat)
        deep_s = _timed(lambda c=client, u=deep_url: c.get(u), repeat)
        # Keyset vs OFFSET + COUNT for the same rows, at the ORM (what a page-number paginator
        # does: count the whole filtered table, then skip `depth` rows).
        keyset = _timed(lambda v=visible, p=position: list(v.filter(created_at__lt=p)[:51]), repeat)

        def offset_page(v=visible, d=depth):
            v.count()
            return list(v[d : d + 50])

        offset = _timed(offset_page, max(3, repeat // 5), warmup=1)
        out["lists"][who] = {
            "rows": total,
            "depth": depth,
            "queries": len(queries),
            "api_first": first_s,
            "api_deep": deep_s,
            "keyset_deep": keyset,
            "offset_deep": offset,
        }
    # Statement: this month (and everything before for the balance), service and API.
    now = timezone.now()
    start = now - timedelta(days=30)
    for who, user in (("agent", agent), ("new agent", data.newcomer)):
        with _Queries() as queries:
            figures = statement(user, start=start, end=now)
        out["seq_scans"] += [s for q in queries for s in _seq_scans(q)]
        out["forced_seq_scans"] += [s for q in queries for s in _seq_scans(q, forced=True)]
        for n, q in enumerate(queries):
            out["plans"][f"statement of {who}, query {n + 1}"] = _plan(q)
        service = _timed(lambda u=user: statement(u, start=start, end=now), repeat)
        params = {"start": start.isoformat(), "end": now.isoformat()}
        url = f"/api/v1/statements/{user.pk}/?{urlencode(params)}"
        as_agent, as_finance = client_for(user), client_for(data.finance)
        assert as_agent.get(url).status_code == 200
        assert as_finance.get(url).status_code == 200
        out["statement"][who] = {
            "sales_in_period": figures["sales_count"],
            "queries": len(queries),
            "service": service,
            "api_agent": _timed(lambda c=as_agent, u=url: c.get(u), repeat),
            "api_finance": _timed(lambda c=as_finance, u=url: c.get(u), repeat),
        }
    return out


# --- the run ---------------------------------------------------------------------------------
def run(
    sales: int = 1_000_000,
    sellers: int = 16,
    per_seller: int = 200,
    *,
    sites: int = 50,
    agents_per_site: int = 10,
    fresh: bool = False,
    think_ms: float = 0,
    paced_per_seller: int = 50,
    http: bool = True,
    http_workers: int = 2,
    http_threads: int = 4,
    repeat: int = 30,
    warmup: int = 3,
) -> dict:
    """Prepare the data, measure, and return the figures (``report`` prints them)."""
    from erp.sales.models import Sale

    if sellers > 2 * sites:
        raise SystemExit("at most two sellers per site")
    data = prepare(sales, fresh=fresh, sites=sites, agents_per_site=agents_per_site)
    chosen = sellers_of(data, sellers)
    paced = paced_per_seller if think_ms else 0
    wanted = 2 * (per_seller + warmup + 1) + (paced + warmup + 1) * (1 + bool(http))
    top_up_stock(data, chosen, wanted // len(data.packages) + 2)
    result: dict = {"sales_in_table": Sale.objects.count(), "dataset": sales}
    result["load_before"] = os.getloadavg()
    log(f"sales in the table: {result['sales_in_table']:,}; load {result['load_before']}")

    log(f"selling: 1 seller alone, {per_seller} sales (baseline) ...")
    alone = measure_service(data, chosen[:1], per_seller, warmup)
    log(f"selling: {sellers} sellers at once, no pause, {per_seller} sales each ...")
    together = measure_service(data, chosen, per_seller, warmup)
    result["alone"], result["together"] = alone, together
    ids = alone["sale_ids"] + together["sale_ids"]
    if think_ms:
        log(f"selling: {sellers} sellers at once, ~{think_ms:g} ms pauses, {paced} sales each ...")
        result["paced"] = measure_service(data, chosen, paced, warmup, think_ms)
        ids += result["paced"]["sale_ids"]
    result["checks"] = check_sales(ids, chosen)
    if http:
        count = paced or per_seller
        log(f"selling over HTTP: {sellers} clients, {count} sales each ...")
        result["http"] = measure_http(
            data, chosen, count, workers=http_workers, threads=http_threads, think_ms=think_ms
        )
        result["http"]["checks"] = check_sales(result["http"]["sale_ids"], chosen)
    log(f"reads: {repeat} calls each ...")
    result["reads"] = measure_reads(data, chosen[-1], repeat)
    result["load_after"] = os.getloadavg()
    return result


def _sale_line(label: str, m: dict) -> str:
    return (
        f"{label:<34} {fmt(m['latency'])}  {m['throughput']:6.1f} sales/s"
        f"  {m['cpu_ms_per_sale']:5.1f} ms CPU/sale (seller process)"
    )


def _ratio(a: dict, b: dict, key: str) -> float:
    return ratio(a["latency"][key], b["latency"][key])


def report(result: dict, target_p95: float, target_read: float) -> bool:
    """Print the figures; True if the targets are met (sale p95 with sellers at a pace when
    measured, else without pause)."""
    ok = True
    alone, together = result["alone"], result["together"]
    n = together["sellers"]
    log("")
    log(f"dataset: {result['dataset']:,} past sales; sales table now {result['sales_in_table']:,}")
    log(f"load average before {result['load_before']}, after {result['load_after']}")
    log(_sale_line("sale, 1 seller alone:", alone))
    log(_sale_line(f"sale, {n} sellers at once, no pause:", together))
    log(
        f"  ratio {n} sellers / 1 seller: p50 {_ratio(together, alone, 'p50'):.2f}x,"
        f" p95 {_ratio(together, alone, 'p95'):.2f}x"
    )
    judged = together
    if "paced" in result:
        paced = result["paced"]
        log(_sale_line(f"sale, {n} sellers, ~{paced['think_ms']:g} ms pauses:", paced))
        log(
            f"  ratio paced / 1 seller: p50 {_ratio(paced, alone, 'p50'):.2f}x,"
            f" p95 {_ratio(paced, alone, 'p95'):.2f}x"
        )
        judged = paced
    met = judged["latency"]["p95"] <= target_p95
    log(f"  target p95 <= {target_p95:g} ms: {'met' if met else 'MISSED'}")
    ok &= met
    checks = result["checks"]
    replays = all(result[k]["replays_ok"] for k in ("alone", "together", "paced") if k in result)
    log(f"  checks: {checks}; replays return the first sale: {replays}")
    ok &= checks["sales"] == checks["distinct_vouchers"] and checks["receipts_gapless"] and replays
    if "http" in result:
        h = result["http"]
        log(
            f"sale over HTTP, {n} clients, ~{h['think_ms']:g} ms pauses ({h['server']}):"
            f" {fmt(h['latency'])}  {h['throughput']:6.1f} sales/s"
        )
        log(
            f"  all 201: {h['all_201']}, replays 200 with the first sale: {h['replays_ok']},"
            f" checks: {h['checks']}"
        )
        ok &= h["all_201"] and h["replays_ok"]
    reads = result["reads"]
    for who, f in reads["lists"].items():
        log(f"sales list as {who} ({f['rows']:,} rows visible, {f['queries']} queries a page):")
        log(f"  API first page:           {fmt(f['api_first'])}")
        log(f"  API page at row {f['depth']:>9,}: {fmt(f['api_deep'])}")
        log(f"  keyset query there:       {fmt(f['keyset_deep'])}")
        log(f"  OFFSET + COUNT there:     {fmt(f['offset_deep'])}")
        by = ratio(f["offset_deep"]["p50"], f["keyset_deep"]["p50"])
        log(f"  ratio OFFSET + COUNT / keyset (p50): {by:.1f}x")
        ok &= max(f["api_first"]["p95"], f["api_deep"]["p95"]) <= target_read
    base = reads["statement"]["new agent"]
    for who, f in reads["statement"].items():
        log(
            f"statement of {who} ({f['sales_in_period']:,} sales in 30 days,"
            f" {f['queries']} queries):"
        )
        log(f"  service:          {fmt(f['service'])}")
        log(f"  API as the agent: {fmt(f['api_agent'])}")
        log(f"  API as Finance:   {fmt(f['api_finance'])}")
        ok &= max(f["api_agent"]["p95"], f["api_finance"]["p95"]) <= target_read
    agent = reads["statement"]["agent"]
    by = ratio(agent["api_agent"]["p50"], base["api_agent"]["p50"])
    log(f"  ratio agent with history / agent with none (API p50): {by:.2f}x")
    log(f"COUNT queries in list pages: {len(reads['count_queries'])}")
    log(
        f"sequential scans of sales_sale in list and statement plans: {len(reads['seq_scans'])}"
        f" (with seq scans priced out: {len(reads['forced_seq_scans'])})"
    )
    ok &= not reads["count_queries"] and not reads["seq_scans"]
    log(
        f"targets (sale p95 <= {target_p95:g} ms; list and statement p95 <= {target_read:g} ms;"
        f" no COUNT, no seq scan; checks): {'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1_000_000, help="past sales in the data")
    parser.add_argument("--sellers", type=int, default=16)
    parser.add_argument("--per-seller", type=int, default=200, help="sales each seller makes")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=2000,
        help="mean pause before each sale in the paced rounds (0: none, HTTP without pause)",
    )
    parser.add_argument("--paced-per-seller", type=int, default=50)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--agents-per-site", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30, help="calls per read measurement")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    parser.add_argument("--http-workers", type=int, default=2)
    parser.add_argument("--http-threads", type=int, default=4)
    parser.add_argument("--target-p95-ms", type=float, default=50)
    parser.add_argument("--target-read-ms", type=float, default=200)
    parser.add_argument("--plans", action="store_true", help="print the EXPLAIN ANALYZE plans")
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every query in memory
    import django

    django.setup()
    result = run(
        args.sales,
        args.sellers,
        args.per_seller,
        sites=args.sites,
        agents_per_site=args.agents_per_site,
        fresh=args.fresh,
        think_ms=args.think_ms,
        paced_per_seller=args.paced_per_seller,
        http=not args.no_http,
        http_workers=args.http_workers,
        http_threads=args.http_threads,
        repeat=args.repeat,
    )
    if args.plans:
        for name, plan in result["reads"]["plans"].items():
            log(f"\n-- {name}\n{plan}")
    return 0 if report(result, args.target_p95_ms, args.target_read_ms) else 1


if __name__ == "__main__":
    sys.exit(main())
