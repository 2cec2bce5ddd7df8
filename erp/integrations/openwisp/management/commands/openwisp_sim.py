"""Run the OpenWISP simulator (make run starts it; see the Procfile).

With ``--register SITE-CODE`` it also files that site's OpenWISP settings pointing at itself,
**switched off** (the integration is off by default): a Super Admin switches it on from the
integration's page to try discovery and health with the demo.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from erp.accounts.models import User
from erp.accounts.roles import Role
from erp.core.simulators import add_listen_arguments, serve_until_interrupted
from erp.integrations.openwisp.models import OpenWispSettings
from erp.integrations.openwisp.simulator.server import serve
from erp.sites.models import Site


class Command(BaseCommand):
    help = "Serve an OpenWISP simulator (controller devices and monitoring REST API)."

    def add_arguments(self, parser):
        add_listen_arguments(parser, port=8743)
        parser.add_argument("--username", default="erp-api")
        parser.add_argument("--password", default="demo-openwisp-pass")
        parser.add_argument("--devices", type=int, default=12)
        parser.add_argument(
            "--tick", type=float, default=60.0, help="seconds between status changes (0: never)"
        )
        parser.add_argument(
            "--token-ttl", type=float, default=3600.0, help="seconds a token lives (then 401)"
        )
        parser.add_argument("--register", metavar="SITE_CODE", default="")

    def handle(self, *args, **options):
        server = serve(
            host=options["host"],
            port=options["port"],
            username=options["username"],
            password=options["password"],
            devices=options["devices"],
            tick=options["tick"],
            token_ttl=options["token_ttl"],
        )
        if options["register"]:
            self._register(options["register"], server.url, options)
        self.stdout.write(
            f"OpenWISP simulator on {server.url} ({options['devices']} devices, "
            f"user {options['username']})"
        )
        serve_until_interrupted(server)

    def _register(self, code: str, url: str, options) -> None:
        site = Site.objects.filter(code=code).first()
        if site is None:
            raise CommandError(f"no site {code!r}")
        admin = User.objects.filter(groups__name=Role.SUPER_ADMIN, is_active=True).first()
        config = OpenWispSettings.objects.filter(site=site).first()
        if config is None:
            config = OpenWispSettings(site=site, enabled=False)
        config.base_url = url
        config.username = options["username"]
        config.set_password(options["password"])
        config.configured_by = config.configured_by or admin
        config.save()
