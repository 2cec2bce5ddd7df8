"""A stateful property test of the sync protocol: random interleavings of a phone's offline
operations, office actions (void, transfer, a sale at the POS meanwhile) and network faults
(a push lost before or after the server applied it, sent twice, reordered).

After every step: each operation the server recorded was applied once (one sale per sale
operation, one record per (device, seq)); a sale operation is never lost (it is a sale or a
money conflict Finance sees, never a bare rejection); every conflict answered is on record.
At the end the phone drains its queue and every operation it made is accounted for.
"""

from __future__ import annotations

import random
import uuid

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from erp.clients.models import Client
from erp.sales import services as sale_services
from erp.sales.models import Sale
from erp.sync.models import AppliedOperation, Conflict
from erp.vouchers import services as voucher_services
from erp.vouchers.models import Voucher

from .conftest import Phone

PUSH = "/api/v1/sync/push"


@pytest.mark.django_db
def test_sync_protocol_state_machine(api, field):
    agent, other, admin = field["agent"], field["other"], field["admin"]
    client = api(agent)
    codes = [v.code for v in field["mine"]]

    class SyncMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.phone = Phone()
            self.queue: list[dict] = []  # made on the phone, not yet answered
            self.made: list[dict] = []
            self.sold_locally: set[str] = set()
            self.answers: dict[int, dict] = {}

        def teardown(self):
            self.drain()
            transaction.savepoint_rollback(self.savepoint)

        # --- the phone, offline -----------------------------------------------------------
        @rule(i=st.integers(0, len(codes) - 1))
        def sell_offline(self, i):
            if codes[i] in self.sold_locally:
                return
            self.sold_locally.add(codes[i])
            self._make(self.phone.sell(codes[i]))

        @rule(n=st.integers(0, 999))
        def add_client_offline(self, n):
            self._make(self.phone.add_client(f"+25575500{n:04d}", f"Client {n}"))

        def _make(self, op):
            self.queue.append(op)
            self.made.append(op)

        # --- the office, meanwhile --------------------------------------------------------
        @rule(i=st.integers(0, len(codes) - 1))
        def office_voids(self, i):
            voucher = Voucher.objects.get(code=codes[i])
            if voucher.status == "unused":
                voucher_services.void_voucher(actor=admin, voucher=voucher, reason="lost card")

        @rule(i=st.integers(0, len(codes) - 1))
        def office_transfers(self, i):
            stock = Voucher.objects.filter(code=codes[i], status="unused", agent=agent)
            if stock.exists():
                voucher_services.assign_to_agent(actor=admin, agent=other, vouchers=stock)

        @rule(i=st.integers(0, len(codes) - 1))
        def sold_at_the_pos_meanwhile(self, i):
            if Voucher.objects.filter(code=codes[i], status="unused", agent=agent).exists():
                sale_services.sell(
                    seller=agent,
                    idempotency_key=uuid.uuid4(),
                    payment_method="cash",
                    code=codes[i],
                )

        # --- the network ------------------------------------------------------------------
        @rule(
            k=st.integers(1, 6),
            fault=st.sampled_from(["none", "lost_before", "lost_after", "duplicate", "reorder"]),
            seed=st.integers(0, 1000),
        )
        def push(self, k, fault, seed):
            batch = self.queue[:k]
            if not batch or fault == "lost_before":
                return
            if fault == "reorder":
                batch = batch[:]
                random.Random(seed).shuffle(batch)
            results = self._send(batch)
            if fault == "duplicate":
                again = self._send(batch)
                assert again == results  # the same answers, nothing applied twice
            if fault == "lost_after":
                return
            self._receive(batch, results)

        def _send(self, batch):
            r = client.post(PUSH, {"ops": batch}, format="json")
            assert r.status_code == 200, r.content
            return r.json()["results"]

        def _receive(self, batch, results):
            for op, result in zip(batch, results, strict=True):
                assert result["seq"] == op["seq"]
                if result.get("retry"):
                    continue
                assert result["outcome"] in ("applied", "conflict"), result
                self.answers[op["seq"]] = result
                self.queue = [q for q in self.queue if q["seq"] != op["seq"]]

        def drain(self):
            while self.queue:
                batch = self.queue[:50]
                self._receive(batch, self._send(batch))
            self.check_each_applied_once()
            recorded = AppliedOperation.objects.filter(device_id=self.phone.device_id)
            assert recorded.count() == len(self.made)
            assert set(self.answers) == {op["seq"] for op in self.made}

        # --- what must always hold --------------------------------------------------------
        @invariant()
        def check_each_applied_once(self):
            recorded = {
                a.seq: a for a in AppliedOperation.objects.filter(device_id=self.phone.device_id)
            }
            by_seq = {op["seq"]: op for op in self.made}
            # Recorded operations are a prefix: nothing applied out of order.
            assert sorted(recorded) == list(range(1, len(recorded) + 1))
            sales = {
                str(k): n
                for k, n in Sale.objects.filter(seller=agent)
                .values_list("idempotency_key")
                .annotate(n=Count("pk"))
            }
            for seq, applied in recorded.items():
                op = by_seq[seq]
                assert applied.outcome in ("applied", "conflict"), applied.result
                if op["entity"] == "sale":
                    if applied.outcome == "applied":
                        assert sales.get(op["id"]) == 1  # one sale, not two
                    else:  # no money lost: Finance has it
                        assert applied.conflicts.filter(kind="voucher_unavailable").count() == 1
                        assert op["id"] not in sales
                elif applied.outcome == "applied":
                    assert Client.objects.filter(pk=op["id"]).count() == 1
                else:
                    assert applied.conflicts.filter(kind="duplicate_client").count() == 1
            for answer in self.answers.values():
                if answer["outcome"] == "conflict":
                    ids = {c["id"] for c in answer["conflicts"]}
                    assert ids and Conflict.objects.filter(pk__in=ids).count() == len(ids)
            # Money: the sales the phone's operations made are exactly the applied ones.
            applied_sales = [
                by_seq[s]["id"]
                for s, a in recorded.items()
                if by_seq[s]["entity"] == "sale" and a.outcome == "applied"
            ]
            assert all(sales.get(key) == 1 for key in applied_sales)

    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
