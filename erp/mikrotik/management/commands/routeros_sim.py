"""Run the RouterOS API simulator: one or more simulated routers on TCP ports."""

from __future__ import annotations

import ssl
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from erp.core.ports import port_problem
from erp.mikrotik.simulator import Simulator


class Command(BaseCommand):
    help = (
        "Run simulated MikroTik routers speaking the RouterOS API (for the demo and for "
        "trying the integration without a router). Routers are named sim-1, sim-2 … on "
        "consecutive ports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8728, help="port of the first router")
        parser.add_argument("--routers", type=int, default=1, help="how many routers")
        parser.add_argument("--user", default="admin")
        parser.add_argument("--password", default="", help="API password of every router")
        parser.add_argument(
            "--legacy-login", action="store_true", help="answer only the pre-6.43 challenge login"
        )
        parser.add_argument("--tls-cert", help="PEM certificate: serve api-ssl (TLS)")
        parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
        parser.add_argument(
            "--latency", type=float, default=0.0, help="seconds added before every reply"
        )
        parser.add_argument(
            "--drop-after",
            type=int,
            default=None,
            help="drop the connection after this many commands",
        )
        parser.add_argument(
            "--trap",
            action="append",
            default=[],
            metavar="PATH=MESSAGE",
            help="answer this command with a trap, e.g. /ip/hotspot/user/add=x",
        )
        parser.add_argument(
            "--tick", type=float, default=0, help="seconds between simulated-life steps (0: none)"
        )
        parser.add_argument("--state", help="JSON file to keep the routers' state in")

    def handle(self, *args, **opts):
        if opts["routers"] < 1 or opts["routers"] > 100:
            raise CommandError("--routers must be between 1 and 100")
        context = None
        if opts["tls_cert"]:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(opts["tls_cert"], opts["tls_key"])
        traps = {}
        for item in opts["trap"]:
            path, sep, message = item.partition("=")
            if not sep or not path.startswith("/"):
                raise CommandError(f"--trap takes PATH=MESSAGE, not {item!r}")
            traps[path] = message
        for n in range(opts["routers"]):
            why = port_problem(opts["host"], opts["port"] + n)
            if why:
                raise CommandError(f"the router simulator cannot start: {why}")
        sim = Simulator(
            tick=opts["tick"] or None, state_file=Path(opts["state"]) if opts["state"] else None
        )
        for n in range(opts["routers"]):
            router = sim.add_router(
                f"sim-{n + 1}",
                host=opts["host"],
                port=opts["port"] + n,
                username=opts["user"],
                password=opts["password"],
                ssl_context=context,
                login_mode="legacy" if opts["legacy_login"] else "plain",
            )
            router.state.faults.latency = opts["latency"]
            router.state.faults.drop_after = opts["drop_after"]
            router.state.faults.trap_on = dict(traps)
            self.stdout.write(
                f"RouterOS API simulator sim-{n + 1} on {opts['host']}:{opts['port'] + n}"
                f"{' (TLS)' if context else ''}"
            )
        self.stdout.flush()
        sim.serve_forever()
        self.stdout.write("simulator stopped")
