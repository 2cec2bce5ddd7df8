"""Run the SMS Gateway for Android simulator (make run's demo phone)."""

from __future__ import annotations

import contextlib
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from erp.core.simulators import add_listen_arguments
from erp.messaging.simulator.android import AndroidGatewaySimulator


class Command(BaseCommand):
    help = "Serve a simulated Android SMS gateway (local-server API, signed webhooks)."

    def add_arguments(self, parser) -> None:
        add_listen_arguments(parser, port=8090)
        parser.add_argument("--username", default="sms")
        parser.add_argument("--password", default="demo-sms-pass")
        parser.add_argument("--signing-key", default="demo-sms-signing-key")
        parser.add_argument("--parts-per-minute", type=int, default=30)
        parser.add_argument("--window", type=float, default=60.0)
        parser.add_argument("--send-delay", type=float, default=0.5)
        parser.add_argument(
            "--webhook",
            action="append",
            default=[],
            help="an address to call for every event (as if registered with POST /webhooks)",
        )

    def handle(self, *args, **options) -> None:
        try:
            sim = AndroidGatewaySimulator(
                host=options["host"],
                port=options["port"],
                username=options["username"],
                password=options["password"],
                signing_key=options["signing_key"],
                parts_per_window=options["parts_per_minute"],
                window=options["window"],
                send_delay=options["send_delay"],
            )
        except OSError as exc:
            raise CommandError(
                f"sms gateway simulator cannot start: "
                f"{options['host']}:{options['port']} ({exc.strerror})"
            ) from None
        for n, url in enumerate(options["webhook"]):
            for event in ("sms:sent", "sms:delivered", "sms:failed", "sms:received"):
                hook_id = f"startup-{n}-{event}"
                sim.webhooks[hook_id] = {"id": hook_id, "url": url, "event": event}
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"SMS gateway simulator on {sim.url}")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            sim.serve_forever()
