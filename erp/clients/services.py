"""Every write to clients."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, ProtectedError, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.core.services import (
    assign_fields,
    insert_history,
    insert_rows,
    update_rows,
    validated_save,
)
from erp.sites.models import Site
from erp.sites.selectors import site_is_visible_to, sites_visible_to

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


def _checked_prefix(actor: User | None, clients: list[Client]) -> list[Client]:
    """The longest prefix of ``clients`` that `_apply_scope` and ``full_clean`` accept, scoped
    as `_apply_scope` scopes them. What ``full_clean`` would ask once per client is asked once
    for the run: the site's and the agent's existence (with the sites' scope, one query each),
    the id's and phone's uniqueness (the callers' query)."""
    if actor is not None:
        for client in clients:
            if actor.is_agent:
                client.agent = actor
    site_ids = {c.site_id for c in clients if c.site_id}
    sites = sites_visible_to(actor) if actor is not None else Site.objects.all()
    known_sites = (
        set(sites.filter(pk__in=site_ids).values_list("pk", flat=True)) if site_ids else set()
    )
    agent_ids = {c.agent_id for c in clients if c.agent_id} - {getattr(actor, "pk", None)}
    known_agents = {getattr(actor, "pk", None)}
    if agent_ids:
        known_agents |= set(User.objects.filter(pk__in=agent_ids).values_list("pk", flat=True))
    accepted = []
    for client in clients:
        if client.site_id not in known_sites:
            break  # no site, or not the actor's, or gone: one by one says which
        if client.agent_id is not None and client.agent_id not in known_agents:
            break
        try:
            client.full_clean(
                exclude=["site", "agent"], validate_unique=False, validate_constraints=False
            )
        except ValidationError:
            break
        accepted.append(client)
    return accepted


def _e164(phone) -> str:
    return phone.as_e164 if hasattr(phone, "as_e164") else str(phone)


def create_clients_many(*, actor: User | None, clients: list[dict[str, Any]]) -> list[Client]:
    """`create_client` for a run of clients (each a dict of its keyword arguments, ``id``
    included), with set-based statements: one query for the ids and phones already taken,
    one INSERT for the clients, one for their history rows. The change feed's trigger fires
    per row as for one insert.

    Why: a client made offline and pushed by the field app cost ~10 statements one by one
    (the scope's site, the id's and the phone's unique checks, savepoints, the insert, its
    history row); a week's queue is 30 % client operations.

    Returns the clients created, for the longest prefix that `create_client` called once per
    item would certainly create: it stops before the first item that would be refused (scope,
    validation), whose id or phone is taken, or whose id or phone an earlier item of the run
    has; the caller applies that one through `create_client` (which gives the exact error)
    and calls again with the rest. Call it inside a transaction: an IntegrityError (the same
    phone inserted at the same moment elsewhere) is raised, for the caller's savepoint to undo
    the run and apply it one by one."""
    built = []
    for item in clients:
        fields = dict(item)
        record_id = fields.pop("id", None)
        built.append(
            assign_fields(Client(id=record_id) if record_id else Client(), fields, CLIENT_FIELDS)
        )
    checked = _checked_prefix(actor, built)
    if not checked:
        return []
    ids = {c.pk for c in checked}
    phones = {_e164(c.phone) for c in checked}
    taken_ids, taken_phones = set(), set()
    for pk, phone in Client.objects.filter(Q(pk__in=ids) | Q(phone__in=phones)).values_list(
        "pk", "phone"
    ):
        taken_ids.add(pk)
        taken_phones.add(_e164(phone))
    accepted = []
    for client in checked:
        phone = _e164(client.phone)
        if client.pk in taken_ids or phone in taken_phones:
            break
        taken_ids.add(client.pk)
        taken_phones.add(phone)
        accepted.append(client)
    if accepted:
        insert_rows(accepted)
        insert_history(accepted, user=actor)
    return accepted


# Every column a save writes (`update_client` saves the whole row).
_SAVED = [
    f.name
    for f in Client._meta.concrete_fields
    if not f.primary_key and f.name not in ("created_at",)
]


def update_clients_many(
    *, actor: User | None, changes: list[tuple[Client, dict[str, Any]]]
) -> list[Client]:
    """`update_client` for a run of (client, changes), the clients read and locked by the
    caller (SELECT … FOR UPDATE, one query for the run): one query for the new phones' owners
    (only when a phone changes), one UPDATE for the rows (``UPDATE … FROM unnest``), one INSERT
    for their history rows. The feed's trigger fires per row as for one save.

    Returns the clients updated, for the longest prefix that `update_client` called once per
    item would certainly accept: it stops before an item that would be refused, that names a
    client an earlier item of the run changed, or whose new phone another client holds (or
    another item of the run takes); the caller applies that one through `update_client` and
    calls again with the rest. Call it inside a transaction (as `create_clients_many`)."""
    seen: set = set()
    run = []
    for client, fields in changes:
        if client.pk in seen:
            break
        seen.add(client.pk)
        run.append((client, _e164(client.phone), fields))
    clients = [assign_fields(client, fields, CLIENT_FIELDS) for client, _old, fields in run]
    checked = _checked_prefix(actor, clients)
    moved = {
        _e164(client.phone): client.pk
        for client, (_c, old, _f) in zip(checked, run, strict=False)
        if _e164(client.phone) != old
    }
    held = {}
    if moved:
        held = {
            _e164(phone): pk
            for pk, phone in Client.objects.filter(phone__in=list(moved)).values_list("pk", "phone")
        }
    accepted = []
    for client, (_c, old, _f) in zip(checked, run, strict=False):
        phone = _e164(client.phone)
        if phone != old:
            if held.get(phone, client.pk) != client.pk:
                break
            held[phone] = client.pk
        accepted.append(client)
    if not accepted:
        return []
    now = timezone.now()
    for client in accepted:
        client.updated_at = now
        client._history_user = actor
    update_rows(accepted, _SAVED)
    insert_history(accepted, user=actor, kind="~", reason="")
    return accepted


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
