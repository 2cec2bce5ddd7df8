"""Benchmark: the captive portal's voucher page under 50 customers at once, and 1,000 Wave
callbacks for 500 payments (each delivered twice, out of order).

Everything real: gunicorn started here with the Procfile's shape (2 workers × 4 threads), the
RouterOS API simulator (in this process, over TCP) holding the site's vouchers, the Wave
simulator over HTTP for the checkouts and the re-reads, PostgreSQL.

- Voucher page: C client threads, each a customer: GET /portal/<site>/ with the hotspot's
  variables, then POST a sold voucher code (the device logged in through the RouterOS API).
  Server time per request from gunicorn's access log (%(M)s), and the client's view beside
  it. Baseline of the same run: GET /healthz at the same concurrency.
- Callbacks: P payments opened through the real ``start_payment`` (Wave simulator), each paid
  on the simulator, its signed ``checkout.session.completed`` posted twice to the webhook
  endpoint, all 2P deliveries shuffled, by 8 threads at once (the server's 2 × 4). The
  site logs devices in through the RouterOS API, so a first delivery's response time is
  callback → voucher issued → device logged in on the router (the event's subscriber runs
  after the commit, in the request). Checked: P vouchers, 0 doubles, P devices on the
  router. Baseline: the same number of deliveries with a wrong signature (refused after the
  HMAC check).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/viornet_bench_portal \\
        python bench/portal.py --customers 50 --rounds 20 --payments 500

Uses the database of DATABASE_URL (migrated); its scratch site stays (a rerun makes another).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.serve import start_gunicorn, stop_server  # noqa: E402 - after the path above
from bench.timing import percentile, ratio, summary  # noqa: E402

WAVE_KEY = "bench-wave-key"
WAVE_SECRET = "bench-wave-secret"


def _summary(ms: list[float]) -> dict:
    return summary(ms, scale=1, digits=1)


def _setup(vouchers: int, sold: int):
    """A site whose router (the simulator) holds `vouchers` office vouchers and `sold` agent
    vouchers already sold; its portal logs devices in through the API."""
    from erp.accounts.models import User
    from erp.accounts.roles import Role
    from erp.mikrotik.services import push_pending_users, sync_profiles
    from erp.mikrotik.simulator import Simulator
    from erp.portal.models import PortalSettings
    from erp.sales.services import sell
    from erp.sites.services import create_router, create_site
    from erp.vouchers import services as voucher_services
    from erp.vouchers.models import Voucher

    actor = User.objects.filter(is_superuser=True).first()
    tag = uuid.uuid4().hex[:5].upper()
    simulator = Simulator().start_in_thread()
    simulated = simulator.add_router(f"bench-{tag}", password="bench")
    site = create_site(actor=actor, name=f"Portal bench {tag}", code=f"PB-{tag}")
    router = create_router(
        actor=actor,
        site=site,
        name="hotspot",
        host="127.0.0.1",
        api_port=simulated.port,
        username="admin",
        password="bench",
    )
    PortalSettings.objects.create(site=site, login_method="api")
    agent = User.objects.create_user(username=f"pb-agent-{tag.lower()}", password=None)
    from django.contrib.auth.models import Group

    agent.groups.add(Group.objects.get(name=Role.AGENT))
    site.agents.add(agent)
    package = voucher_services.save_package(
        actor=actor,
        name=f"PB Hour {tag}",
        price=Decimal("500"),
        validity_seconds=3600,
        sites=[site],
    )
    for quantity, holder in ((vouchers, None), (sold, agent)):
        batch = voucher_services.request_batch(
            actor=None,
            package=package,
            router=router,
            quantity=quantity,
            preapproved=True,
            agent=holder,
        )
        voucher_services.generate_batch(batch)
        voucher_services.queue_batch_push(batch)
    sync_profiles(router)
    push_pending_users(router)
    agent = User.objects.get(pk=agent.pk)
    codes = []
    for code in Voucher.objects.filter(agent=agent, site=site).values_list("code", flat=True):
        sell(seller=agent, idempotency_key=uuid.uuid4(), payment_method="cash", code=code)
        codes.append(code)
    return simulator, simulated, site, package, codes


def _server_times(log: Path, since: int, code: str) -> dict:
    """Server time (gunicorn's %(M)s) of the portal page's GETs and POSTs and of /healthz
    after byte `since` of the access log (the warm-up's requests are before it)."""
    with log.open() as f:
        f.seek(since)
        lines = [line.split() for line in f if line.strip()]
    out = {}
    for label, method, path in (
        ("page_get", "GET", f"/portal/{code}/"),
        ("voucher_post", "POST", f"/portal/{code}/"),
        ("healthz", "GET", "/healthz"),
    ):
        ms = [float(p[3]) for p in lines if len(p) == 4 and p[0] == method and p[1] == path]
        out[label] = _summary(ms)
    out["ratio_p95_page_vs_healthz"] = ratio(
        out["page_get"]["p95"], out["healthz"]["p95"], floor=0.1, digits=2
    )
    return out


def measure_page(url: str, site, codes: list[str], customers: int, rounds: int, log: Path) -> dict:
    import requests

    page_ms: list[float] = []
    post_ms: list[float] = []
    health_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def customer(i: int) -> None:
        session = requests.Session()
        hotspot = {
            "link-login-only": "http://10.5.50.1/login",
            "link-orig": "http://example.com/",
            "mac": f"02:00:00:00:{i // 256:02X}:{i % 256:02X}",
            "ip": f"10.5.{50 + i // 250}.{2 + i % 250}",
            "chap-id": r"\375",
            "chap-challenge": r"\123\045\377\000\012\200\001\002\003\004\005\006\007\010\011\013",
        }
        page = f"{url}/portal/{site.code}/"
        # warm-up, not timed: each gunicorn worker's first request loads the URLconf and
        # templates; a customer's connection is opened
        session.get(f"{url}/healthz", timeout=60)
        session.get(page, params=hotspot, timeout=60)
        barrier.wait()  # everyone warm
        barrier.wait()  # the log's mark taken: go
        for r in range(rounds):
            started = time.perf_counter()
            health = session.get(f"{url}/healthz", timeout=30)
            t_health = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            got = session.get(page, params=hotspot, timeout=30)
            t_page = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            posted = session.post(page, data={**hotspot, "code": codes[(i + r) % len(codes)]})
            t_post = (time.perf_counter() - started) * 1000
            with lock:
                health_ms.append(t_health)
                page_ms.append(t_page)
                post_ms.append(t_post)
                if got.status_code != 200 or posted.status_code != 200 or health.status_code >= 500:
                    errors.append(f"{got.status_code}/{posted.status_code}")
                elif 'name="username"' not in posted.text and 'id="online"' not in posted.text:
                    errors.append("not let on")

    barrier = threading.Barrier(customers + 1)
    threads = [threading.Thread(target=customer, args=(i,)) for i in range(customers)]
    for t in threads:
        t.start()
    barrier.wait()
    time.sleep(0.5)  # the warm-up's log lines written
    mark = log.stat().st_size
    barrier.wait()
    for t in threads:
        t.join()
    page, post, health = _summary(page_ms), _summary(post_ms), _summary(health_ms)
    return {
        "customers": customers,
        "page": page,
        "voucher_post": post,
        "healthz": health,
        "errors": errors[:5],
        "error_count": len(errors),
        "ratio_p95_page_vs_healthz": ratio(page["p95"], health["p95"], floor=0.1, digits=2),
        "server": _server_times(log, mark, site.code),
    }


def measure_callbacks(
    url: str, site, package, simulated, simulator, wave, payments: int, senders: int = 8
) -> dict:
    import requests

    from erp.payments import services
    from erp.payments.choices import PaymentStatus
    from erp.payments.models import Payment, ProviderAccount
    from erp.payments.simulator.wave import signature_header
    from erp.portal.models import PortalSession
    from erp.sales.models import Sale

    account = ProviderAccount(
        name=f"Wave bench {uuid.uuid4().hex[:6]}",
        provider="wave",
        api_base_url=wave.url,
        currency="XOF",
    )
    account.set_api_key(WAVE_KEY)
    account.set_webhook_secret(WAVE_SECRET)
    account.save()
    ProviderAccount.objects.exclude(pk=account.pk).update(is_active=False)
    made = []
    for i in range(payments):
        payment = services.start_payment(
            site=site,
            package=package,
            hotspot={
                "mac": f"02:10:00:00:{i // 256:02X}:{i % 256:02X}",
                "ip": f"10.6.{i // 250}.{2 + i % 250}",
            },
            success_url="http://erp.test/ok",
            error_url="http://erp.test/err",
        )
        made.append(payment)
    events = []
    for payment in made:
        session = wave.state.complete(payment.provider_session_id)
        events.append(wave.state.event(session))
    deliveries = [(n, e) for n, e in enumerate(events)] * 2
    random.Random(18).shuffle(deliveries)
    hook = f"{url}/payments/webhooks/{account.pk}/"

    def run(items, *, forged: bool) -> tuple[list[float], dict[int, float], list]:
        todo = list(items)
        lock = threading.Lock()
        times: list[float] = []
        first: dict[int, float] = {}
        bad: list = []

        def worker():
            session = requests.Session()
            while True:
                with lock:
                    if not todo:
                        return
                    n, event = todo.pop()
                body = json.dumps(event).encode()
                secret = "forged" if forged else WAVE_SECRET
                header = signature_header([secret], int(time.time()), body)
                started = time.perf_counter()
                response = session.post(
                    hook,
                    data=body,
                    timeout=60,
                    headers={"Content-Type": "application/json", "Wave-Signature": header},
                )
                took = (time.perf_counter() - started) * 1000
                with lock:
                    times.append(took)
                    if response.status_code != (401 if forged else 200):
                        bad.append(response.status_code)
                    elif not forged and response.json().get("outcome") == "settled":
                        first.setdefault(n, took)

        threads = [threading.Thread(target=worker) for _ in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return times, first, bad

    forged_ms, _none, forged_bad = run(deliveries, forged=True)
    started = time.perf_counter()
    real_ms, first_ms, bad = run(deliveries, forged=False)
    wall = time.perf_counter() - started
    services.retry_owed()  # what a crash or a lost race would leave for the sweep: nothing
    ids = [p.pk for p in made]
    issued = Payment.objects.filter(pk__in=ids, status=PaymentStatus.ISSUED).count()
    sales = Sale.objects.filter(idempotency_key__in=ids)
    on_router = simulator.call(
        lambda: sum(1 for s in simulated.state.active.items if s["address"].startswith("10.6."))
    )
    return {
        "payments": payments,
        "deliveries": len(deliveries),
        "vouchers": sales.count(),
        "doubles": sales.count() - sales.values("idempotency_key").distinct().count(),
        "issued": issued,
        "sessions": PortalSession.objects.filter(payment_id__in=ids).count(),
        "devices_on_router": on_router,
        "refused": bad[:5],
        "wall_s": round(wall, 2),
        "webhook": _summary(real_ms),
        "callback_to_authorised": _summary(list(first_ms.values())),
        "forged_baseline": _summary(forged_ms),
        "forged_refused_wrongly": forged_bad[:5],
        "ratio_p95_vs_forged": ratio(
            percentile(real_ms, 95), percentile(forged_ms, 95), floor=0.1, digits=2
        ),
    }


def run(*, customers: int, rounds: int, payments: int, workers: int = 2, threads: int = 4) -> dict:
    import django

    django.setup()
    from erp.payments.simulator.wave import serve

    simulator, simulated, site, package, codes = _setup(payments + 5, min(customers, 50))
    wave = serve(api_key=WAVE_KEY, webhook_secrets=[WAVE_SECRET]).start_in_thread()
    log = Path(os.environ.get("ERP_VAR_DIR", ROOT / "var")) / f"bench-portal-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server, url = start_gunicorn(workers, threads, log)
    try:
        page = measure_page(url, site, codes, customers, rounds, log)
        callbacks = measure_callbacks(url, site, package, simulated, simulator, wave, payments)
    finally:
        stop_server(server)
        wave.stop()
        simulator.shutdown()
    return {"page": page, "callbacks": callbacks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--payments", type=int, default=500)
    args = parser.parse_args()
    result = run(customers=args.customers, rounds=args.rounds, payments=args.payments)
    print(json.dumps(result, indent=2))
    page, cb = result["page"], result["callbacks"]
    ok = (
        page["server"]["page_get"]["p95"] <= 100
        and page["error_count"] == 0
        and cb["vouchers"] == cb["payments"]
        and cb["doubles"] == 0
        and cb["callback_to_authorised"]["p95"] <= 2000
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
