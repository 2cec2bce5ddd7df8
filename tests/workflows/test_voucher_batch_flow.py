"""The voucher batch process driven through its task URLs, as each role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import TestCase
from viewflow.workflow.status import STATUS

from erp.accounts.roles import Role
from erp.vouchers import services
from erp.vouchers.choices import BatchStatus
from erp.vouchers.models import Voucher, VoucherBatch
from tests.router_fixtures import sim_users
from workflows.voucher_batch.flows import VoucherBatchFlow
from workflows.voucher_batch.models import VoucherBatchProcess


@pytest.fixture
def world(sim_router, users, admin_user):
    router, simulated = sim_router()
    router.site.agents.add(users[Role.AGENT])
    package = services.save_package(
        actor=admin_user,
        name="Week 5M",
        price=Decimal("5000"),
        validity_seconds=7 * 86400,
        rate_limit="5M/5M",
        sites=[router.site],
    )
    return {"router": router, "simulated": simulated, "package": package}


def _start(client, user, world, quantity=20):
    client.force_login(user)
    page = client.get("/batches/start/")
    assert page.status_code == 200
    response = client.post(
        "/batches/start/",
        {
            "package": str(world["package"].pk),
            "router": str(world["router"].pk),
            "quantity": quantity,
            "code_length": 11,
            "code_format": "same",
            "note": "for Monday",
        },
    )
    return response


def _decide_task(process):
    return process.task_set.get(flow_task=VoucherBatchFlow.decide)


def _url(process, task, action=""):
    return f"/batches/{process.pk}/decide/{task.pk}/{action}"


@pytest.mark.django_db
def test_request_approve_generate_through_task_urls(client, users, world, simulator, eager_celery):
    response = _start(client, users[Role.SALES], world)
    assert response.status_code == 302
    process = VoucherBatchProcess.objects.get()
    batch = process.batch
    assert batch.status == BatchStatus.REQUESTED and batch.requested_by == users[Role.SALES]
    task = _decide_task(process)
    assert task.status == STATUS.NEW

    # The requester cannot take the decision
    assert client.post(_url(process, task, "assign/")).status_code in (403, 302)
    task.refresh_from_db()
    assert task.owner is None

    # Finance sees it in the queue, takes it and approves
    client.force_login(users[Role.FINANCE])
    queue = client.get("/batches/queue/")
    assert queue.status_code == 200 and str(process.pk) in queue.content.decode()
    assigned = client.post(_url(process, task, "assign/"))
    assert assigned.status_code == 302
    task.refresh_from_db()
    assert task.owner == users[Role.FINANCE] and task.status == STATUS.ASSIGNED
    page = client.get(_url(process, task, "execute/"))
    text = " ".join(page.content.decode().split())
    assert page.status_code == 200 and "Week 5M" in text
    assert "TSh 100,000" in text  # the face value the approver signs off
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            _url(process, task, "execute/"), {"decision": "approve", "comment": "fine"}
        )
    assert done.status_code == 302

    batch.refresh_from_db()
    process.refresh_from_db()
    assert batch.status == BatchStatus.READY and batch.decided_by == users[Role.FINANCE]
    assert process.status == STATUS.DONE
    assert len(sim_users(simulator, world["simulated"])) == 20
    nodes = [t.flow_task.name for t in process.task_set.order_by("pk")]
    assert nodes == ["start", "decide", "check_decision", "generate", "wait_in_stock", "end"]

    detail = client.get(f"/batches/{process.pk}/")
    assert detail.status_code == 200


@pytest.mark.django_db
def test_super_admin_cannot_approve_own_request(client, users, world):
    admin = users[Role.SUPER_ADMIN]
    assert _start(client, admin, world).status_code == 302
    process = VoucherBatchProcess.objects.get()
    task = _decide_task(process)
    client.post(_url(process, task, "assign/"))
    task.refresh_from_db()
    assert task.owner is None
    # Even if it were assigned to them, executing is refused and nothing changes
    task.owner, task.status = admin, STATUS.ASSIGNED
    task.save()
    response = client.post(_url(process, task, "execute/"), {"decision": "approve"})
    assert response.status_code == 403
    assert VoucherBatch.objects.get().status == BatchStatus.REQUESTED
    assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_generates_nothing(client, users, world):
    _start(client, users[Role.MARKETING], world)
    process = VoucherBatchProcess.objects.get()
    task = _decide_task(process)
    client.force_login(users[Role.SUPER_ADMIN])
    client.post(_url(process, task, "assign/"))
    no_reason = client.post(_url(process, task, "execute/"), {"decision": "reject"})
    assert no_reason.status_code in (200, 422)
    assert "Say why the batch is rejected." in no_reason.content.decode()
    task.refresh_from_db()
    assert task.status != STATUS.DONE
    client.post(_url(process, task, "execute/"), {"decision": "reject", "comment": "budget"})
    process.refresh_from_db()
    assert process.status == STATUS.DONE
    assert process.task_set.filter(flow_task=VoucherBatchFlow.rejected).exists()
    assert VoucherBatch.objects.get().status == BatchStatus.REJECTED
    assert not Voucher.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.SALES, True),
        (Role.MARKETING, True),
        (Role.FINANCE, False),
        (Role.TECHNICAL, False),
        (Role.AGENT, False),
    ],
)
def test_who_may_start_a_request(client, users, role, allowed):
    client.force_login(users[role])
    response = client.get("/batches/start/")
    assert (response.status_code == 200) == allowed


@pytest.mark.django_db
def test_bad_request_form_shows_errors_and_starts_nothing(client, users, world):
    response = _start(client, users[Role.SALES], world, quantity=0)
    assert response.status_code in (200, 422)
    assert not VoucherBatch.objects.exists() and not VoucherBatchProcess.objects.exists()


@pytest.mark.django_db
def test_a_batch_the_reaper_resumed_completes_its_process(users, world, eager_celery):
    """The process's job message was lost (its worker killed): the reaper's job puts the batch
    in stock, and the process's waiting task completes (batch_ready), not only when the
    process's own task ran the job."""
    from datetime import timedelta

    from django.utils import timezone

    from workflows.voucher_batch.services import decide, start_process

    batch = services.request_batch(
        actor=users[Role.SALES], package=world["package"], router=world["router"], quantity=6
    )
    process = start_process(batch)
    decide(actor=users[Role.FINANCE], batch=batch, approve=True)  # its job never runs
    waiting = process.task_set.get(flow_task=VoucherBatchFlow.wait_in_stock)
    assert waiting.status == STATUS.NEW

    then = timezone.now() - timedelta(minutes=10)
    VoucherBatch.objects.filter(pk=batch.pk).update(updated_at=then)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.reap_stuck_batches() == [str(batch.pk)]
    assert VoucherBatch.objects.get(pk=batch.pk).status == BatchStatus.READY
    waiting.refresh_from_db()
    process.refresh_from_db()
    assert waiting.status == STATUS.DONE and process.status == STATUS.DONE


@pytest.mark.django_db
def test_the_inbox_and_queue_name_the_batch(client, users, world):
    """Issue 23: not viewflow's "#4/18" and "Created: 2 hours" but the case, who asked, what it
    is worth and since when it waits."""
    sales = users[Role.SALES]
    sales.first_name, sales.last_name = "Baraka", "Mushi"
    sales.save()
    assert _start(client, sales, world).status_code == 302
    process = VoucherBatchProcess.objects.get()
    task = _decide_task(process)
    client.force_login(users[Role.FINANCE])
    for url in ("/batches/queue/", "/batches/inbox/"):
        page = client.get(url)
        assert page.status_code == 200
        text = " ".join(page.content.decode().split())
        assert f"20 × Week 5M @ {world['router']}" in text, url
        assert "by Baraka Mushi" in text and "TSh 100,000" in text
        assert "Approve or reject" in text and "since " in text
        assert f"#{process.pk}/{task.pk}" not in text
        assert _url(process, task) in text
