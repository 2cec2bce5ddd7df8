"""Every write of the PortaBilling integration: settings, accounts for vouchers, blocks,
credits, the sync that reads accounts back, and the repair of what differs.

The voucher lifecycle stays the vouchers app's: an account is blocked when its voucher is
void (refunds void it) or expired, derived from the voucher's status here and nowhere else.
Nothing here is called inside a web request that waits on PortaBilling: the pages queue
tasks (erp.integrations.portabilling.tasks).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_variables

from erp.accounts.models import User
from erp.core.exceptions import NotAllowed
from erp.core.locks import held
from erp.core.services import assign_fields, validated_save
from erp.core.texts import Text, text_of
from erp.payments.models import Payment
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch, VoucherEvent

from .choices import BLOCKED_VOUCHER_STATUSES, AccountState, CreditState, LinkStatus
from .client import (
    PortaBillingClient,
    PortaError,
    PortaFault,
    PortaUnreachable,
)
from .models import PortaAccount, PortaBillingSite, PortaCredit

log = logging.getLogger(__name__)

SETTINGS_FIELDS = (
    "enabled",
    "api_url",
    "login",
    "verify_tls",
    "timeout_seconds",
    "parallel",
    "i_customer",
    "i_product",
    "i_account_role",
    "credit_online_payments",
)
TARGET_FIELDS = ("api_url", "login")
MAX_ATTEMPTS = 5  # faults on one account's create before it is marked refused
WINDOW = 200  # accounts sent between two progress writes
SYNC_LIMIT = 500  # accounts read per site per sync run


# --- settings -------------------------------------------------------------------------------
@sensitive_variables("password")
@transaction.atomic
def save_settings(
    *, actor: User, site: Any, password: str | None = None, **fields: Any
) -> PortaBillingSite:
    """Create or change a site's PortaBilling settings (Super Admin). The password is
    encrypted before it reaches the database; an empty one keeps the stored one, except when
    the address or login changes (the stored password must not be sent to a new address)."""
    if not actor.has_perm("portabilling.change_portabillingsite"):
        raise NotAllowed(_("Only a Super Admin may change PortaBilling settings."))
    config = PortaBillingSite.objects.filter(site=site).first() or PortaBillingSite(site=site)
    before = {name: getattr(config, name) for name in TARGET_FIELDS} if config.pk else {}
    was_enabled = config.enabled
    assign_fields(config, fields, SETTINGS_FIELDS)
    retargeted = any(getattr(config, n) != before.get(n) for n in TARGET_FIELDS)
    if password:
        config.set_password(password)
    elif not config.password_encrypted or retargeted:
        raise ValidationError(
            {"password": _("Give the PortaBilling password (again, when the address changes).")}
        )
    if config.enabled and not was_enabled:
        config.enabled_at = timezone.now()
    return validated_save(config, actor=actor)


def config_for_site(site_id: Any) -> PortaBillingSite | None:
    """The site's settings when PortaBilling is on for it, else None (the usual case)."""
    return PortaBillingSite.objects.filter(site_id=site_id, enabled=True).first()


def client_for(config: PortaBillingSite) -> PortaBillingClient:
    return PortaBillingClient(
        config.api_url,
        login=config.login,
        password=config.get_password(),
        timeout=float(config.timeout_seconds),
        verify_tls=config.verify_tls,
    )


def _note(config: PortaBillingSite, error: str = "", *, elapsed: float | None = None) -> None:
    """Record how the last talk with the server went (an update, no history row)."""
    fields: dict[str, Any] = {}
    if error:
        fields.update(status=LinkStatus.ERROR, last_error=error, last_error_at=timezone.now())
        log.warning("portabilling %s: %s", config.site_id, error)
    else:
        fields.update(status=LinkStatus.OK)
    if elapsed is not None:
        fields["last_call_ms"] = int(elapsed * 1000)
    PortaBillingSite.objects.filter(pk=config.pk).update(**fields)
    for name, value in fields.items():
        setattr(config, name, value)


def check_connection(config: PortaBillingSite) -> dict[str, Any]:
    """Log in and read the configured customer: proves address, login and i_customer."""
    client = client_for(config)
    started = time.monotonic()
    try:
        info = client.get_customer_info(config.i_customer)
    except PortaError as exc:
        _note(config, text_of(exc), elapsed=time.monotonic() - started)
        raise
    finally:
        client.close()
    _note(config, elapsed=time.monotonic() - started)
    return {"name": info["name"], "currency": info.get("iso_4217", "")}


# --- bounded parallel calls -----------------------------------------------------------------
class Workers:
    """``config.parallel`` threads sharing at most that many clients (one login each), kept
    for a whole run: a push of many windows logs in ``parallel`` times, not once a window."""

    def __init__(self, config: PortaBillingSite):
        self.config = config
        self._idle: queue.SimpleQueue[PortaBillingClient] = queue.SimpleQueue()
        self._made: list[PortaBillingClient] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, config.parallel), thread_name_prefix="portabilling"
        )

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pool.shutdown(wait=True)
        for client in self._made:
            client.close()

    def _take(self) -> PortaBillingClient:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            client = client_for(self.config)
            with self._lock:
                self._made.append(client)
            return client

    def map(
        self, items: list[Any], work: Callable[[PortaBillingClient, Any], Any]
    ) -> list[tuple[Any, Any, PortaError | None]]:
        """``work(client, item)`` for each item, ``parallel`` at a time. A server that cannot
        be reached stops the rest: the items not tried come back with that error (they are
        tried again next run)."""
        down: list[PortaError] = []

        def run(item: Any) -> tuple[Any, Any, PortaError | None]:
            if down:
                return item, None, down[0]
            client = self._take()
            try:
                return item, work(client, item), None
            except PortaUnreachable as exc:
                down.append(exc)
                return item, None, exc
            except PortaError as exc:
                return item, None, exc
            finally:
                self._idle.put(client)

        return list(self._pool.map(run, items))


@contextmanager
def _workers(config: PortaBillingSite, given: Workers | None) -> Iterator[Workers]:
    if given is not None:
        yield given
        return
    with Workers(config) as made:
        yield made


def _systemic(results: list[tuple[Any, Any, PortaError | None]]) -> PortaError | None:
    """The error that is the server's, not one account's (down, slow, HTML, bad login)."""
    for _item, _value, error in results:
        if error is not None and not isinstance(error, PortaFault):
            return error
    return None


# --- accounts for vouchers ------------------------------------------------------------------
def queue_batch(batch_id: Any) -> int:
    """Record one account to create per voucher of the batch, when its site is billed through
    PortaBilling (and the batch was decided after that was turned on); then queue the push.
    Idempotent: vouchers already recorded are skipped."""
    batch = VoucherBatch.objects.select_related("package").filter(pk=batch_id).first()
    if batch is None:
        return 0
    config = config_for_site(batch.site_id)
    if config is None:
        return 0
    decided = batch.decided_at or batch.created_at
    if config.enabled_at and decided < config.enabled_at:
        return 0
    price = batch.package.price
    vouchers = Voucher.objects.filter(batch_id=batch.pk).values_list("pk", flat=True)
    rows = [
        PortaAccount(voucher_id=pk, site_id=batch.site_id, batch_id=batch.pk, opening_balance=price)
        for pk in vouchers.iterator(chunk_size=5000)
    ]
    PortaAccount.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def queue_missed_batches(config: PortaBillingSite) -> int:
    """Batches in stock since the site was switched on whose accounts were never recorded
    (the in-stock announcement is not durable): the beat's safety net."""
    missing = VoucherBatch.objects.filter(site_id=config.site_id, status=BatchStatus.READY).exclude(
        Exists(PortaAccount.objects.filter(batch_id=OuterRef("pk")))
    )
    if config.enabled_at:
        missing = missing.filter(
            Q(decided_at__gte=config.enabled_at)
            | Q(decided_at__isnull=True, created_at__gte=config.enabled_at)
        )
    return sum(queue_batch(pk) for pk in missing.values_list("pk", flat=True)[:20])


def _batch_name(batch: VoucherBatch) -> str:
    return f"viornet-{str(batch.pk)[:8]}"


def push_accounts(
    config: PortaBillingSite, *, limit: int | None = None, workers: Workers | None = None
) -> dict[str, int]:
    """Create the site's pending accounts, ``config.parallel`` requests at a time, a window at
    a time (progress written after each). Resumable: an account whose create was sent before
    is looked up by its id first, so a lost answer never makes a second account."""
    done = {"created": 0, "refused": 0, "errors": 0}
    with held(f"portabilling-push:{config.site_id}") as mine, _workers(config, workers) as pool:
        if not mine:
            return done
        pending = (
            PortaAccount.objects.filter(site_id=config.site_id, state=AccountState.PENDING)
            .select_related("voucher", "batch")
            .order_by("pk")
        )
        last = 0  # keyset: each account is tried at most once per run
        while True:
            window = list(pending.filter(pk__gt=last)[:WINDOW])
            if limit is not None:
                window = window[: max(0, limit - sum(done.values()))]
            if not window:
                break
            last = window[-1].pk
            # Counted before sending: a worker killed mid-window leaves attempts > 0, and
            # the next run looks those accounts up before adding them.
            PortaAccount.objects.filter(pk__in=[a.pk for a in window]).update(
                attempts=F("attempts") + 1
            )

            def create(client: PortaBillingClient, account: PortaAccount) -> int:
                code = account.voucher.code
                if account.attempts > 0:
                    found = client.get_account_info(id=code)
                    if found is not None:
                        return found.i_account
                try:
                    return client.add_account(
                        id=code,
                        i_customer=config.i_customer,
                        i_product=config.i_product,
                        i_account_role=config.i_account_role,
                        batch_name=_batch_name(account.batch),
                        opening_balance=account.opening_balance,
                        password=account.voucher.password or code,
                    )
                except PortaFault as fault:
                    if "duplicate" not in fault.faultcode:
                        raise
                    found = client.get_account_info(id=code)
                    if found is None:
                        raise
                    return found.i_account

            started = time.monotonic()
            results = pool.map(window, create)
            changed = []
            for account, i_account, error in results:
                if i_account is not None:
                    account.i_account, account.state, account.last_error = (
                        i_account,
                        AccountState.CREATED,
                        "",
                    )
                    done["created"] += 1
                elif isinstance(error, PortaFault):
                    account.last_error = text_of(error)
                    if account.attempts + 1 >= MAX_ATTEMPTS:
                        account.state = AccountState.FAILED
                        done["refused"] += 1
                    else:
                        done["errors"] += 1
                else:
                    continue
                changed.append(account)
            PortaAccount.objects.bulk_update(
                changed, ["i_account", "state", "last_error"], batch_size=500
            )
            systemic = _systemic(results)
            _note(config, text_of(systemic) if systemic else "", elapsed=time.monotonic() - started)
            if systemic is not None:
                break  # the server is down or wrong: the rest waits for the next run
    return done


def batch_progress(batch_id: Any) -> dict[str, int]:
    """How many of the batch's accounts are created, waiting, refused."""
    counts = dict.fromkeys(AccountState.values, 0)
    for row in (
        PortaAccount.objects.filter(batch_id=batch_id)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["state"]] = row["n"]
    return counts


# --- blocks -----------------------------------------------------------------------------------
def _wants_blocked() -> Q:
    return Q(voucher__status__in=BLOCKED_VOUCHER_STATUSES)


def push_blocks(config: PortaBillingSite, *, workers: Workers | None = None) -> dict[str, int]:
    """Block the accounts of vouchers voided (refunds void them) or expired; unblock one whose
    voucher came back (a repair). Each call is idempotent: blocking twice is harmless."""
    created = PortaAccount.objects.filter(
        site_id=config.site_id, state=AccountState.CREATED
    ).select_related("voucher")
    due = list(created.filter(_wants_blocked(), blocked=False)[:WINDOW]) + list(
        created.filter(~_wants_blocked(), blocked=True)[:WINDOW]
    )
    if not due:
        return {"blocked": 0, "unblocked": 0, "errors": 0}

    def apply(client: PortaBillingClient, account: PortaAccount) -> bool:
        want = account.voucher.status in BLOCKED_VOUCHER_STATUSES
        client.set_blocked(account.i_account, want)
        return want

    started = time.monotonic()
    with _workers(config, workers) as pool:
        results = pool.map(due, apply)
    out = {"blocked": 0, "unblocked": 0, "errors": 0}
    changed = []
    for account, want, error in results:
        if error is not None:
            account.last_error = text_of(error)
            out["errors"] += 1
        else:
            account.blocked = want
            account.last_error = ""
            out["blocked" if want else "unblocked"] += 1
        changed.append(account)
    PortaAccount.objects.bulk_update(changed, ["blocked", "last_error"], batch_size=500)
    systemic = _systemic(results)
    _note(config, text_of(systemic) if systemic else "", elapsed=time.monotonic() - started)
    return out


# --- credits ----------------------------------------------------------------------------------
def credit_reference(payment_id: Any) -> str:
    return f"viornet-pay-{payment_id}"


def record_online_credit(*, payment_id: Any, voucher_id: Any) -> PortaCredit | None:
    """An online payment's voucher at a PortaBilling site that credits online payments: record
    the credit once (by payment); the caller queues apply_credit. Idempotent."""
    account = (
        PortaAccount.objects.select_related("voucher__package")
        .filter(voucher_id=voucher_id)
        .first()
    )
    if account is None:
        return None
    config = config_for_site(account.site_id)
    if config is None or not config.credit_online_payments:
        return None

    amount = Payment.objects.filter(pk=payment_id).values_list("amount", flat=True).first()
    if amount is None:
        return None
    credit, _created = PortaCredit.objects.get_or_create(
        payment_id=payment_id,
        defaults={
            "account": account,
            "reference": credit_reference(payment_id),
            "amount": amount,
        },
    )
    return credit


def apply_credit(credit_id: Any) -> PortaCredit:
    """Put the credit on the account at most once.

    PortaBilling answers a transient failure and a failure after it applied the payment alike
    (HTTP 500, or no answer). So the attempt is counted before the call, and any credit with
    an earlier attempt is first looked for on the account by our reference: found, it is
    marked credited without a second call."""
    with held(f"portabilling-credit:{credit_id}") as mine:
        credit = PortaCredit.objects.select_related("account").get(pk=credit_id)
        if not mine or credit.state != CreditState.PENDING:
            return credit
        account = credit.account
        config = config_for_site(account.site_id)
        if config is None or account.i_account is None:
            return credit  # the account is not created yet: the beat tries again
        client = client_for(config)
        try:
            if credit.attempts > 0:
                found = client.find_transaction(
                    i_account=account.i_account,
                    reference=credit.reference,
                    since=credit.created_at - timedelta(hours=1),
                )
                if found is not None:
                    return _credited(
                        credit,
                        note=Text(gettext_noop("found on the account after a failed answer")),
                    )
            PortaCredit.objects.filter(pk=credit.pk).update(attempts=F("attempts") + 1)
            credit.attempts += 1
            client.make_transaction(
                i_account=account.i_account, amount=credit.amount, reference=credit.reference
            )
        except PortaFault as fault:
            refused = fault.faultcode.startswith("Client.")
            _credit_failed(credit, text_of(fault), refused=refused)
            return credit
        except PortaError as exc:
            _note(config, text_of(exc))
            _credit_failed(credit, text_of(exc), refused=False)
            return credit
        finally:
            client.close()
        return _credited(credit)


def _credited(credit: PortaCredit, note: str = "") -> PortaCredit:
    credit.state = CreditState.APPLIED
    credit.applied_at = timezone.now()
    credit.last_error = note
    credit.save(update_fields=["state", "applied_at", "last_error"])
    return credit


def _credit_failed(credit: PortaCredit, error: str, *, refused: bool) -> None:
    credit.last_error = error
    # A validation fault ("Client.…") was refused before anything was applied: not retried.
    if refused:
        credit.state = CreditState.FAILED
    credit.save(update_fields=["state", "last_error"])
    log.warning("portabilling credit %s: %s", credit.reference, error)


def retry_credits(config: PortaBillingSite) -> int:
    pending = PortaCredit.objects.filter(
        account__site_id=config.site_id,
        state=CreditState.PENDING,
        account__i_account__isnull=False,
    ).values_list("pk", flat=True)[:100]
    return sum(1 for pk in pending if apply_credit(pk).state == CreditState.APPLIED)


# --- sync: read back, compare, repair ----------------------------------------------------------
def _changed(config: PortaBillingSite) -> Iterable[PortaAccount]:
    """Accounts to read: never read, or whose voucher or credits moved since the last read;
    then the longest unread, up to SYNC_LIMIT."""
    created = PortaAccount.objects.filter(
        site_id=config.site_id, state=AccountState.CREATED
    ).select_related("voucher")
    moved = (
        Q(checked_at__isnull=True)
        | Exists(
            VoucherEvent.objects.filter(
                voucher_id=OuterRef("voucher_id"), at__gt=OuterRef("checked_at")
            )
        )
        | Exists(
            PortaCredit.objects.filter(
                account_id=OuterRef("pk"), applied_at__gt=OuterRef("checked_at")
            )
        )
    )
    first = list(created.filter(moved).order_by("pk")[:SYNC_LIMIT])
    room = SYNC_LIMIT - len(first)
    if room > 0:
        first += list(
            created.exclude(pk__in=[a.pk for a in first]).order_by("checked_at", "pk")[:room]
        )
    return first


def _expected_most(account: PortaAccount) -> Decimal:
    credited = account.credits.filter(state=CreditState.APPLIED).aggregate(s=Sum("amount"))["s"]
    return account.opening_balance + (credited or Decimal(0))


def differences(account: PortaAccount, info: Any, config: PortaBillingSite) -> list[dict]:
    """Our state against PortaBilling's for one account (``info`` None: no such account)."""
    if info is None:
        return [{"field": "account", "ours": str(account.i_account), "theirs": "missing"}]
    found = []
    want_blocked = account.voucher.status in BLOCKED_VOUCHER_STATUSES
    if info.blocked != want_blocked:
        found.append(
            {
                "field": "blocked",
                "ours": "Y" if want_blocked else "N",
                "theirs": "Y" if info.blocked else "N",
            }
        )
    most = _expected_most(account)
    if info.balance > most:
        # More money than we ever put there (a double credit?): a person looks; no auto-repair.
        found.append({"field": "balance", "ours": f"≤ {most}", "theirs": str(info.balance)})
    if info.i_product is not None and info.i_product != config.i_product:
        found.append(
            {"field": "product", "ours": str(config.i_product), "theirs": str(info.i_product)}
        )
    return found


def sync_site(config: PortaBillingSite, *, workers: Workers | None = None) -> dict[str, int]:
    """Read the changed accounts back (bounded parallel), record balance, blocked and the
    differences. A server that fails stops the run; the accounts not read stay due."""
    accounts = list(_changed(config))

    def read(client: PortaBillingClient, account: PortaAccount):
        return client.get_account_info(i_account=account.i_account)

    started = time.monotonic()
    results = []
    if accounts:
        with _workers(config, workers) as pool:
            results = pool.map(accounts, read)
    now = timezone.now()
    changed, read_count, differing = [], 0, 0
    for account, info, error in results:
        if error is not None:
            account.last_error = text_of(error)
            changed.append(account)
            continue
        read_count += 1
        account.differences = differences(account, info, config)
        differing += bool(account.differences)
        if info is not None:
            account.remote_blocked, account.remote_balance = info.blocked, info.balance
        account.checked_at, account.last_error = now, ""
        changed.append(account)
    PortaAccount.objects.bulk_update(
        changed,
        ["differences", "remote_blocked", "remote_balance", "checked_at", "last_error"],
        batch_size=500,
    )
    systemic = _systemic(results)
    _note(config, text_of(systemic) if systemic else "", elapsed=time.monotonic() - started)
    PortaBillingSite.objects.filter(pk=config.pk).update(
        last_sync_at=now, last_sync_checked=read_count
    )
    return {"read": read_count, "differing": differing, "errors": len(results) - read_count}


@transaction.atomic
def repair_site(*, actor: User | None, config: PortaBillingSite) -> dict[str, int]:
    """Make PortaBilling match us where it may: a wrong block is pushed again, a missing
    account is created again (by the push the caller queues next). A balance above what we
    put there is listed for a person, never changed here."""
    if actor is not None and not actor.has_perm("portabilling.operate_portabilling"):
        raise NotAllowed(_("You may not repair PortaBilling accounts."))
    differing = PortaAccount.objects.filter(site_id=config.site_id).exclude(differences=[])
    fixed = {"blocks": 0, "recreated": 0}
    for account in differing.select_related("voucher"):
        fields = {d["field"] for d in account.differences}
        if "account" in fields:
            account.state, account.i_account, account.attempts = AccountState.PENDING, None, 0
            fixed["recreated"] += 1
        if "blocked" in fields:
            # our flag follows theirs: push_blocks then sends what the voucher wants
            account.blocked = account.remote_blocked is True
            fixed["blocks"] += 1
        account.differences = [d for d in account.differences if d["field"] == "balance"]
        account.save(update_fields=["state", "i_account", "attempts", "blocked", "differences"])
    log.info("portabilling %s repair by %s: %s", config.site_id, actor, fixed)
    return fixed


def run_site(config: PortaBillingSite) -> dict[str, Any]:
    """One beat run for a site: catch up missed batches, create, block, credit, read back."""
    out: dict[str, Any] = {"queued": queue_missed_batches(config)}
    with Workers(config) as workers:  # one set of logins for the whole run
        out["push"] = push_accounts(config, workers=workers)
        out["blocks"] = push_blocks(config, workers=workers)
        out["credits"] = retry_credits(config)
        out["sync"] = sync_site(config, workers=workers)
    return out
