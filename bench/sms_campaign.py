"""Benchmark: a marketing campaign to N clients — render and queue, then drain at the
gateway's limit.

1. Render + queue: the real ``start_campaign`` (audience query, each client's language,
   normalisation and part count, bulk insert of the messages and their first history row),
   against a baseline measured in the same run: a bulk insert of the same number of
   ready-made message rows (no rendering, no audience). Target: ≤ 5 s for 10,000.
2. Drain: the real gateway pump against the SMS Gateway for Android simulator over real HTTP,
   whose own rate limit is ``--parts`` per ``--window`` seconds (the phone's is 30 a minute;
   a short window keeps the run short: the pump neither knows nor cares). Target: the pace
   after the first window within 10 % under the limit, never over it (the simulator counts
   the most parts it accepted in any window, and the requests it refused for the rate).

    python bench/sms_campaign.py --recipients 10000 --parts 30 --window 2 --drain-seconds 30

Uses the database of DATABASE_URL (migrated) and REDIS_URL if set (the throttle); creates a
scratch site, clients, gateway and template and removes them afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

from bench.timing import Stopwatch, ratio  # noqa: E402 - after the path above


def run(
    recipients: int = 10_000,
    parts: int = 30,
    window: float = 2.0,
    drain_seconds: float = 30.0,
) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group

    from erp.accounts.models import User
    from erp.accounts.roles import Role
    from erp.clients.models import Client
    from erp.messaging import pump, services
    from erp.messaging.choices import MessageKind
    from erp.messaging.models import Campaign, Gateway, Message, MessageEvent, Template
    from erp.messaging.simulator.android import AndroidGatewaySimulator
    from erp.sites.models import Site

    tag = uuid.uuid4().hex[:6]
    sim = AndroidGatewaySimulator(parts_per_window=parts, window=window).start()
    site = Site.objects.create(name=f"SMS bench {tag}", code=f"SMSB-{tag}")
    user = User.objects.create(username=f"smsbench-{tag}", is_superuser=True)
    user.groups.add(Group.objects.get_or_create(name=Role.MARKETING)[0])
    gateway = services.create_gateway(
        name=f"bench-{tag}",
        base_url=sim.url,
        username=sim.username,
        password=sim.password,
        parts_per_minute=parts,
        throttle_window_seconds=1,  # replaced below: the model keeps whole seconds
        site=site,
    )
    template = services.save_template(
        actor=user,
        code=f"bench-{tag}",
        name="Bench offer",
        kind=MessageKind.MARKETING,
        text_en="{client_name}, new offer at {site}! Reply STOP to opt out.",
        text_sw="{client_name}, ofa mpya {site}! Jibu ACHA kusitisha.",
    )
    try:
        Client.objects.bulk_create(
            [
                Client(
                    site=site,
                    phone=f"+25571{i:07d}",
                    name=f"Client {i}",
                    language="sw" if i % 2 else "en",
                    marketing_consent=True,
                )
                for i in range(recipients)
            ],
            batch_size=5000,
        )
        # baseline: the same number of ready-made rows, bulk inserted
        with Stopwatch() as baseline:
            rows = [
                Message(
                    gateway=gateway,
                    phone=f"+25571{i:07d}",
                    text="ready-made text",
                    encoding="GSM-7",
                    parts=1,
                    kind=MessageKind.MARKETING,
                    source=f"bench-{tag}-{i}",
                )
                for i in range(recipients)
            ]
            Message.objects.bulk_create(rows, batch_size=2000)
        Message.objects.filter(source__startswith=f"bench-{tag}-").delete()

        with Stopwatch() as queued:
            campaign = services.start_campaign(
                actor=user, name=f"Bench {tag}", template=template, filters={"site": site.pk}
            )
        baseline, queue_s = baseline.seconds, queued.seconds
        assert campaign.total == recipients

        # drain: the simulator's limit is `parts` per `window` seconds; the pump's throttle
        # is told the same
        gateway.throttle_window_seconds = 1
        gateway.save()
        from erp.messaging import throttle

        original = throttle.for_gateway

        def scaled(gw, clock=time.time):
            limiter = original(gw, clock=clock)
            limiter.window = window + 0.01  # the guard (confirm() does the rest)
            return limiter

        throttle.for_gateway = scaled
        try:
            t0 = time.time()
            end = t0 + drain_seconds
            while time.time() < end:
                # as the pump task does: come back when the pump says
                again = pump.pump(gateway.pk, budget_seconds=end - time.time())
                if again is None:
                    break
                time.sleep(min(again, max(0.0, end - time.time())))
            elapsed = time.time() - t0
        finally:
            throttle.for_gateway = original
        accepted = sorted(sim.accepted)
        steady = [p for t, _m, p in accepted if t > t0 + window]
        steady_time = elapsed - window
        limit_rate = parts / window
        pace = sum(steady) / steady_time if steady_time > 0 else 0.0
        return {
            "recipients": recipients,
            "baseline_s": round(baseline, 3),
            "queue_s": round(queue_s, 3),
            "queue_ratio": ratio(queue_s, baseline, digits=2),
            "parts_per_window": parts,
            "window_s": window,
            "drain_s": round(elapsed, 2),
            "accepted": len(accepted),
            "limit_parts_per_s": round(limit_rate, 2),
            "pace_parts_per_s": round(pace, 2),
            "pace_ratio": ratio(pace, limit_rate, digits=3),
            "max_parts_in_window": sim.max_parts_in_window(),
            "refused_for_rate": sim.rejected_for_rate,
        }
    finally:
        sim.stop()
        MessageEvent.objects.filter(message__gateway=gateway).delete()
        Message.objects.filter(gateway=gateway).delete()
        Campaign.objects.filter(template=template).delete()
        Client.objects.filter(site=site).delete()
        Gateway.objects.filter(pk=gateway.pk).delete()
        Template.objects.filter(pk=template.pk).delete()
        Site.objects.filter(pk=site.pk).delete()
        user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--parts", type=int, default=30)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--drain-seconds", type=float, default=30.0)
    args = parser.parse_args()
    result = run(args.recipients, args.parts, args.window, args.drain_seconds)
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    ok = result["queue_s"] <= 5 * args.recipients / 10_000 and 0.9 <= result["pace_ratio"] <= 1.0
    ok = ok and result["max_parts_in_window"] <= args.parts
    print("target met" if ok else "TARGET MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
