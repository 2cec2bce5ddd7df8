"""A field ticket handed to the fault process (workflows/fault_repair): the field team reports
it as a fault from the ticket's task page, or it waits on the site's open router-down fault."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.maintenance.models import Fault
from erp.support import services as support
from erp.support.choices import Team, TicketStatus
from erp.support.models import Ticket
from workflows.fault_repair import services as fault_repair

log = logging.getLogger(__name__)


def may_report_as_fault(user: User, ticket: Ticket) -> bool:
    """Whether the task page offers "Report as fault": a field ticket at a site, not yet
    waiting on a fault, to someone of the field team (or a support lead)."""
    return bool(
        ticket.team == Team.FIELD
        and ticket.site_id
        and not ticket.fault_id
        and ticket.status in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
        and (support.may_work(user, ticket) or user.has_perm("support.supervise_ticket"))
        and user.has_perm("maintenance.add_fault")
    )


def report_as_fault(
    *, actor: User, ticket: Ticket, severity: str, service_down: bool = False
) -> Fault:
    """The field team reports the ticket's problem as a fault at its site: the fault process
    starts (``fault_repair.report``, its ``start_with_fault``) with the ticket's text, and the
    ticket is linked to it and waits on its repair. If the site already has an open
    router-down fault, the ticket is linked to that one instead (no second fault). Refused for
    a ticket with no site, one already linked, or someone outside the field team."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.team != Team.FIELD or not (
            support.may_work(actor, ticket) or actor.has_perm("support.supervise_ticket")
        ):
            raise NotAllowed(_("Only the field team reports a ticket as a fault."))
        if ticket.status not in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING):
            raise ValidationError(_("This ticket is not open."), code="not_open")
        if ticket.fault_id:
            raise ValidationError(
                _("This ticket already waits on fault %(fault)s.")
                % {"fault": ticket.fault.reference},
                code="already_linked",
            )
        if ticket.site_id is None:
            raise ValidationError(
                _("This ticket has no site: file it at a site before reporting a fault."),
                code="no_site",
            )
        existing = support.link_to_site_fault(ticket)
        if existing is not None:
            return existing
        messages = list(ticket.messages.filter(direction="in").order_by("created_at"))
        text = "\n".join(m.text for m in messages) or ticket.subject
        description = _("Support ticket %(ref)s (%(phone)s): %(text)s") % {
            "ref": ticket.reference,
            "phone": ticket.phone or ticket.email or "-",
            "text": text,
        }
        fault = fault_repair.report(
            actor=actor,
            site=ticket.site,
            severity=severity,
            description=description[:4000],
            service_down=service_down,
        )
        support.attach_fault(ticket=ticket, fault=fault, actor=actor)
    log.info("ticket %s reported as fault %s", ticket.number, fault.reference)
    return fault
