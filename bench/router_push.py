"""Benchmark: pushing hotspot users to a router, pipelined vs one command at a time.

Both run against the RouterOS API simulator over real TCP, in a process of its own as a router
would be, with the same injected latency before every reply (default 20 ms, a slow link to a
remote site), in the same run:

- baseline: our RouterClient adding users one by one, waiting for each reply;
- pipelined: the real service, ``push_pending_users``, on the same number of queued users
  (database reads and writes included).

    python bench/router_push.py --users 10000 --latency 0.02

Uses the database of DATABASE_URL (migrated); creates a scratch site and routers and removes
them afterwards. Exits 1 if the ratio is under --min-ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import Stopwatch, ratio  # noqa: E402 - after the path above


def _start_simulator(latency: float) -> tuple[subprocess.Popen, int]:
    """Start two simulated routers on consecutive free ports; (process, first port).

    Both ports must answer and the process must be alive: a port that another program took
    between the probe and the simulator's bind would otherwise look like a started router.
    A few attempts with fresh ports before giving up."""
    from erp.mikrotik.simulator import free_port, wait_for_port

    for _attempt in range(3):
        port = free_port(2)
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "routeros_sim",
                "--port",
                str(port),
                "--routers",
                "2",
                "--password",
                "bench",
                "--latency",
                str(latency),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if all(wait_for_port(p) for p in (port, port + 1)) and proc.poll() is None:
            return proc, port
        proc.kill()
        proc.wait(timeout=10)
    raise RuntimeError("the simulator did not start")


def _count_users(router) -> int:
    from erp.mikrotik.client import RouterClient

    with RouterClient(router) as client:
        return int(client.call("/ip/hotspot/user", "print", {"count-only": ""})[1])


def run(users: int, latency: float) -> dict[str, float]:
    """Return both timings (seconds) and their ratio."""
    from erp.accounts.models import User
    from erp.mikrotik.client import RouterClient
    from erp.mikrotik.models import HotspotUser
    from erp.mikrotik.services import HotspotUserSpec, push_pending_users, queue_hotspot_users
    from erp.sites.models import Router
    from erp.sites.services import create_router, create_site

    actor = User.objects.filter(groups__name="Super Admin").first()  # None is fine

    simulator, port = _start_simulator(latency)
    tag = uuid.uuid4().hex[:6].upper()
    site = create_site(actor=actor, name=f"Bench {tag}", code=f"BENCH-{tag}")
    try:
        baseline_router, pipelined_router = (
            create_router(
                actor=actor,
                site=site,
                name=kind,
                host="127.0.0.1",
                api_port=port + offset,
                username="admin",
                password="bench",
            )
            for offset, kind in enumerate(("baseline", "pipelined"))
        )
        specs = [HotspotUserSpec(name=f"B{tag}{i:06d}") for i in range(users)]

        with Stopwatch() as baseline, RouterClient(baseline_router) as client:
            for spec in specs:
                client.add(
                    "/ip/hotspot/user", name=spec.name, password=spec.name, profile="default"
                )
        assert _count_users(baseline_router) == users

        queue_hotspot_users(pipelined_router, specs)
        with Stopwatch() as pipelined:
            report = push_pending_users(pipelined_router)
        assert report.added == users and report.remaining == 0, report
        assert _count_users(pipelined_router) == users
        return {
            "users": users,
            "latency_ms": latency * 1000,
            "baseline_s": baseline.seconds,
            "pipelined_s": pipelined.seconds,
            "ratio": ratio(baseline.seconds, pipelined.seconds),
        }
    finally:
        HotspotUser.objects.filter(router__site=site).delete()
        Router.objects.filter(site=site).delete()
        site.delete()
        simulator.terminate()
        simulator.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per reply")
    parser.add_argument("--min-ratio", type=float, default=10.0)
    args = parser.parse_args()

    import django

    django.setup()
    result = run(args.users, args.latency)
    print(f"users={result['users']} latency={result['latency_ms']:.0f}ms")
    print(f"one at a time: {result['baseline_s']:8.2f} s")
    print(f"pipelined:     {result['pipelined_s']:8.2f} s")
    print(f"ratio:         {result['ratio']:8.1f}x (target >= {args.min_ratio:g}x)")
    return 0 if result["ratio"] >= args.min_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
