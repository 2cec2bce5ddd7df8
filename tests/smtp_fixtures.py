"""A real SMTP server on loopback (aiosmtpd) for tests that send e-mail through Django's SMTP
backend, and the messages it received.

Ask for ``smtp_server``: it points Django's e-mail settings at the server for the test and
yields the inbox, a list of `Received` (set ``refuse = True`` to answer 451 to every message).
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class Inbox(list):
    """What the server accepted, in order; `refuse` makes it turn mail away (451)."""

    refuse = False

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [r.message for r in self]

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        return [(r.sender, r.recipients) for r in self]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return "451 Requested action aborted: try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.append(
            Received(sender=envelope.mail_from, recipients=list(envelope.rcpt_tos), message=message)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Starts aiosmtpd on a free loopback port; yields its inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()
