"""`insert_rows` / `insert_history` (COPY) write what `bulk_create` / simple_history's
`bulk_history_create` write, column by column, and fail as an INSERT fails."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop, override
from phonenumber_field.phonenumber import PhoneNumber

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.core.services import insert_history, insert_rows
from erp.core.texts import Text
from erp.mikrotik.models import RouterEvent
from erp.sync.models import AppliedOperation, Device
from erp.vouchers.models import VoucherEvent

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _rows(model, pks, exclude=()):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return list(model.objects.filter(pk__in=pks).order_by("pk").values(*fields))


def _clients(site, agent, ids):
    """Two clients of every kind of value a column takes: a phone as text and as a
    PhoneNumber, a choice, a boolean, empty and filled optional fields, a lazy string."""
    return [
        Client(
            id=ids[0],
            site=site,
            agent=agent,
            name=gettext_lazy("Client"),
            phone="0712 345 678",
            marketing_consent=True,
            language="sw",
            notes="a 'quoted'\tnote\nwith\\escapes",
            expires_at=AT,
        ),
        Client(
            id=ids[1],
            site_id=site.pk,
            agent=None,
            name="Zawadi",
            phone=PhoneNumber.from_string("+255713000111"),
            expires_at=None,
        ),
    ]


def test_clients_copied_equal_the_bulk_created_ones(make_site, users):
    site, agent = make_site(), users[Role.AGENT]
    ids = [uuid.uuid4(), uuid.uuid4()]
    Client.objects.bulk_create(_clients(site, agent, ids))
    made = _rows(Client, ids, exclude=("created_at", "updated_at"))
    Client.objects.filter(pk__in=ids).delete()

    before = timezone.now()
    copied = insert_rows(_clients(site, agent, ids))
    assert _rows(Client, ids, exclude=("created_at", "updated_at")) == made
    first = next(row for row in made if row["id"] == ids[0])
    assert first["phone"] == "+255712345678" and first["name"] == "Client"
    stamps = Client.objects.filter(pk__in=ids).values_list("created_at", "updated_at")
    assert all(before <= c <= timezone.now() and before <= u for c, u in stamps)
    # the instances are saved ones, as after bulk_create
    assert [c._state.adding for c in copied] == [False, False]
    copied[1].name = "Zawadi M."
    copied[1].save()
    assert Client.objects.get(pk=ids[1]).name == "Zawadi M."


def test_an_auto_key_is_left_to_the_database(make_agent_stock, users):
    voucher = make_agent_stock(quantity=2)["batch"].vouchers.order_by("pk").first()
    events = [
        VoucherEvent(voucher=voucher, kind="sold", at=AT, actor=users[Role.AGENT], note="n°1"),
        VoucherEvent(voucher=voucher, kind="voided", at=AT, actor=None, note=gettext_lazy("Sale")),
    ]
    before = VoucherEvent.objects.count()
    insert_rows(events)
    assert [e.pk for e in events] == [None, None]
    rows = list(
        VoucherEvent.objects.filter(voucher=voucher, at=AT)
        .order_by("pk")
        .values_list("kind", "at", "actor_id", "note")
    )
    assert rows == [("sold", AT, users[Role.AGENT].pk, "n°1"), ("voided", AT, None, "Sale")]
    assert VoucherEvent.objects.count() == before + 2
    # some keys given, some not: as bulk_create does it (it returns them all)
    top = VoucherEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    mixed = [
        VoucherEvent(id=top + 1000, voucher=voucher, kind="sold", at=AT),
        VoucherEvent(voucher=voucher, kind="sold", at=AT),
    ]
    insert_rows(mixed)
    assert mixed[0].pk == top + 1000 and mixed[1].pk is not None


def test_json_and_reader_texts_are_prepared_as_django_prepares_them(make_router, users):
    device = Device.objects.create(user=users[Role.AGENT], id=uuid.uuid4())
    answer = {"outcome": "applied", "record": {"amount": "500.00", "tags": ["a", 'b"']}}
    insert_rows(
        [
            AppliedOperation(
                device=device,
                seq=n,
                op="sell",
                entity="sale",
                entity_id=str(uuid.uuid4()),
                fingerprint="f" * 64,
                outcome="applied",
                result=answer,
                client_time=None,
                received_at=AT,
            )
            for n in (1, 2)
        ]
    )
    assert [op.result for op in AppliedOperation.objects.filter(device=device)] == [answer] * 2

    router = make_router()
    text = Text(
        gettext_noop("The router answered %(command)s in a way we do not read."), command="/x"
    )
    insert_rows([RouterEvent(router=router, kind="down", at=AT, message=text)])
    stored = RouterEvent.objects.get(router=router, at=AT).message
    english = "The router answered /x in a way we do not read."
    with override("sw"):
        assert str(stored) != english and "/x" in str(stored)  # in the reader's language
    assert str(stored) == english


def test_a_unique_violation_is_an_integrity_error_and_the_savepoint_undoes_it(make_site):
    site = make_site()
    Client.objects.create(site=site, phone="+255712000001")
    before = Client.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            [
                Client(site=site, phone="+255712000002"),
                Client(site=site, phone="+255712000001"),  # taken
            ]
        )
    assert Client.objects.count() == before  # the whole COPY is undone, the transaction usable


def test_one_statement_seen_by_query_capture_and_execute_wrappers(make_site):
    site = make_site()
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(wrapper):
        insert_rows([Client(site=site, phone=f"+25571200{n:04d}") for n in range(50)])
    copies = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("COPY")]
    assert len(copies) == 1 and '"clients_client"' in copies[0]
    assert any(sql.startswith("COPY") for sql in seen)
    assert Client.objects.filter(site=site).count() == 50


@pytest.mark.parametrize("kind, reason", [("+", None), ("~", "")])
def test_history_rows_equal_simple_historys(make_site, users, kind, reason):
    site, agent = make_site(), users[Role.AGENT]
    ids = [uuid.uuid4(), uuid.uuid4()]
    clients = insert_rows(_clients(site, agent, ids))
    clients[1]._history_user = users[Role.SUPER_ADMIN]  # an instance's own user comes first
    Client.history.bulk_history_create(
        clients, update=kind == "~", default_user=agent, default_change_reason=reason
    )
    volatile = ("history_id", "history_date")
    theirs = _history(ids, volatile)
    Client.history.filter(id__in=ids).delete()

    insert_history(clients, user=agent, kind=kind, reason=reason)
    assert _history(ids, volatile) == theirs
    by_client = {r["id"]: r["history_user_id"] for r in theirs}
    assert by_client == {ids[0]: agent.pk, ids[1]: users[Role.SUPER_ADMIN].pk}
    assert {r["history_type"] for r in theirs} == {kind}


def _history(ids, exclude):
    model = Client.history.model
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return list(model.objects.filter(id__in=ids).order_by("id").values(*fields))
