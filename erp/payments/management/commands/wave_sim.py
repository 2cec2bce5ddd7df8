"""Run the Wave Checkout simulator (make run starts it; see the Procfile)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from erp.payments.simulator.wave import serve


class Command(BaseCommand):
    help = "Serve a Wave Checkout simulator (HTTP API, payment page, signed webhooks)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8740)
        parser.add_argument("--api-key", default="wave_sn_demo_key")
        parser.add_argument("--webhook-secret", action="append", default=None)
        parser.add_argument("--webhook-url", default="")

    def handle(self, *args, **options):
        server = serve(
            host=options["host"],
            port=options["port"],
            api_key=options["api_key"],
            webhook_secrets=options["webhook_secret"] or ["wave_sn_WHS_demo"],
            webhook_url=options["webhook_url"],
        )
        self.stdout.write(f"Wave simulator on {server.url} (webhooks to {options['webhook_url']})")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
