"""The database triggers that write the change feed (``sync_changelog``), for both vendors.

Triggers rather than Django signals: vouchers are made by COPY and moved by ``update()`` (no
signal fires), and a change made by any path — service, admin, a script — must reach the phones.
Each watched table says which entity it is, whose rows they are (owner) and at which site.
"""

from __future__ import annotations

# table, entity, owner column, site column, id expression, only rows with an owner
WATCHED = [
    ("vouchers_voucher", "voucher", "agent_id", "site_id", True),
    ("clients_client", "client", "agent_id", "site_id", False),
    ("sales_sale", "sale", "seller_id", "site_id", False),
    ("vouchers_package", "package", None, None, False),
    ("maintenance_fault", "fault", None, "site_id", False),
]

_PG_TXID = "pg_current_xact_id()::text::bigint"


def _values(vendor: str, row: str, entity: str, owner, site, deleted: bool) -> str:
    rid = f"{row}.id::text" if vendor == "postgresql" else f"CAST({row}.id AS TEXT)"
    txid = _PG_TXID if vendor == "postgresql" else "0"
    now = "now()" if vendor == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    flag = ("true" if deleted else "false") if vendor == "postgresql" else ("1" if deleted else "0")
    return (
        "INSERT INTO sync_changelog (txid, entity, entity_id, owner_id, site_id, deleted, "  # noqa: S608 - names from WATCHED, no input
        f"changed_at) VALUES ({txid}, '{entity}', {rid}, "
        f"{f'{row}.{owner}' if owner else 'NULL'}, {f'{row}.{site}' if site else 'NULL'}, "
        f"{flag}, {now})"
    )


def postgresql_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table, entity, owner, site, needs_owner in WATCHED:
        fn = f"sync_log_{entity}"

        def guard(row: str, _owner=owner, _needs=needs_owner) -> str:
            return f"{row}.{_owner} IS NOT NULL" if _needs else "true"

        moved = (
            f"OLD.{owner} IS NOT NULL AND OLD.{owner} IS DISTINCT FROM NEW.{owner}"
            if owner
            else "false"
        )
        forward.append(
            f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF {guard("OLD")} THEN {_values("postgresql", "OLD", entity, owner, site, True)}; END IF;
    RETURN NULL;
  END IF;
  IF {guard("NEW")} THEN {_values("postgresql", "NEW", entity, owner, site, False)}; END IF;
  IF TG_OP = 'UPDATE' THEN
    IF {moved} THEN {_values("postgresql", "OLD", entity, owner, site, True)}; END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {fn} AFTER INSERT OR UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {fn}();
"""
        )
        backward.append(f"DROP TRIGGER IF EXISTS {fn} ON {table}; DROP FUNCTION IF EXISTS {fn}();")
    return forward, backward


def sqlite_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table, entity, owner, site, needs_owner in WATCHED:
        fn = f"sync_log_{entity}"
        new_guard = f" WHEN NEW.{owner} IS NOT NULL" if needs_owner else ""
        old_guard = f" WHEN OLD.{owner} IS NOT NULL" if needs_owner else ""
        forward += [
            f"CREATE TRIGGER {fn}_ins AFTER INSERT ON {table}{new_guard} BEGIN "
            f"{_values('sqlite', 'NEW', entity, owner, site, False)}; END;",
            f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {table}{new_guard} BEGIN "
            f"{_values('sqlite', 'NEW', entity, owner, site, False)}; END;",
            f"CREATE TRIGGER {fn}_del AFTER DELETE ON {table}{old_guard} BEGIN "
            f"{_values('sqlite', 'OLD', entity, owner, site, True)}; END;",
        ]
        if owner:
            forward.append(
                f"CREATE TRIGGER {fn}_moved AFTER UPDATE ON {table} WHEN OLD.{owner} IS NOT "
                f"NULL AND (NEW.{owner} IS NULL OR NEW.{owner} != OLD.{owner}) BEGIN "
                f"{_values('sqlite', 'OLD', entity, owner, site, True)}; END;"
            )
        backward += [f"DROP TRIGGER IF EXISTS {fn}_{s};" for s in ("ins", "upd", "del", "moved")]
    return forward, backward


def install(schema_editor) -> None:
    forward, _ = (
        postgresql_sql() if schema_editor.connection.vendor == "postgresql" else sqlite_sql()
    )
    for statement in forward:
        schema_editor.execute(statement)


def uninstall(schema_editor) -> None:
    _, backward = (
        postgresql_sql() if schema_editor.connection.vendor == "postgresql" else sqlite_sql()
    )
    for statement in backward:
        schema_editor.execute(statement)
