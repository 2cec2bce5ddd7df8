"""Run an openNDS router (FAS level 3, authmon) against this ERP (make run starts it).

It files (or updates) the openNDS gateway of ``--site`` with the faskey, then:
- serves ``http://<host>:<port>/``: each visit is a new client joining the WiFi, redirected to
  the portal with its encrypted ``fas`` string, as openNDS does;
- polls the FAS URL every ``--interval`` seconds as authmon does, authorising the clients the
  portal let on (``ndsctl auth``), and acknowledging them.
"""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from erp.core.simulators import add_listen_arguments
from erp.portal.models import OpenNDSGateway
from erp.portal.simulator.opennds import OpenNDSRouter
from erp.sites.models import Site

DEMO_FASKEY = "demo-opennds-faskey"  # noqa: S105 - the demo router's, printed in the README


class Command(BaseCommand):
    help = "Run a simulated openNDS router (FAS level 3) against this ERP's portal."

    def add_arguments(self, parser):
        add_listen_arguments(parser, port=8742)
        parser.add_argument("--site", default="DAR-KKO")
        parser.add_argument("--faskey", default=DEMO_FASKEY)
        parser.add_argument("--erp-url", default="http://127.0.0.1:8000")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, **options):
        site = Site.objects.filter(code=options["site"].upper()).first()
        if site is None:
            raise CommandError(f"No site {options['site']}: run seed_demo first.")
        gateway = OpenNDSGateway.objects.filter(site=site, name="openNDS (simulator)").first()
        gateway = gateway or OpenNDSGateway(site=site, name="openNDS (simulator)")
        gateway.set_faskey(options["faskey"])
        gateway.save()
        fas_url = options["erp_url"].rstrip("/") + reverse("portal:opennds", args=[site.code])
        router = OpenNDSRouter(faskey=options["faskey"], fas_url=fas_url)
        lock = threading.Lock()
        macs = (f"02:0d:5e:00:{n // 256:02x}:{n % 256:02x}" for n in itertools.count(1))

        class Join(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with lock:
                    mac = next(macs)
                    url = router.arrive(mac, f"192.168.8.{len(router.clients) % 250 + 2}")
                self.send_response(302)
                self.send_header("Location", url)
                self.end_headers()

        server = ThreadingHTTPServer((options["host"], options["port"]), Join)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.stdout.write(
            f"openNDS simulator: open http://{options['host']}:{options['port']}/ "
            f"to join the WiFi of {site.code} (authmon polls {fas_url})"
        )
        try:
            while True:
                time.sleep(options["interval"])
                with lock:
                    if not router.clients:  # the ERP learns our gateway hash from a client
                        continue
                    try:
                        taken = router.poll()
                    except (requests.RequestException, RuntimeError) as exc:
                        self.stderr.write(f"authmon: {exc}")
                        continue
                for rhid in taken:
                    self.stdout.write(f"authmon: authorised {rhid[:12]}…")
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
