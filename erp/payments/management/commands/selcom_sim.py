"""Run the Selcom Checkout simulator (make run starts it; see the Procfile).

With ``--register`` it files (or updates) the provider account "Selcom vendor:DEMO" pointing
at itself, **inactive** unless ``--activate`` (the portal uses the oldest active account, and
the demo's is Wave's). The simulated phone approves every USSD push after ``--approve-after``
seconds (0: never; approve/reject by hand through the tests' state instead).
"""

from __future__ import annotations

import threading
import time

from django.core.management.base import BaseCommand

from erp.core.simulators import add_listen_arguments, serve_until_interrupted
from erp.payments.models import ProviderAccount
from erp.payments.simulator.selcom import serve

DEMO_ACCOUNT = "Selcom vendor:DEMO"


class Command(BaseCommand):
    help = "Serve a Selcom Checkout simulator (orders, USSD push, signed webhooks)."

    def add_arguments(self, parser):
        add_listen_arguments(parser, port=8741)
        parser.add_argument("--api-key", default="selcom_demo_key")
        parser.add_argument("--api-secret", default="selcom_demo_secret")
        parser.add_argument("--approve-after", type=float, default=3.0)
        parser.add_argument("--register", action="store_true")
        parser.add_argument("--activate", action="store_true")

    def handle(self, *args, **options):
        server = serve(
            host=options["host"],
            port=options["port"],
            api_key=options["api_key"],
            api_secret=options["api_secret"],
        )
        if options["register"]:
            self._register(server.url, options)
        if options["approve_after"] > 0:
            threading.Thread(
                target=self._phone, args=(server.state, options["approve_after"]), daemon=True
            ).start()
        self.stdout.write(f"Selcom simulator on {server.url}")
        serve_until_interrupted(server)

    def _phone(self, state, delay: float) -> None:
        """The customer's phone: each PIN prompt is answered ``delay`` seconds after it."""
        seen: dict[str, float] = {}
        while True:
            time.sleep(0.5)
            with state.lock:
                pushed = [k for k, o in state.orders.items() if o["payment_status"] == "INPROGRESS"]
            now = time.monotonic()
            for order_id in pushed:
                if now - seen.setdefault(order_id, now) >= delay:
                    state.approve(order_id)
                    seen.pop(order_id, None)

    def _register(self, url: str, options) -> None:
        account = ProviderAccount.objects.filter(name=DEMO_ACCOUNT).first() or ProviderAccount(
            name=DEMO_ACCOUNT, provider="selcom", is_active=options["activate"]
        )
        account.api_base_url = url
        account.currency = "TZS"
        account.set_api_key(options["api_key"])
        account.set_webhook_secret(options["api_secret"])
        if options["activate"]:
            account.is_active = True
        account.save()
