"""Field app sync: push of a week of a busy agent's queued operations, its replay, and a first
pull of 5,000 vouchers and 2,000 clients.

On PostgreSQL. The data: one site and router, a package, agents, vouchers made by the real
`generate_batch` for each agent and marked on the router (as after a push). The push goes
through `erp.sync.services.push` (server time: the operations applied through the sales and
clients services, each in its own transaction with its AppliedOperation), in chunks of
SYNC_MAX_OPS as the app sends them: 70 % sales, 20 % new clients, 10 % client edits.
Baselines, measured in the same run: the same kind of sales made directly through
`erp.sales.services.sell` (the POS path, no sync protocol), and a smaller queue of the same mix
pushed by another agent with SYNC_TX_OPS = 1 (one transaction per operation, as before runs).
Targets: push ≤ 500 ms per 1,000 operations, 0 duplicates; the replay changes nothing and is no
slower; the first pull ≤ 2 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet \
        .venv/bin/python bench/sync_push_pull.py --ops 10000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")


def log(*parts) -> None:
    print(*parts, flush=True)


def _stock(admin, router, package, agent, quantity: int):
    from django.utils import timezone

    from erp.mikrotik.models import HotspotUser
    from erp.vouchers import services as voucher_services
    from erp.vouchers.models import Voucher

    batch = voucher_services.request_batch(
        actor=None,
        package=package,
        router=router,
        quantity=quantity,
        preapproved=True,
        agent=agent,
    )
    voucher_services.generate_batch(batch)
    voucher_services.queue_batch_push(batch)
    HotspotUser.objects.filter(
        router_id=router.pk, name__in=Voucher.objects.filter(batch=batch).values("code")
    ).update(sync_state="synced", synced_at=timezone.now())
    return list(Voucher.objects.filter(batch=batch).order_by("pk").values_list("code", flat=True))


class StatementTimer:
    """Counts the statements run and the time spent in them (connection.execute_wrapper)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def run(
    ops: int = 10_000,
    vouchers: int = 5_000,
    clients: int = 2_000,
    baseline: int = 1_000,
    mix: str = "week",
):
    from django.conf import settings
    from django.db import connection

    from erp.accounts.roles import Role
    from erp.accounts.services import create_user
    from erp.clients.models import Client
    from erp.sales import services as sale_services
    from erp.sales.models import Sale
    from erp.sites.services import create_router, create_site
    from erp.sync import selectors, services
    from erp.sync.models import AppliedOperation
    from erp.vouchers import services as voucher_services

    tag = uuid.uuid4().hex[:6]
    admin = create_user(
        actor=None, username=f"sb-admin-{tag}", password="x-Bench-pw-1", role=Role.SUPER_ADMIN
    )
    agent, puller, pos, single = (
        create_user(actor=None, username=f"sb-{n}-{tag}", password="x-Bench-pw-1", role=Role.AGENT)
        for n in ("pusher", "puller", "pos", "single")
    )
    site = create_site(actor=admin, name=f"SB {tag}", code=f"SB-{tag}".upper())
    site.agents.add(agent, puller, pos, single)
    router = create_router(
        actor=admin,
        site=site,
        name=f"sb-{tag}",
        host="127.0.0.1",
        username="admin",
        password="r0uter-Secret!",
    )
    package = voucher_services.save_package(
        actor=admin,
        name=f"SB 1 day {tag}",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[site],
    )
    share = 10 if mix == "sales" else 7  # sales per 10 operations
    sells = ops * share // 10
    log(f"stock: {sells} + {baseline} + {vouchers} vouchers")
    codes = _stock(admin, router, package, agent, sells)
    pos_codes = _stock(admin, router, package, pos, baseline)
    single_ops = min(ops, baseline)
    single_codes = _stock(admin, router, package, single, single_ops * share // 10)
    _stock(admin, router, package, puller, vouchers)
    Client.objects.bulk_create(
        [
            Client(site=site, agent=puller, phone=f"+2557{i:08d}", name=f"C {i}")
            for i in range(clients)
        ]
    )
    # A real database's autovacuum has analyzed tables this size long before a push; freshly
    # loaded, the planner would think the agent holds ~40 vouchers, not 14,000.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # baseline: the POS path, one sale at a time
    t = time.perf_counter()
    for code in pos_codes:
        sale_services.sell(
            seller=pos, idempotency_key=uuid.uuid4(), payment_method="cash", code=code
        )
    direct = time.perf_counter() - t

    def make_queue(count, codes, phones):
        device = str(uuid.uuid4())
        queue, made_clients = [], []
        sold = 0
        for seq in range(1, count + 1):
            kind = seq % 10
            op = {"device_id": device, "seq": seq, "id": str(uuid.uuid4())}
            if kind < share and sold < len(codes):
                op.update(
                    op="sell",
                    entity="sale",
                    payload={"code": codes[sold], "payment_method": "cash"},
                )
                sold += 1
            elif kind < 9 or not made_clients:
                op.update(
                    op="create",
                    entity="client",
                    payload={
                        "phone": f"+255{phones}{seq:0{9 - len(phones)}d}",
                        "name": f"N {seq}",
                    },
                )
                made_clients.append(op["id"])
            else:
                op.update(
                    op="update",
                    entity="client",
                    id=made_clients[-1],
                    payload={"fields": {"notes": f"edit {seq}"}},
                )
            queue.append(op)
        return queue, sold

    queue, sold = make_queue(ops, codes, "6")
    chunk = settings.SYNC_MAX_OPS

    cpu = {}

    def push_all(user, queue):
        outcomes = {}
        t, c = time.perf_counter(), time.process_time()
        for i in range(0, len(queue), chunk):
            for r in services.push(user=user, ops=queue[i : i + chunk]):
                outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        cpu.setdefault(user.pk, time.process_time() - c)  # the first push, not its replay
        return time.perf_counter() - t, outcomes

    # baseline 2: the same protocol with one transaction per operation (as before batching)
    single_queue, _single_sold = make_queue(single_ops, single_codes, "68")
    runs_of = settings.SYNC_TX_OPS
    settings.SYNC_TX_OPS = 1
    try:
        single_s, single_outcomes = push_all(single, single_queue)
    finally:
        settings.SYNC_TX_OPS = runs_of

    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        push_s, outcomes = push_all(agent, queue)
    sales = Sale.objects.filter(seller=agent).count()
    # more sales than sale operations, or two sales for one operation's key
    keys = Sale.objects.filter(seller=agent).values_list("idempotency_key", flat=True)
    duplicates = max(sales - sold, 0) + (sales - len(set(keys)))
    before = (sales, AppliedOperation.objects.count(), Client.objects.count())
    replay_s, replay_outcomes = push_all(agent, queue)
    after = (
        Sale.objects.filter(seller=agent).count(),
        AppliedOperation.objects.count(),
        Client.objects.count(),
    )

    t = time.perf_counter()
    cursor, pages, records = None, 0, {"voucher": 0, "client": 0}
    while True:
        page = selectors.pull(puller, cursor=cursor)
        pages += 1
        for c in page["changes"]:
            if c["entity"] in records:
                records[c["entity"]] += 1
        cursor = page["cursor"]
        if not page["more"]:
            break
    pull_s = time.perf_counter() - t
    result = {
        "ops": ops,
        "push_s": push_s,
        "mix": mix,
        "push_ms_per_1000": push_s * 1000 / ops * 1000,
        "push_statements_per_op": timer.count / ops,
        "push_db_ms_per_statement": timer.seconds * 1000 / max(timer.count, 1),
        "push_db_share": timer.seconds / push_s,
        # this process's CPU (Python, psycopg) per 1,000: what the load beside it moves least
        "push_cpu_ms_per_1000": cpu[agent.pk] * 1000 / ops * 1000,
        "outcomes": outcomes,
        "sales": sales,
        "sell_ops": sold,
        "duplicates": duplicates,
        "replay_s": replay_s,
        "replay_ms_per_1000": replay_s * 1000 / ops * 1000,
        "replay_outcomes": replay_outcomes,
        "replay_changed_nothing": before == after,
        "baseline_sales": baseline,
        "baseline_ms_per_sale": direct * 1000 / baseline,
        "push_ms_per_sale_op": push_s * 1000 / ops,
        "single_tx_ops": single_ops,
        "single_tx_ms_per_1000": single_s * 1000 / single_ops * 1000,
        "single_tx_outcomes": single_outcomes,
        "pull_s": pull_s,
        "pull_pages": pages,
        "pull_records": records,
    }
    result["ratio_vs_pos"] = result["push_ms_per_sale_op"] / result["baseline_ms_per_sale"]
    result["speedup_vs_single_tx"] = result["single_tx_ms_per_1000"] / result["push_ms_per_1000"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--vouchers", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=2_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument(
        "--mix",
        choices=("week", "sales"),
        default="week",
        help="week: 70 %% sales, 20 %% new clients, 10 %% client edits; sales: sales only",
    )
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    r = run(args.ops, args.vouchers, args.clients, args.baseline, args.mix)
    for key, value in r.items():
        log(f"{key:>24}: {round(value, 3) if isinstance(value, float) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
