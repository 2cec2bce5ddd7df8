"""Helpers every app's services use to write a record the same way."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


def assign_fields(instance: M, data: Mapping[str, Any], allowed: Iterable[str]) -> M:
    """Copy ``data`` onto ``instance``; a field outside ``allowed`` is a programming error."""
    allowed = set(allowed)
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unexpected fields for {type(instance).__name__}: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


def validated_save(instance: M, *, actor: Any) -> M:
    """Validate (fields, clean, constraints), then save with ``actor`` as the history user.

    A unique constraint lost to a concurrent writer between validation and insert still ends as
    a ValidationError, not a 500.
    """
    instance.full_clean()
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(
            _("This conflicts with a record saved at the same moment; reload and try again.")
        ) from None
    return instance


def update_rows(objs: list[M], fields: list[str]) -> int:
    """`QuerySet.bulk_update` of ``fields`` in one statement however many rows. On PostgreSQL
    the new values travel as one array per field, joined to the rows by primary key
    (``UPDATE … FROM unnest(…)``): bulk_update's CASE with a branch per row for every field
    grew with the rows in Python and in the planner (100 vouchers sold at once: ~0.5 s on a
    loaded machine). Elsewhere, bulk_update."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(objs, fields)
    meta = model._meta
    pk = meta.pk
    db = connections[DEFAULT_DB_ALIAS]
    columns = [meta.get_field(name) for name in fields]
    arrays = [[pk.get_db_prep_value(obj.pk, db) for obj in objs]] + [
        [field.get_db_prep_save(getattr(obj, field.attname), db) for obj in objs]
        for field in columns
    ]
    types = [pk.rel_db_type(connection)] + [field.db_type(connection) for field in columns]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = d.v{n}" for n, field in enumerate(columns))
    names = ", ".join(["k"] + [f"v{n}" for n in range(len(columns))])
    arrays_sql = ", ".join(f"%s::{kind}[]" for kind in types)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608 - names from the model
            f"FROM unnest({arrays_sql}) AS d({names}) WHERE t.{quote(pk.column)} = d.k",
            arrays,
        )
        return cursor.rowcount


# Field classes whose value of the given Python type reaches the database as it is: their
# preparation only converts other types (or a lazy string) to that one. A subclass that
# prepares its value its own way (a phone number, a text read in its reader's language, JSON)
# is prepared by Django.
_PLAIN: tuple[tuple[type[models.Field], type], ...] = (
    (models.CharField, str),
    (models.TextField, str),
    (models.UUIDField, uuid.UUID),
    (models.DecimalField, Decimal),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.DateTimeField, datetime),
    (models.DateField, date),
)
_PREPARING = ("get_prep_value", "get_db_prep_value", "get_db_prep_save", "to_python")


def _plain_type(field: models.Field) -> type | None:
    """The Python type a value of ``field`` may have to be written unprepared, or None."""
    if field.is_relation:
        return _plain_type(field.target_field)
    for base, kind in _PLAIN:
        if isinstance(field, base) and all(
            getattr(type(field), name) is getattr(base, name) for name in _PREPARING
        ):
            return kind
    return None


def _column_value(field: models.Field, db: Any, *, saving: bool = True) -> Callable[[Any], Any]:
    """A function giving an instance's value of ``field`` as the database takes it: what
    ``bulk_create`` writes (pre_save, then get_db_prep_save), without Django's per-value work
    where the value is already of the column's plain type (that work was most of the Python
    time of a bulk insert). ``saving=False`` reads the value as it is (a history row copies
    the saved instance: no auto_now stamp of its own)."""
    attname = field.attname
    kind = _plain_type(field)
    pre_save = saving and type(field).pre_save is not models.Field.pre_save

    def value(obj: Any) -> Any:
        v = field.pre_save(obj, True) if pre_save else getattr(obj, attname)
        if v is None or (type(v) is kind and (kind is not datetime or v.tzinfo is not None)):
            return v
        return field.get_db_prep_save(v, db)

    return value


def _copy(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` into ``model``'s table, seen by the connection's execute wrappers and the
    test suite's query capture as one statement, its errors raised as Django's
    (IntegrityError) like those of any query."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"

    def execute(sql: str, params: Any, many: bool, context: dict) -> None:
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors, context["cursor"].cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    with connection.cursor() as cursor:
        debug = getattr(cursor, "debug_sql", None)  # DEBUG or a test capturing queries
        if debug is None:
            cursor._execute_with_wrappers(sql, None, False, executor=execute)
        else:
            with debug(sql):
                cursor._execute_with_wrappers(sql, None, False, executor=execute)


def insert_rows(objs: list[M]) -> list[M]:
    """`QuerySet.bulk_create` (no conflict handling) through PostgreSQL's COPY: one statement
    however many rows, without the INSERT's per-value SQL compilation and literal parsing.

    Why: the field app's push inserts a run's sales, their history rows, voucher events and
    applied operations; as INSERTs, compiling and parsing those statements was a third of the
    push's time. An auto-increment key is left to the database and stays None on the
    instances (COPY returns nothing): callers that need it read it back. Row triggers fire as
    for an INSERT. Related objects must be saved ones (bulk_create checks; this does not).
    Elsewhere than PostgreSQL, or when some auto keys are given and some not: bulk_create."""
    if not objs:
        return objs
    model = type(objs[0])
    auto_key = isinstance(model._meta.pk, models.AutoField)
    keys_given = {obj.pk is not None for obj in objs} if auto_key else {True}
    if connection.vendor != "postgresql" or len(keys_given) > 1:  # some keys given, some not
        return model._default_manager.bulk_create(objs)
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and keys_given == {False})
    ]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: its every attribute is a lookup
    values = [_column_value(f, db) for f in fields]
    rows = [tuple(value(obj) for value in values) for obj in objs]
    _copy(model, [f.column for f in fields], rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def insert_history(
    objs: list[models.Model],
    *,
    user: Any,
    kind: str = "+",
    reason: str | None = None,
) -> None:
    """simple_history's rows for ``objs`` just created (``kind`` "+") or changed ("~"), as
    ``bulk_history_create`` writes them (an instance's own ``_history_user`` first), in one
    COPY and without building a historical instance per row."""
    if not objs:
        return
    history = type(objs[0]).history.model
    now = timezone.now()
    extra = {
        "history_date": lambda obj: getattr(obj, "_history_date", now),
        "history_change_reason": lambda obj: getattr(obj, "_change_reason", None) or reason,
        "history_type": lambda obj: kind,
        "history_user_id": lambda obj: getattr(
            getattr(obj, "_history_user", user or history.get_default_history_user(obj)),
            "pk",
            None,
        ),
    }
    tracked = {f.attname: f for f in history.tracked_fields}
    db = connections[DEFAULT_DB_ALIAS]
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(field.column)
        if field.attname in tracked:
            values.append(_column_value(tracked[field.attname], db, saving=False))
        else:
            values.append(extra[field.attname])
    _copy(history, columns, [tuple(value(obj) for value in values) for obj in objs])
