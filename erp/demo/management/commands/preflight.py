"""Check, before `make run` spends a minute migrating, that its processes can start.

Each problem is one line saying which process cannot start and why, and the command exits 1;
honcho would otherwise start the others and then stop everything with a traceback.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from erp.core.ports import port_problem


class Command(BaseCommand):
    help = "Say in one line per problem why a `make run` process could not start (ports, var/)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--router-port",
            type=int,
            default=int(os.environ.get("ROUTER_SIM_PORT", "8728")),
            help="first port of the demo router simulator",
        )
        parser.add_argument("--routers", type=int, default=4)

    def handle(self, *args, host: str, port: int, router_port: int, routers: int, **options):
        problems = []
        why = port_problem(host, port)
        if why:
            problems.append(f"web (gunicorn) cannot start: {why}; try PORT={port + 1} make run")
        for n in range(routers):
            why = port_problem("127.0.0.1", router_port + n)
            if why:
                problems.append(
                    f"router simulator cannot start: {why}; "
                    f"try ROUTER_SIM_PORT={router_port + 10} make run"
                )
                break
        if not os.access(settings.VAR_DIR, os.W_OK):
            problems.append(f"web, worker and beat cannot start: {settings.VAR_DIR} is read-only")
        if problems:
            for line in problems:
                self.stderr.write(f"make run: {line}")
            raise SystemExit(1)
