"""Fill the database with realistic synthetic data at a chosen scale, with COPY (PostgreSQL).

Scale 1.0 is the design's target: 1,000 sites, 5,000 agents, 1,000,000 clients, 10,000,000
vouchers of which about 70 % sold over two years (a growth trend, a yearly swell, a weekly and a
daily rhythm, sites and agents of very different sizes), 1 % of sales refunded, weekly
remittances per agent, monthly expenses per site, equipment per site (about 5,000 assets) and
two days of router samples. The rollups are rebuilt at the end.

Why it is quick (scale 1.0 in minutes, not the 45 minutes a row-at-a-time loop took):

- Every random column is drawn at once with numpy; rows are never built one by one in Python.
- Rows go to PostgreSQL as *binary* COPY built from numpy structured arrays (one per group of
  rows whose NULLs and text lengths agree): no text formatting here, no text parsing of
  timestamps, UUIDs or numbers in the server. Money is sent as a fixed-width numeric (four
  base-10000 digits, leading zeros allowed, which the server normalises).
- While loading, the big tables' secondary indexes, and their primary keys and unique
  constraints that no foreign key depends on, are dropped and rebuilt afterwards by one sort
  each, as pg_restore does; foreign-key triggers are off (``session_replication_role =
  replica``, superuser only; otherwise they stay on): the data is generated consistent. The
  rollups are rebuilt before the indexes come back (a GROUP BY scan needs none). It is all one
  transaction: a failed run leaves nothing.

Realism: voucher codes are random over the app's alphabet (``erp.vouchers.choices.ALPHABET``,
default length), unique in the run, one symbol longer than any code already stored so that a
second run cannot collide; ids follow creation time. Stock is refilled in monthly batches per
agent and package; sold vouchers were made days before their sale (agents sell their oldest
stock first), so unsold stock is mostly recent (days to weeks, a thin older tail). Sold
vouchers are activated minutes after the sale and are active or expired by their validity; a
refunded sale's voucher is void from the refund on, as ``refund_sale`` leaves it. Receipt
numbers run 1..n per site in time order; 3 % of sales carry a discount, 35 % are mobile money,
45 % name a client of the site (whose first purchase is the client's creation). Each agent
remits each week what the week's sales owe (sales − refunds − commission), sometimes short,
sometimes late, received by a bench Finance user. Sites pay bandwidth, power and (most) rent
every month plus occasional repairs, equipment and transport; the head office pays salaries;
expenses above EXPENSE_APPROVAL_THRESHOLD were decided by a second Finance user (a few
rejected, the most recent still pending), smaller ones approved at once, as
``record_expense`` does.

Not written, on purpose: history rows of the bulk records (sales, refunds, remittances,
expenses, batches) and voucher events — load data, not an audit trail; hotspot users. With
``trail=True`` (bench/pos_sales.py, where ``sell`` works among them) the run's sales get their
history row, a 'sold' event (and 'voided' for a refund) and every voucher its hotspot user
(synced: on the router, so unsold stock is for sale), derived in the database by
``INSERT … SELECT``. ``sites``, ``agents``, ``vouchers`` and ``clients`` override the counts
the scale gives.

    DATABASE_URL=postgres://... python bench/generate.py --scale 0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

FULL = {"sites": 1000, "agents": 5000, "clients": 1_000_000, "vouchers": 10_000_000}
# name, price (TZS), validity (seconds), share of vouchers
PACKAGES = (
    ("G 1 Hour", 500, 3600, 40),
    ("G 1 Day", 1000, 86400, 35),
    ("G 1 Week", 5000, 7 * 86400, 18),
    ("G 1 Month", 15000, 30 * 86400, 7),
)
SOLD_SHARE = 0.7
REFUND_SHARE = 0.01
DISCOUNT_SHARE = 0.03
MOBILE_SHARE = 0.35
CLIENT_SHARE = 0.45
COMMISSION = 0.075
DAYS = 730
CHUNK = 500_000  # rows per COPY block: large enough to amortise, small enough for memory
# sales per local hour of the day (people buy on the way to work and in the evening)
HOURS = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.2, 0.6, 1.0, 1.1, 1.0, 0.9, 0.9]
    + [1.0, 1.0, 0.9, 0.9, 1.0, 1.3, 1.6, 1.8, 1.7, 1.4, 0.9, 0.5]
)
BIG_TABLES = (
    "vouchers_voucher",
    "vouchers_voucherbatch",
    "sales_sale",
    "sales_refund",
    "sales_remittance",
    "clients_client",
    "finance_expense",
    "mikrotik_routersample",
)
US = 1_000_000
PG_EPOCH_US = 946_684_800 * US  # 2000-01-01 UTC, the zero of PostgreSQL's binary timestamps
PG_EPOCH_DAY = 10_957  # the same in days since 1970-01-01
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
TRAILER = b"\xff\xff"
MONEY = np.dtype([("nd", ">i2"), ("w", ">i2"), ("sg", ">i2"), ("ds", ">i2"), ("dg", ">i2", (4,))])


# --- binary COPY from numpy ---------------------------------------------------------------------
@dataclass
class Col:
    """One column of a binary COPY.

    ``get(rows)`` returns the values of those rows as a numpy array of fixed item size, already
    in the wire format (big-endian integers, 16-byte UUIDs, fixed-width bytes). ``null`` marks
    NULL rows, ``empty`` rows holding an empty string; ``cat`` is a text column given as an
    index per row into a few constant values (status, method, payee). Rows are grouped by these
    so that every group has one fixed layout.
    """

    name: str
    get: Callable[[np.ndarray], np.ndarray] | None = None
    null: np.ndarray | None = None
    empty: np.ndarray | None = None
    cat: tuple[np.ndarray, list[bytes]] | None = None


def i8(name, a):
    return Col(name, lambda r: a[r].astype(">i8"))


def i4(name, a):
    return Col(name, lambda r: a[r].astype(">i4"))


def i2(name, a):
    return Col(name, lambda r: a[r].astype(">i2"))


def flag(name, a):
    return Col(name, lambda r: a[r].astype("u1"))


def ts(name, us, null=None):
    """A timestamptz from microseconds since 1970 (UTC)."""
    return Col(name, lambda r: (us[r] - PG_EPOCH_US).astype(">i8"), null=null)


def day(name, days):
    """A date from days since 1970-01-01."""
    return Col(name, lambda r: (days[r] - PG_EPOCH_DAY).astype(">i4"))


def ref(name, table, idx, null=None):
    """A UUID looked up in ``table`` (16-byte items) by index."""
    return Col(name, lambda r: table[idx[r]], null=null)


def money(name, cents):
    """numeric(14,2) from integer cents: ndigits 4, weight 2, dscale 2, digits may lead with 0."""

    def get(r):
        c = cents[r]
        units, frac = np.divmod(c, 100)
        out = np.zeros(len(r), MONEY)
        out["nd"], out["w"], out["ds"] = 4, 2, 2
        out["dg"] = np.stack(
            [units // 10**8, (units // 10**4) % 10**4, units % 10**4, frac * 100], axis=1
        )
        return out.view("V16")

    return Col(name, get)


def text(name, values, empty=None):
    """Fixed-width bytes (an 'S<n>' array); ``empty`` rows send '' instead."""
    return Col(name, lambda r: values[r], empty=empty)


def cat(name, idx, choices):
    return Col(name, cat=(idx, [c if c is None else c.encode() for c in choices]))


def const(name, value):
    return cat(name, None, [value])


def _group_key(cols: list[Col], n: int) -> np.ndarray:
    key = np.zeros(n, np.int64)
    for c in cols:
        if c.null is not None:
            key = key * 2 + c.null
        if c.empty is not None:
            key = key * 2 + c.empty
        if c.cat is not None and c.cat[0] is not None:
            key = key * len(c.cat[1]) + c.cat[0]
    return key


def _pack(cols: list[Col], rows: np.ndarray) -> bytes:
    """The binary COPY tuples of ``rows``, all of one layout (the caller grouped them)."""
    first = rows[0]
    fields = [("n", ">i2")]
    values = {}
    for k, c in enumerate(cols):
        fields.append((f"l{k}", ">i4"))
        if c.null is not None and c.null[first]:
            values[f"l{k}"] = -1
            continue
        if c.empty is not None and c.empty[first]:
            values[f"l{k}"] = 0
            continue
        if c.cat is not None:
            idx, choices = c.cat
            value = choices[0 if idx is None else idx[first]]
            if value is None:
                values[f"l{k}"] = -1
                continue
            values[f"l{k}"] = len(value)
            if value:
                fields.append((f"v{k}", f"S{len(value)}"))
                values[f"v{k}"] = value
            continue
        data = c.get(rows)
        fields.append((f"v{k}", data.dtype))
        values[f"l{k}"] = data.dtype.itemsize
        values[f"v{k}"] = data
    out = np.empty(len(rows), np.dtype(fields))
    out["n"] = len(cols)
    for name, value in values.items():
        out[name] = value
    return out.tobytes()


def copy_binary(cursor, table: str, cols: list[Col], n: int) -> int:
    """COPY n rows, CHUNK at a time in their given order; within a chunk grouped by layout."""
    if n == 0:
        return 0
    key = _group_key(cols, n)
    names = ", ".join(c.name for c in cols)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(SIGNATURE)
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            order = np.argsort(key[start:stop], kind="stable") + start
            k = key[order]
            bounds = np.flatnonzero(np.diff(k)) + 1
            for part in np.split(order, bounds):
                copy.write(_pack(cols, part))
        copy.write(TRAILER)
    return n


# --- random values --------------------------------------------------------------------------------


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUIDs as 16-byte items."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    return np.ascontiguousarray(b).view("V16").ravel()


def uuid_table(ids) -> np.ndarray:
    return np.frombuffer(b"".join(uuid.UUID(str(i)).bytes for i in ids), dtype="V16")


def symbols(rng: np.random.Generator, n: int, length: int, alphabet: bytes) -> np.ndarray:
    """n random strings of ``length`` symbols of ``alphabet``, as 'S<length>'."""
    table = np.frombuffer(alphabet, np.uint8)
    idx = rng.integers(0, len(table), size=(n, length), dtype=np.uint8)
    return np.ascontiguousarray(table[idx]).view(f"S{length}").ravel()


def unique_codes(rng: np.random.Generator, n: int, length: int, alphabet: str) -> np.ndarray:
    """n distinct codes over ``alphabet``: the last 11 symbols are a distinct random number
    below 31**11 (redrawn where a number repeats), written in the alphabet; longer codes get
    extra random symbols in front."""
    base = len(alphabet)
    low = min(length, 11)
    top = base**low
    x = rng.integers(0, top, size=n, dtype=np.int64)
    while True:
        order = np.argsort(x, kind="stable")
        dup = order[1:][x[order][1:] == x[order][:-1]]
        if len(dup) == 0:
            break
        x[dup] = rng.integers(0, top, size=len(dup), dtype=np.int64)
    digits = np.empty((n, low), np.uint8)
    for pos in range(low - 1, -1, -1):
        x, d = np.divmod(x, base)
        digits[:, pos] = d
    table = np.frombuffer(alphabet.encode(), np.uint8)
    chars = table[digits]
    if length > low:
        head = rng.integers(0, base, size=(n, length - low), dtype=np.uint8)
        chars = np.concatenate([table[head], chars], axis=1)
    return np.ascontiguousarray(chars).view(f"S{length}").ravel()


def choice(rng, weights, n):
    p = np.asarray(weights, np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


# --- loading ----------------------------------------------------------------------------------
def _drop_indexes(cursor, tables, *, keys: bool = True) -> list[str]:
    """Drop what makes a bulk load slow and return the statements that put it back.

    Every index of ``tables`` that backs no constraint (as pg_restore creates them after the
    data), and with ``keys`` every primary key or unique constraint that no foreign key depends
    on (re-adding it builds its index by one sort and checks uniqueness then, instead of
    millions of random b-tree inserts). Keys that foreign keys reference stay.
    """
    cursor.execute(
        """
        SELECT format('DROP INDEX %%I', c.relname), pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        UNION ALL
        SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', k.conrelid::regclass, k.conname),
               format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', k.conrelid::regclass, k.conname,
                      pg_get_constraintdef(k.oid))
        FROM pg_constraint k
        WHERE %s AND k.conrelid = ANY(%s::regclass[]) AND k.contype IN ('p', 'u')
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid
          )
        """,
        [list(tables), keys, list(tables)],
    )
    statements = cursor.fetchall()
    for drop, _restore in statements:
        cursor.execute(drop)
    return [restore for _drop, restore in statements]


def _fast_load_settings(cursor) -> bool:
    """Session settings for the load transaction. FK triggers off only where allowed
    (superuser); a refused SET is rolled back to its savepoint and the load goes on with them."""
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SAVEPOINT bench_replica")
    try:
        cursor.execute("SET LOCAL session_replication_role = replica")
    except Exception:  # noqa: BLE001 - not superuser: keep the checks
        cursor.execute("ROLLBACK TO SAVEPOINT bench_replica")
        return False
    cursor.execute("RELEASE SAVEPOINT bench_replica")
    return True


def _equipment(rng, sites, tag: str) -> int:
    """Equipment per site (a router, one to four access points, a switch at half the sites, a
    UPS at a third), with purchase costs in TZS, 3 % in repair at their site; in the store 2 %
    spare without a site, and 2 % retired (no site) that the inventory value must leave out."""
    from erp.assets.choices import AssetCondition, AssetStatus
    from erp.assets.models import Asset, AssetType

    types = {t.code: t for t in AssetType.objects.all()}
    # (type code, TZS low, high, share of sites that have one, how many at most)
    kit = [("router", 120_000, 450_000, 1.0, 1), ("access-point", 60_000, 250_000, 1.0, 4)]
    kit += [("switch", 40_000, 180_000, 0.5, 1), ("ups", 90_000, 300_000, 0.33, 1)]
    rows = []
    for code, low, high, share, most in kit:
        for site in sites:
            if rng.random() >= share:
                continue
            for _ in range(int(rng.integers(1, most + 1))):
                rows.append((types[code], site, int(rng.integers(low, high)) // 500 * 500))
    assets = []
    for i, (kind, site, cost) in enumerate(rows):
        spare, retired = rng.random() < 0.02, rng.random() < 0.02
        status = (
            AssetStatus.RETIRED
            if retired
            else AssetStatus.IN_STOCK
            if spare
            else AssetStatus.IN_REPAIR
            if rng.random() < 0.03
            else AssetStatus.DEPLOYED
        )
        assets.append(
            Asset(
                asset_type=kind,
                serial_number=f"G{tag}-{i:07d}",
                vendor="MikroTik" if kind.code in ("router", "access-point") else "Generic",
                purchase_cost=Decimal(cost),
                condition=AssetCondition.FAULTY
                if status == AssetStatus.IN_REPAIR
                else AssetCondition.GOOD,
                status=status,
                site=None if spare or retired else site,
            )
        )
    Asset.objects.bulk_create(assets, batch_size=5000)
    return len(assets)


def _trail(cursor, site_codes: str) -> None:
    """What the services write beside each sale, for the rows of the sites whose code is LIKE
    ``site_codes``: the sale's history row, its voucher's 'sold' event (and 'voided' for a
    refund), and every voucher's hotspot user, synced (on the router)."""
    cursor.execute(
        "INSERT INTO sales_historicalsale (id, created_at, updated_at, price, discount,"
        " amount, commission, payment_method, payment_reference, receipt_number,"
        " idempotency_key, sold_at, history_date, history_type, client_id,"
        " history_user_id, package_id, seller_id, site_id, voucher_id)"
        " SELECT id, created_at, updated_at, price, discount, amount, commission,"
        " payment_method, payment_reference, receipt_number, idempotency_key, sold_at,"
        " created_at, '+', client_id, seller_id, package_id, seller_id, site_id, voucher_id"
        " FROM sales_sale WHERE site_id IN (SELECT id FROM sites_site WHERE code LIKE %s)",
        [site_codes],
    )
    cursor.execute(
        "INSERT INTO vouchers_voucherevent (kind, at, note, actor_id, voucher_id)"
        " SELECT 'sold', sold_at, 'receipt ' || receipt_number, seller_id, voucher_id"
        " FROM sales_sale WHERE site_id IN (SELECT id FROM sites_site WHERE code LIKE %s)",
        [site_codes],
    )
    cursor.execute(
        "INSERT INTO vouchers_voucherevent (kind, at, note, actor_id, voucher_id)"
        " SELECT 'voided', r.refunded_at, 'refund: ' || r.reason, r.refunded_by_id, s.voucher_id"
        " FROM sales_refund r JOIN sales_sale s ON s.id = r.sale_id"
        " WHERE s.site_id IN (SELECT id FROM sites_site WHERE code LIKE %s)",
        [site_codes],
    )
    cursor.execute(
        "INSERT INTO mikrotik_hotspotuser (name, password, profile, disabled, removed,"
        " comment, router_item_id, sync_state, last_error, uptime_seconds, bytes_in,"
        " bytes_out, created_at, router_id)"
        " SELECT v.code, v.code, hp.name, v.status IN ('expired', 'void'), false,"
        " CASE WHEN v.status = 'unused' THEN '' ELSE 'sold' END, '*' || to_hex(v.id),"
        " 'synced', '', 0, 0, 0, v.created_at, v.router_id"
        " FROM vouchers_voucher v JOIN vouchers_package p ON p.id = v.package_id"
        " JOIN mikrotik_hotspotprofile hp ON hp.id = p.profile_id"
        " WHERE v.site_id IN (SELECT id FROM sites_site WHERE code LIKE %s)",
        [site_codes],
    )
    for table in ("sales_historicalsale", "vouchers_voucherevent", "mikrotik_hotspotuser"):
        cursor.execute(f"ANALYZE {table}")


def run(
    scale: float = 1.0,
    *,
    seed: int = 20261121,
    days: int = DAYS,
    quiet: bool = False,
    sites: int | None = None,
    agents: int | None = None,
    vouchers: int | None = None,
    clients: int | None = None,
    trail: bool = False,
) -> dict:
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from analytics import rollups
    from erp.accounts.models import User
    from erp.accounts.roles import Role
    from erp.core.crypto import encrypt
    from erp.finance.choices import ExpenseCategory, ExpenseStatus
    from erp.sales.models import ReceiptCounter
    from erp.sites.models import Router, Site
    from erp.vouchers import services as voucher_services
    from erp.vouchers.choices import (
        ALPHABET,
        DEFAULT_CODE_LENGTH,
        MAX_BATCH,
        BatchStatus,
        CodeFormat,
        VoucherStatus,
    )
    from erp.vouchers.models import Package

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL (COPY)")
    counts = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    given = {"sites": sites, "agents": agents, "vouchers": vouchers, "clients": clients}
    counts |= {k: v for k, v in given.items() if v is not None}
    counts["agents"] = max(counts["agents"], counts["sites"])
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = timezone.now()
    now_us = int(now.timestamp() * US)
    tz = timezone.get_current_timezone()
    tag = uuid.uuid4().hex[:6].upper()
    # the tag is random: a second run adds rows, never repeats ids
    rng = np.random.default_rng([seed, int(tag, 16)])

    def lap(name):
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 2)
        if not quiet:
            print(f"{name:>10}: {timings[name]:7.2f} s", flush=True)

    n_sites, n_agents, n_vouchers = counts["sites"], counts["agents"], counts["vouchers"]
    n_pkg = len(PACKAGES)
    today = timezone.localdate()
    start_day = today - dt.timedelta(days=days)
    # local midnights (UTC microseconds) from a week before the period to ten days after today
    pad = 7

    def midnight(d: dt.date) -> int:
        return int(dt.datetime.combine(d, dt.time.min, tzinfo=tz).timestamp()) * US

    midnights = np.array(
        [midnight(start_day + dt.timedelta(days=i)) for i in range(-pad, days + 12)], np.int64
    )

    def at_day(i):
        return midnights[np.asarray(i) + pad]

    day_index = np.arange(days)
    weekday = (start_day.weekday() + day_index) % 7
    day_w = (
        (0.4 + 0.6 * day_index / days)  # growth
        * (1 + 0.1 * np.sin(2 * np.pi * day_index / 365.25))  # seasons
        * np.where(np.isin(weekday, (4, 5)), 1.3, 1.0)  # Fridays and Saturdays
    )

    # --- who: sites, agents, packages (weights drawn first, rows written below) -------------------
    site_w = rng.lognormal(0, 0.8, n_sites)
    agent_site = np.arange(n_agents) % n_sites
    agent_w = site_w[agent_site] * rng.lognormal(0, 0.5, n_agents)
    price_c = np.array([p[1] * 100 for p in PACKAGES], np.int64)
    validity_us = np.array([p[2] * US for p in PACKAGES], np.int64)

    # --- vouchers: made when, sold when, by whom ------------------------------------------------
    agent = choice(rng, agent_w, n_vouchers).astype(np.int32)
    pkg = choice(rng, [p[3] for p in PACKAGES], n_vouchers).astype(np.int8)
    is_sold = rng.random(n_vouchers) < SOLD_SHARE
    n_sold = int(is_sold.sum())
    sold_day = choice(rng, day_w, n_sold)
    sold_us = np.zeros(n_vouchers, np.int64)
    sold_us[is_sold] = (
        at_day(sold_day)
        + choice(rng, HOURS, n_sold) * 3600 * US
        + rng.integers(0, 3600 * US, n_sold)
    )
    made_us = np.empty(n_vouchers, np.int64)
    # sold stock was made a few days before its sale (at least two hours)
    lag = np.minimum(rng.exponential(5 * 86400, n_sold), 90 * 86400) + 7200
    made_us[is_sold] = sold_us[is_sold] - (lag * US).astype(np.int64)
    # unsold stock is recent: mostly days to weeks old, a thin tail up to the whole period
    n_unsold = n_vouchers - n_sold
    age = np.minimum(rng.exponential(14 * 86400, n_unsold), 120 * 86400)
    old = rng.random(n_unsold) < 0.06
    age[old] = rng.uniform(120 * 86400, max(121, days) * 86400, int(old.sum()))
    age = np.minimum(age, days * 86400)
    made_us[~is_sold] = now_us - (age * US).astype(np.int64) - rng.integers(60, 3600, n_unsold) * US
    # ids follow creation time, as a real table's identity does
    perm = np.argsort(made_us, kind="stable")
    agent, pkg, is_sold, sold_us, made_us = (
        agent[perm],
        pkg[perm],
        is_sold[perm],
        sold_us[perm],
        made_us[perm],
    )
    del perm, lag, age, old, sold_day
    site = agent_site[agent]

    # what happened after the sale
    status = np.zeros(n_vouchers, np.int8)  # 0 unused 1 sold 2 active 3 expired 4 void
    statuses = [
        VoucherStatus.UNUSED,
        VoucherStatus.SOLD,
        VoucherStatus.ACTIVE,
        VoucherStatus.EXPIRED,
        VoucherStatus.VOID,
    ]
    sold_idx = np.flatnonzero(is_sold)
    refunded = rng.random(n_sold) < REFUND_SHARE
    activated_us = np.zeros(n_vouchers, np.int64)
    expires_us = np.zeros(n_vouchers, np.int64)
    voided_us = np.zeros(n_vouchers, np.int64)
    act = sold_us[sold_idx] + (rng.exponential(15 * 60, n_sold) * US).astype(np.int64) + US
    never = (rng.random(n_sold) < 0.015) | (act >= now_us) | refunded
    exp = act + validity_us[pkg[sold_idx]]
    status[sold_idx] = np.where(never, 1, np.where(exp > now_us, 2, 3))
    activated_us[sold_idx] = np.where(never, 0, act)
    expires_us[sold_idx] = np.where(never, 0, exp)
    # a refund voids the voucher (refund_sale → void_voucher), minutes to hours after the sale
    ref_v = sold_idx[refunded]
    refunded_us = np.minimum(
        sold_us[ref_v] + (300 + rng.exponential(2400, len(ref_v))).astype(np.int64) * US,
        now_us - US,
    )
    status[ref_v] = 4
    voided_us[ref_v] = refunded_us
    del act, exp, never

    # codes, one symbol longer than any stored code, so a second run cannot collide
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1, max(length(code)) FROM vouchers_voucher")
        first_id, longest = cursor.fetchone()
    code_length = DEFAULT_CODE_LENGTH if longest is None else max(DEFAULT_CODE_LENGTH, longest + 1)
    if code_length > 24:
        raise SystemExit("too many runs into one database: voucher codes would be too long")
    codes = unique_codes(rng, n_vouchers, code_length, ALPHABET)
    voucher_id = first_id + np.arange(n_vouchers, dtype=np.int64)

    # monthly refills: one batch per agent, package and month the voucher was made
    month = (made_us - made_us.min()) // (30 * 86400 * US)
    bkey = (agent.astype(np.int64) * n_pkg + pkg) * (int(month.max()) + 1) + month
    ukeys, batch, batch_n = np.unique(bkey, return_inverse=True, return_counts=True)
    del bkey, month
    n_batches = len(ukeys)
    batch_made = np.full(n_batches, np.iinfo(np.int64).max)
    np.minimum.at(batch_made, batch, made_us)
    b_first = np.zeros(n_batches, np.int64)
    b_first[batch[::-1]] = np.arange(n_vouchers)[::-1]  # a voucher of each batch
    batch_agent, batch_pkg = agent[b_first], pkg[b_first]
    if batch_n.max() > MAX_BATCH:
        raise SystemExit("a batch would exceed MAX_BATCH; lower the scale or shorten months")
    lap("draw")

    # --- sales ------------------------------------------------------------------------------------
    sale_v = sold_idx[np.argsort(sold_us[sold_idx], kind="stable")]  # in time order
    n_sales = len(sale_v)
    s_site, s_agent, s_pkg, s_at = site[sale_v], agent[sale_v], pkg[sale_v], sold_us[sale_v]
    s_price = price_c[s_pkg]
    s_disc = np.where(rng.random(n_sales) < DISCOUNT_SHARE, s_price // 10, 0)
    s_amount = s_price - s_disc
    s_comm = np.rint(s_amount * COMMISSION).astype(np.int64)
    s_mobile = rng.random(n_sales) < MOBILE_SHARE
    # a sale made offline reaches the server later
    s_created = s_at + np.where(
        rng.random(n_sales) < 0.1, (rng.exponential(7200, n_sales) * US).astype(np.int64), 0
    )
    s_created = np.minimum(s_created, now_us - US)
    # receipt numbers 1..n per site in time order
    by_site = np.lexsort((s_at, s_site))
    site_sales = np.bincount(s_site, minlength=n_sites)
    site_start = np.concatenate([[0], np.cumsum(site_sales)[:-1]])
    receipt = np.empty(n_sales, np.int64)
    receipt[by_site] = np.arange(n_sales) - site_start[s_site[by_site]] + 1
    del by_site
    sale_ids = uuids(rng, n_sales)
    s_refunded = status[sale_v] == 4
    r_sale = np.flatnonzero(s_refunded)  # sales refunded, in the order of their refunds below
    r_at = voided_us[sale_v[r_sale]]

    # --- clients: by site weight; 45 % of sales name one of the site's clients ----------------
    n_clients = counts["clients"]
    c_site = np.sort(choice(rng, site_w, n_clients))
    c_count = np.bincount(c_site, minlength=n_sites)
    c_start = np.concatenate([[0], np.cumsum(c_count)[:-1]])
    per_site = (n_agents - np.arange(n_sites) + n_sites - 1) // n_sites
    c_agent = c_site + n_sites * (rng.random(n_clients) * per_site[c_site]).astype(np.int64)
    with_client = (rng.random(n_sales) < CLIENT_SHARE) & (c_count[s_site] > 0)
    s_client = np.zeros(n_sales, np.int64)
    s_client[with_client] = c_start[s_site[with_client]] + (
        rng.random(int(with_client.sum())) * c_count[s_site[with_client]]
    ).astype(np.int64)
    first_buy = np.full(n_clients, np.iinfo(np.int64).max)
    np.minimum.at(first_buy, s_client[with_client], s_at[with_client])
    last_expiry = np.zeros(n_clients, np.int64)
    np.maximum.at(last_expiry, s_client[with_client], expires_us[sale_v[with_client]])
    never_bought = first_buy == np.iinfo(np.int64).max
    c_created = np.where(
        never_bought,
        at_day(choice(rng, day_w, n_clients)) + rng.integers(6 * 3600, 22 * 3600, n_clients) * US,
        first_buy - rng.integers(30, 600, n_clients) * US,
    )
    c_ids = uuids(rng, n_clients)
    # E.164 Tanzanian mobile numbers, distinct: +255 then 6 or 7 then eight digits
    number = rng.choice(2 * 10**8, size=n_clients, replace=False)
    digits = np.empty((n_clients, 9), np.uint8)
    digits[:, 0] = np.where(number < 10**8, ord("6"), ord("7"))
    rest = number % 10**8
    for pos in range(8, 0, -1):
        rest, d = np.divmod(rest, 10)
        digits[:, pos] = ord("0") + d
    phones = np.concatenate(
        [np.broadcast_to(np.frombuffer(b"+255", np.uint8), (n_clients, 4)), digits], axis=1
    )
    phones = np.ascontiguousarray(phones).view("S13").ravel()
    del digits, rest, number

    # --- remittances: each agent, each week, hands over what the week's sales owe -------------
    week_shift = start_day.weekday()  # weeks run Monday to Sunday

    def week_of(us):
        d = np.searchsorted(midnights, us, side="right") - 1 - pad
        return (d + week_shift) // 7

    n_weeks = (days + week_shift) // 7 + 2
    owed = np.bincount(
        s_agent.astype(np.int64) * n_weeks + week_of(s_at),
        weights=(s_amount - s_comm).astype(np.float64),
        minlength=n_agents * n_weeks,
    )
    owed -= np.bincount(
        s_agent[r_sale].astype(np.int64) * n_weeks + week_of(r_at),
        weights=(s_amount[r_sale] - s_comm[r_sale]).astype(np.float64),
        minlength=n_agents * n_weeks,
    )
    cell = np.flatnonzero(owed >= 10_000)  # at least 100 TZS to hand over
    m_agent, m_week = cell // n_weeks, cell % n_weeks
    paid_day = m_week * 7 - week_shift + 7 + choice(rng, [5, 3, 1, 0.5], len(cell))
    m_at = at_day(paid_day) + rng.integers(8 * 3600, 18 * 3600, len(cell)) * US
    short = rng.random(len(cell)) < 0.15
    factor = np.where(short, rng.uniform(0.5, 0.95, len(cell)), 1.0)
    m_amount = np.maximum(np.round(owed[cell] * factor / 10_000) * 10_000, 10_000).astype(np.int64)
    keep = (m_at < now_us) & (rng.random(len(cell)) >= 0.04)  # 4 % of weeks not remitted
    m_agent, m_at, m_amount, short = m_agent[keep], m_at[keep], m_amount[keep], short[keep]
    order = np.argsort(m_at, kind="stable")
    m_agent, m_at, m_amount, short = m_agent[order], m_at[order], m_amount[order], short[order]
    n_remit = len(m_at)
    m_mobile = rng.random(n_remit) < 0.55
    del owed, cell, m_week, paid_day, factor, keep, order

    # --- expenses: monthly per site, occasional extras, salaries at the head office ------------
    months = []
    d = start_day.replace(day=1)
    while d <= today:
        months.append(d)
        d = (d + dt.timedelta(days=32)).replace(day=1)
    month_day = np.array([(m - dt.date(1970, 1, 1)).days for m in months], np.int64)
    today_day = (today - dt.date(1970, 1, 1)).days
    categories = list(ExpenseCategory.values)
    payees = {
        "bandwidth": "Fibre ISP Ltd",
        "rent": "Landlord",
        "power": "TANESCO",
        "equipment": "Electronics supplier",
        "repairs": "Technician",
        "transport": "Bodaboda transport",
        "salaries": "Staff payroll",
        "other": "Sundry",
    }
    # (category, share of sites, per month, low, high in TZS scaled by the site's size, days)
    plan = [
        ("bandwidth", 1.0, 1.0, 150_000, 600_000, (1, 6)),
        ("rent", 0.85, 1.0, 50_000, 300_000, (1, 8)),
        ("power", 1.0, 1.0, 30_000, 200_000, (10, 21)),
        ("repairs", 1.0, 0.25, 20_000, 400_000, (1, 29)),
        ("equipment", 1.0, 0.08, 100_000, 900_000, (1, 29)),
        ("transport", 1.0, 0.3, 10_000, 60_000, (1, 29)),
    ]
    size = np.clip(site_w / np.median(site_w), 0.3, 4.0)
    e_site, e_cat, e_day, e_amount = [], [], [], []
    n_months = len(months)
    for name, share, rate, low, high, (d0, d1) in plan:
        has = np.flatnonzero(rng.random(n_sites) < share)
        cells = np.repeat(has, n_months), np.tile(np.arange(n_months), len(has))
        pick = rng.random(len(cells[0])) < rate
        s, m = cells[0][pick], cells[1][pick]
        e_site.append(s)
        e_cat.append(np.full(len(s), categories.index(name)))
        e_day.append(month_day[m] + rng.integers(d0 - 1, d1 - 1, len(s)))
        e_amount.append(rng.uniform(low, high, len(s)) * np.sqrt(size[s]))
    for name, low, high in (("salaries", 2_000_000, 6_000_000), ("other", 50_000, 500_000)):
        e_site.append(np.full(n_months, -1))
        e_cat.append(np.full(n_months, categories.index(name)))
        e_day.append(month_day + rng.integers(24, 28, n_months))
        e_amount.append(rng.uniform(low, high, n_months) * max(1.0, n_sites / 100))
    e_site, e_cat, e_day = np.concatenate(e_site), np.concatenate(e_cat), np.concatenate(e_day)
    e_amount = (np.round(np.concatenate(e_amount) / 1000) * 1000 * 100).astype(np.int64)
    keep = (e_day >= (start_day - dt.date(1970, 1, 1)).days) & (e_day <= today_day)
    e_site, e_cat, e_day, e_amount = e_site[keep], e_cat[keep], e_day[keep], e_amount[keep]
    order = np.argsort(e_day, kind="stable")
    e_site, e_cat, e_day, e_amount = e_site[order], e_cat[order], e_day[order], e_amount[order]
    n_exp = len(e_day)
    big = e_amount > int(settings.EXPENSE_APPROVAL_THRESHOLD) * 100
    recent = e_day > today_day - 10
    e_status = np.where(
        big & recent & (rng.random(n_exp) < 0.7),
        1,
        np.where(big & (rng.random(n_exp) < 0.07), 2, 0),
    )  # 0 approved 1 pending 2 rejected
    e_status_names = [ExpenseStatus.APPROVED, ExpenseStatus.PENDING, ExpenseStatus.REJECTED]
    e_created = np.minimum(
        (e_day * 86400 + rng.integers(9 * 3600, 30 * 3600, n_exp)) * US, now_us - US
    )
    del keep, order

    # --- router samples: two days, every 15 minutes ------------------------------------------
    per_router = 48 * 4
    k = np.tile(np.arange(per_router)[::-1], n_sites)  # 0 = now, oldest first per router
    q_router = np.repeat(np.arange(n_sites), per_router)
    q_at = now_us - k * 15 * 60 * US
    local_hour = ((q_at - at_day(0)) // (3600 * US)) % 24
    down = rng.random(n_sites) < 0.05
    down_for = rng.integers(1, per_router, n_sites)
    q_keep = ~(down[q_router] & (k < down_for[q_router]))
    busy = HOURS[local_hour] / HOURS.max()
    q_users = rng.poisson(2 + 40 * busy * np.sqrt(size[q_router]))
    q_rx = np.cumsum(q_users * rng.integers(2 * 10**6, 4 * 10**7, len(k)), dtype=np.int64)
    q_tx = np.cumsum(q_users * rng.integers(2 * 10**5, 4 * 10**6, len(k)), dtype=np.int64)
    q_rx += np.repeat(rng.integers(10**11, 10**12, n_sites), per_router)
    q_tx += np.repeat(rng.integers(10**10, 10**11, n_sites), per_router)
    q_up = np.repeat(rng.integers(86400, 90 * 86400, n_sites), per_router) - k * 900
    q_up = np.maximum(q_up, 0)
    q_cpu = np.clip(rng.normal(8 + q_users, 5), 1, 100).astype(np.int64)
    q_mem = rng.integers(60 * 2**20, 200 * 2**20, len(k))
    sel = np.flatnonzero(q_keep)
    q_router, q_at, q_users, q_rx, q_tx, q_up, q_cpu, q_mem = (
        a[sel] for a in (q_router, q_at, q_users, q_rx, q_tx, q_up, q_cpu, q_mem)
    )
    del k, local_hour, busy, q_keep, sel
    lap("compute")

    # --- write it all, in one transaction ------------------------------------------------------
    with transaction.atomic(), connection.cursor() as cursor:
        replica = _fast_load_settings(cursor)
        lat = rng.uniform(-11.5, -1.0, n_sites)
        lon = rng.uniform(29.5, 40.0, n_sites)
        sites = Site.objects.bulk_create(
            Site(
                name=f"Site {tag} {i:04d}",
                code=f"G{tag}-{i:04d}",
                latitude=f"{lat[i]:.6f}",
                longitude=f"{lon[i]:.6f}",
            )
            for i in range(n_sites)
        )
        secret = encrypt("bench-router-pass")
        routers = Router.objects.bulk_create(
            Router(
                site=s,
                name=f"r-{s.code}",
                host="127.0.0.1",
                username="admin",
                password_encrypted=secret,
                status="down" if down[i] else "up",
            )
            for i, s in enumerate(sites)
        )
        password = make_password("bench-agent-pass")
        agents = User.objects.bulk_create(
            User(
                username=f"g{tag.lower()}{i:05d}",
                first_name="Agent",
                last_name=f"{i:05d}",
                password=password,
            )
            for i in range(n_agents)
        )
        finance = User.objects.bulk_create(
            User(
                username=f"g{tag.lower()}fin{i}",
                first_name="Finance",
                last_name=f"{i}",
                password=password,
            )
            for i in range(2)
        )
        through = User.groups.through
        groups = {g.name: g.pk for g in Group.objects.filter(name__in=[Role.AGENT, Role.FINANCE])}
        through.objects.bulk_create(
            [through(user_id=a.pk, group_id=groups[Role.AGENT]) for a in agents]
            + [through(user_id=f.pk, group_id=groups[Role.FINANCE]) for f in finance]
        )
        Site.agents.through.objects.bulk_create(
            Site.agents.through(site_id=sites[agent_site[i]].pk, user_id=a.pk)
            for i, a in enumerate(agents)
        )
        packages = []
        for name, price, validity, _w in PACKAGES:
            package = Package.objects.filter(name=name).first() or voucher_services.save_package(
                actor=None, name=name, price=Decimal(price), validity_seconds=validity
            )
            package.sites.add(*sites)  # sold at every generated site
            packages.append(package)
        n_assets = _equipment(rng, sites, tag)
        site_t = uuid_table(s.pk for s in sites)
        router_t = uuid_table(r.pk for r in routers)
        agent_t = uuid_table(a.pk for a in agents)
        pkg_t = uuid_table(p.pk for p in packages)
        fin_t = uuid_table(f.pk for f in finance)
        lap("small")

        rollup_tables = [m._meta.db_table for m in apps.get_app_config("analytics").get_models()]
        # the rollup tables keep their keys: the rollup code may rely on them (ON CONFLICT)
        restore = _drop_indexes(cursor, BIG_TABLES) + _drop_indexes(
            cursor, rollup_tables, keys=False
        )

        batch_ids = uuids(rng, n_batches)
        copy_binary(
            cursor,
            "vouchers_voucherbatch",
            [
                Col("id", lambda r: batch_ids[r]),
                ts("created_at", batch_made),
                ts("updated_at", batch_made),
                i4("quantity", batch_n),
                const("note", ""),
                i2("code_length", np.full(n_batches, code_length)),
                const("code_prefix", ""),
                const("code_format", CodeFormat.SAME),
                const("status", BatchStatus.READY),
                const("decision_comment", ""),
                flag("preapproved", np.ones(n_batches, bool)),
                i4("generated_count", batch_n),
                i4("pushed_count", batch_n),
                i4("failed_count", np.zeros(n_batches)),
                const("last_error", ""),
                ref("agent_id", agent_t, batch_agent),
                ref("package_id", pkg_t, batch_pkg),
                ref("router_id", router_t, agent_site[batch_agent]),
                ref("site_id", site_t, agent_site[batch_agent]),
            ],
            n_batches,
        )
        copy_binary(
            cursor,
            "vouchers_voucher",
            [
                i8("id", voucher_id),
                text("code", codes),
                const("password", ""),
                cat("status", status, statuses),
                ts("sold_at", sold_us, null=status == 0),
                ts("activated_at", activated_us, null=activated_us == 0),
                ts("expires_at", expires_us, null=expires_us == 0),
                ts("voided_at", voided_us, null=status != 4),
                ts("created_at", made_us),
                ref("agent_id", agent_t, agent),
                ref("package_id", pkg_t, pkg),
                ref("router_id", router_t, site),
                ref("site_id", site_t, site),
                ref("batch_id", batch_ids, batch),
            ],
            n_vouchers,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('vouchers_voucher', 'id'), %s)",
            [int(voucher_id[-1])],
        )
        lap("vouchers")

        refs = symbols(rng, n_sales, 10, ALPHABET.encode())
        copy_binary(
            cursor,
            "sales_sale",
            [
                Col("id", lambda r: sale_ids[r]),
                ts("created_at", s_created),
                ts("updated_at", s_created),
                money("price", s_price),
                money("discount", s_disc),
                money("amount", s_amount),
                money("commission", s_comm),
                cat("payment_method", s_mobile.astype(np.int8), ["cash", "mobile"]),
                Col("payment_reference", lambda r: np.char.add(b"MP", refs[r]), empty=~s_mobile),
                i4("receipt_number", receipt),
                Col("idempotency_key", lambda r: uuids(rng, len(r))),
                ts("sold_at", s_at),
                ref("client_id", c_ids, s_client, null=~with_client),
                ref("package_id", pkg_t, s_pkg),
                ref("seller_id", agent_t, s_agent),
                ref("site_id", site_t, s_site),
                i8("voucher_id", voucher_id[sale_v]),
            ],
            n_sales,
        )
        n_ref = len(r_sale)
        refund_ids = uuids(rng, n_ref)
        reasons = ["customer could not connect", "sold the wrong package", "paid twice"]
        copy_binary(
            cursor,
            "sales_refund",
            [
                Col("id", lambda r: refund_ids[r]),
                ts("created_at", r_at),
                ts("updated_at", r_at),
                money("amount", s_amount[r_sale]),
                money("commission_reversed", s_comm[r_sale]),
                cat("reason", choice(rng, [6, 3, 1], n_ref), reasons),
                ts("refunded_at", r_at),
                ref("refunded_by_id", fin_t, rng.integers(0, 2, n_ref)),
                Col("sale_id", lambda r: sale_ids[r_sale[r]]),
            ],
            n_ref,
        )
        ReceiptCounter.objects.bulk_create(
            [
                ReceiptCounter(site_id=s.pk, last_number=int(site_sales[i]))
                for i, s in enumerate(sites)
            ],
            update_conflicts=True,
            unique_fields=["site"],
            update_fields=["last_number"],
        )
        lap("sales")

        remit_ids = uuids(rng, n_remit)
        remit_refs = symbols(rng, n_remit, 10, ALPHABET.encode())
        copy_binary(
            cursor,
            "sales_remittance",
            [
                Col("id", lambda r: remit_ids[r]),
                ts("created_at", m_at),
                ts("updated_at", m_at),
                money("amount", m_amount),
                cat("method", m_mobile.astype(np.int8), ["cash", "mobile"]),
                Col("reference", lambda r: np.char.add(b"RM", remit_refs[r]), empty=~m_mobile),
                ts("received_at", m_at),
                cat("note", short.astype(np.int8), ["", "part payment"]),
                ref("agent_id", agent_t, m_agent),
                ref("received_by_id", fin_t, rng.integers(0, 2, n_remit)),
            ],
            n_remit,
        )
        exp_ids = uuids(rng, n_exp)
        copy_binary(
            cursor,
            "finance_expense",
            [
                Col("id", lambda r: exp_ids[r]),
                ts("created_at", e_created),
                ts("updated_at", e_created),
                cat("category", e_cat, categories),
                money("amount", e_amount),
                day("spent_on", e_day),
                cat("payee", e_cat, [payees[c] for c in categories]),
                const("note", ""),
                const("receipt", ""),
                cat("status", e_status, e_status_names),
                ref("decided_by_id", fin_t, np.ones(n_exp, np.int64), null=~big | (e_status == 1)),
                ref("recorded_by_id", fin_t, np.zeros(n_exp, np.int64)),
                ref("site_id", site_t, np.maximum(e_site, 0), null=e_site < 0),
            ],
            n_exp,
        )
        lap("finance")

        copy_binary(
            cursor,
            "clients_client",
            [
                Col("id", lambda r: c_ids[r]),
                ts("created_at", c_created),
                ts("updated_at", c_created),
                const("name", ""),
                text("phone", phones),
                const("mac_address", ""),
                flag("marketing_consent", rng.random(n_clients) < 0.6),
                const("notes", ""),
                const("language", "sw"),  # the SMS language (Swahili by default)
                ts("expires_at", last_expiry, null=last_expiry == 0),
                ref("agent_id", agent_t, c_agent),
                ref("site_id", site_t, c_site),
            ],
            n_clients,
        )
        copy_binary(
            cursor,
            "mikrotik_routersample",
            [
                ref("router_id", router_t, q_router),
                ts("taken_at", q_at),
                i4("active_users", q_users),
                i8("rx_bytes", q_rx),
                i8("tx_bytes", q_tx),
                i2("cpu_load", q_cpu),
                i8("free_memory", q_mem),
                i8("uptime_seconds", q_up),
                const("identity", ""),  # the health check's /system/identity (reset detection)
            ],
            len(q_at),
        )
        lap("clients")

        # the rollups read the new rows in this transaction (a GROUP BY scan: no index needed)
        for table in [*BIG_TABLES, "sales_receiptcounter"]:
            cursor.execute(f"ANALYZE {table}")
        rollups.rebuild_all()
        lap("rollups")

        for statement in restore:
            cursor.execute(statement)
        lap("indexes")
        if trail:
            _trail(cursor, f"G{tag}-%")
            lap("trail")
    with connection.cursor() as cursor:
        for table in rollup_tables:
            cursor.execute(f"ANALYZE {table}")
    total = round(time.perf_counter() - started, 1)
    result = {
        **counts,
        "tag": tag,
        "batches": n_batches,
        "sales": n_sales,
        "refunds": len(r_sale),
        "remittances": n_remit,
        "expenses": n_exp,
        "router_samples": len(q_at),
        "assets": n_assets,
        "fk_checks_off": replica,
        "seconds": total,
        "timings": timings,
    }
    if not quiet:
        print(result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10,000,000 vouchers")
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    run(args.scale, days=args.days)
