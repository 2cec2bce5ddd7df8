"""Run the PortaBilling simulator (make run starts it; see the Procfile). PortaBilling stays
off for every site until a Super Admin turns it on at Integrations → PortaBilling; point a
site at this simulator's address to try it."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from erp.core.simulators import add_listen_arguments, serve_until_interrupted
from erp.integrations.portabilling.simulator import serve


class Command(BaseCommand):
    help = "Serve a PortaBilling JSON API simulator (/rest/<Service>/<method>)."

    def add_arguments(self, parser):
        add_listen_arguments(parser, port=8750)
        parser.add_argument("--login", default="viornet-api")
        parser.add_argument("--password", default="demo-porta-pass")
        parser.add_argument(
            "--latency", type=float, default=0.0, help="seconds before every answer (benchmarks)"
        )

    def handle(self, *args, **options):
        server = serve(
            host=options["host"],
            port=options["port"],
            login=options["login"],
            password=options["password"],
        )
        server.state.delay = options["latency"]
        self.stdout.write(
            f"PortaBilling simulator on {server.url}/rest/ (i_customer 1, i_product 1)"
        )
        serve_until_interrupted(server)
