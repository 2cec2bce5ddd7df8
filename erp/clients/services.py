"""Every write to clients."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, ProtectedError, Q, Value, When
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.core.services import assign_fields, validated_save
from erp.sites.selectors import site_is_visible_to

from .models import Client

CLIENT_FIELDS = (
    "name",
    "phone",
    "mac_address",
    "site",
    "agent",
    "marketing_consent",
    "notes",
    "language",
)


def _apply_scope(actor: User | None, client: Client) -> None:
    """Agents own the clients they register and register them only at their own sites.
    ``None`` is the system (commands, imports)."""
    if actor is None:
        return
    if actor.is_agent:
        client.agent = actor
    if client.site_id and not site_is_visible_to(actor, client.site):
        raise ValidationError({"site": _("Select a site you work on.")})


@transaction.atomic
def create_client(*, actor: User, id=None, **fields: Any) -> Client:
    """``id``: the client's UUID when a device made it offline (erp.sync), else a new one.
    Without a ``language`` the client gets the site's (Site.language); existing clients keep
    theirs."""
    client = assign_fields(Client(id=id) if id else Client(), fields, CLIENT_FIELDS)
    if not fields.get("language") and client.site is not None:
        # no language chosen: the site's (a Swahili site's clients get Swahili SMS)
        client.language = client.site.language
    _apply_scope(actor, client)
    return validated_save(client, actor=actor)


@transaction.atomic
def update_client(*, actor: User, client: Client, **changes: Any) -> Client:
    assign_fields(client, changes, CLIENT_FIELDS)
    _apply_scope(actor, client)
    return validated_save(client, actor=actor)


@transaction.atomic
def delete_client(*, actor: User, client: Client) -> None:
    """Remove a client filed by mistake; one with purchases stays (the sales refer to it)."""
    if not actor.has_perm("clients.delete_client"):
        raise NotAllowed(_("You may not delete clients."))
    client._history_user = actor
    try:
        with transaction.atomic():
            client.delete()
    except ProtectedError:
        raise ValidationError(_("This client has purchases and cannot be deleted.")) from None


def normalize_phone(value) -> str:
    """A phone as E.164 ("0712 345 678" → "+255712345678" with the installation's default
    region); ValidationError on the phone field when it is not a valid number."""
    number = to_python(value)
    if number is None or not number.is_valid():
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    return number.as_e164


def client_by_phone(
    *, actor: User | None, phone, site, name: str = "", **fields: Any
) -> tuple[Client, bool]:
    """The one client of a person, found by phone (E.164) at any site, or registered now at
    ``site`` (owned by the registering agent): (client, created). Every way a client comes in
    (the POS, the portal, the field app's push, imports) goes through here.

    Safe when two sales for the same new phone run at once: the unique constraint on the
    phone lets one insert win; the other's insert fails, and it returns the winner's row.
    """
    phone = normalize_phone(phone)
    existing = Client.objects.filter(phone=phone).first()
    if existing is not None:
        return existing, False
    try:
        return create_client(actor=actor, site=site, phone=phone, name=name, **fields), True
    except ValidationError:
        existing = Client.objects.filter(phone=phone).first()  # registered meanwhile
        if existing is None:
            raise
        return existing, False


def extend_client_access(client_id, *, until) -> None:
    """Move a client's access expiry later (never earlier): at a sale, to the sale time plus
    the package's validity; at the first login, to the voucher's real expiry."""
    extend_clients_access({client_id: until})


def extend_clients_access(untils: dict) -> None:
    """`extend_client_access` for many clients in one UPDATE (a batch of sales): each client's
    expiry moves to its ``until`` if that is later; a client already past it is not touched."""
    if not untils:
        return
    if len(untils) == 1:
        ((client_id, until),) = untils.items()
        Client.objects.filter(pk=client_id).filter(
            Q(expires_at__isnull=True) | Q(expires_at__lt=until)
        ).update(expires_at=until)
        return
    until = Case(
        *(When(pk=pk, then=Value(value)) for pk, value in untils.items()),
        output_field=DateTimeField(),
    )
    Client.objects.filter(pk__in=list(untils)).filter(
        Q(expires_at__isnull=True) | Q(expires_at__lt=until)
    ).update(expires_at=until)
