"""E-mail intake end to end: a customer's e-mail is delivered over SMTP to the IMAP simulator's
mailbox, the beat task polls it over IMAP (stdlib imaplib, real TCP) and opens a ticket; the
agent's reply leaves through a real SMTP server with [#number] in the subject; the customer's
reply to it threads back into the same ticket. Auto-replies, replays and forged references
open nothing wrong."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from erp.accounts.roles import Role
from erp.support import tasks
from erp.support.choices import Channel, Direction, TicketStatus
from erp.support.models import Ticket
from erp.support.simulator.imap import ImapServer
from workflows.support_ticket import services as process_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(settings):
    server = ImapServer().start()
    settings.SUPPORT_IMAP_URL = server.url
    settings.SUPPORT_REPLY_TO = server.username
    yield server
    server.stop()


def _mail(server, *, sender, subject, body, message_id, **headers):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = server.username
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as smtp:
        smtp.send_message(message)


def test_an_email_opens_a_ticket_and_the_reply_threads_back(mailbox, smtp_server, users):
    _mail(
        mailbox,
        sender="Juma <juma@example.com>",
        subject="Nimelipa lakini sina vocha",
        body="Nimelipa kwa M-Pesa 5000 lakini sijapata vocha yoyote <script>x</script>",
        message_id="<m1@example.com>",
    )
    assert tasks.poll_mailbox() == 1
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL and ticket.email == "juma@example.com"
    assert ticket.subject == "Nimelipa lakini sina vocha"
    assert ticket.category.slug == "paid_no_voucher"
    assert mailbox.mailbox.seen(1)
    # the next poll finds nothing new; the same message delivered again adds nothing
    assert tasks.poll_mailbox() == 0
    _mail(
        mailbox,
        sender="juma@example.com",
        subject="Nimelipa lakini sina vocha",
        body="same",
        message_id="<m1@example.com>",
    )
    assert tasks.poll_mailbox() == 1 and Ticket.objects.count() == 1

    # the process started (the event's delivery ran after the commit); the Billing Officer
    # answers by e-mail
    process_services.reply(actor=users[Role.FINANCE], ticket=ticket, text="Tuma ID ya muamala.")
    out = smtp_server[-1]
    assert out.recipients == ["juma@example.com"] and f"[#{ticket.number}]" in out.subject
    assert out.message["Reply-To"] == mailbox.username

    # the customer answers the e-mail: the quoted history is cut, the same ticket continues
    _mail(
        mailbox,
        sender="juma@example.com",
        subject=f"Re: {out.subject}",
        body="ID ni QK12AB34CD\n\nOn Tue, 24 Nov 2026 ViorNet wrote:\n> Tuma ID ya muamala.",
        message_id="<m2@example.com>",
    )
    assert tasks.poll_mailbox() == 1
    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("-created_at").first()
    assert last.direction == Direction.IN and last.text == "ID ni QK12AB34CD"


def test_auto_replies_are_dropped_and_a_forged_reference_opens_a_new_ticket(mailbox, users):
    _mail(
        mailbox,
        sender="asha@example.com",
        subject="Internet haifanyi kazi",
        body="Hakuna mtandao kabisa hapa tangu asubuhi",
        message_id="<a1@example.com>",
    )
    tasks.poll_mailbox()
    first = Ticket.objects.get()
    # an out-of-office answer to our reply: no ticket, no message, still flagged seen
    _mail(
        mailbox,
        sender="asha@example.com",
        subject=f"Automatic reply: [#{first.number}] Internet haifanyi kazi",
        body="I am out of the office until Monday.",
        message_id="<a2@example.com>",
        Auto_Submitted="auto-replied",
    )
    _mail(
        mailbox,
        sender="MAILER-DAEMON@example.com",
        subject="Undelivered Mail Returned to Sender",
        body="This is the mail system.",
        message_id="<a3@example.com>",
    )
    # someone else quoting Asha's ticket number does not write into her ticket
    _mail(
        mailbox,
        sender="mallory@example.com",
        subject=f"Re: [#{first.number}] Internet haifanyi kazi",
        body="Please refund me to another number",
        message_id="<a4@example.com>",
    )
    assert tasks.poll_mailbox() == 3
    assert all(mailbox.mailbox.seen(uid) for uid in (2, 3, 4))
    assert first.messages.count() == 1
    forged = Ticket.objects.exclude(pk=first.pk).get()
    assert forged.email == "mallory@example.com" and forged.status == TicketStatus.NEW
    assert forged.subject == "Re: Internet haifanyi kazi"


def test_a_wrong_password_is_reported_and_reads_nothing(mailbox, settings):
    settings.SUPPORT_IMAP_URL = mailbox.url.replace("imap-secret", "wrong")
    _mail(
        mailbox,
        sender="a@example.com",
        subject="x",
        body="Hakuna mtandao",
        message_id="<w1@example.com>",
    )
    assert tasks.poll_mailbox() == 0
    assert not Ticket.objects.exists() and not mailbox.mailbox.seen(1)
