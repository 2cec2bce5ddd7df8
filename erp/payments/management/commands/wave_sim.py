"""Run the Wave Checkout simulator (make run starts it; see the Procfile).

With ``--register`` it also files (or updates) the provider account "Wave (simulator)"
pointing at itself, with its key and webhook secret encrypted, and sends its webhooks to
this ERP at ``--erp-url``: the demo's portal then sells packages out of the box.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.urls import reverse

from erp.core.simulators import add_listen_arguments, serve_until_interrupted
from erp.payments.models import ProviderAccount
from erp.payments.simulator.wave import serve

DEMO_ACCOUNT = "Wave (simulator)"


class Command(BaseCommand):
    help = "Serve a Wave Checkout simulator (HTTP API, payment page, signed webhooks)."

    def add_arguments(self, parser):
        add_listen_arguments(parser, port=8740)
        parser.add_argument("--api-key", default="wave_sn_demo_key")
        parser.add_argument("--webhook-secret", action="append", default=None)
        parser.add_argument("--webhook-url", default="")
        parser.add_argument("--currency", default="XOF")
        parser.add_argument(
            "--register",
            action="store_true",
            help="file the provider account for this simulator (webhooks to --erp-url)",
        )
        parser.add_argument("--erp-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        secrets = options["webhook_secret"] or ["wave_sn_WHS_demo"]
        server = serve(
            host=options["host"],
            port=options["port"],
            api_key=options["api_key"],
            webhook_secrets=secrets,
            webhook_url=options["webhook_url"],
        )
        if options["register"]:
            account = self._register(server.url, options["api_key"], secrets[0], options)
            server.state.webhook_url = server.state.webhook_url or (
                options["erp_url"].rstrip("/") + reverse("payments:webhook", args=[account.pk])
            )
        self.stdout.write(
            f"Wave simulator on {server.url} (webhooks to {server.state.webhook_url or '-'})"
        )
        serve_until_interrupted(server)

    def _register(self, url: str, api_key: str, secret: str, options):
        account = ProviderAccount.objects.filter(name=DEMO_ACCOUNT).first() or ProviderAccount(
            name=DEMO_ACCOUNT, provider="wave"
        )
        account.api_base_url = url
        account.currency = options["currency"]
        account.set_api_key(api_key)
        account.set_webhook_secret(secret)
        account.save()
        return account
