"""Run the support mailbox simulator (make run starts it; see the Procfile): an SMTP port that
delivers into one INBOX and an IMAP port that serves it, so the beat job *Read the support
mailbox* reads real mail. Point ``SUPPORT_IMAP_URL`` at the URL it prints."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from erp.support.simulator.imap import ImapServer


class Command(BaseCommand):
    help = "Serve the support mailbox simulator (SMTP in, IMAP out, one INBOX)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--imap-port", type=int, default=8744)
        parser.add_argument("--smtp-port", type=int, default=8745)
        parser.add_argument("--username", default="support@viornet.test")
        parser.add_argument("--password", default="demo-imap-pass")

    def handle(self, *args, **options):
        server = ImapServer(
            host=options["host"],
            imap_port=options["imap_port"],
            smtp_port=options["smtp_port"],
            username=options["username"],
            password=options["password"],
        ).start()
        self.stdout.write(
            f"Support mailbox simulator: SUPPORT_IMAP_URL={server.url} "
            f"(SMTP in on {server.host}:{server.smtp_port})"
        )
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
