"""Every write to packages, batches and vouchers.

Generation stores codes in bulk (PostgreSQL: COPY into a temporary table, then one INSERT …
ON CONFLICT DO NOTHING; elsewhere bulk_create), retrying only the codes that collided. Status
changes go through ``transition`` and are checked against TRANSITIONS."""

from .batches import (
    COPY_COLUMNS,
    COPY_TYPES,
    PUSHED_STATES,
    BatchNotStuck,
    batch_lock_name,
    decide_batch,
    generate_batch,
    is_stuck,
    may_resume,
    note_router_wait,
    push_batch,
    queue_batch_push,
    reap_stuck_batches,
    refresh_batch_progress,
    refresh_router_batches,
    request_batch,
    resume_batch,
    run_batch_job,
)
from .card_templates import (
    save_card_template,
)
from .lifecycle import (
    activate_from_usage,
    expire_due,
    transition,
    transitions,
    void_voucher,
)
from .packages import (
    PACKAGE_FIELDS,
    save_package,
)
from .stock import (
    assign_to_agent,
    return_to_office,
)

__all__ = [
    "BatchNotStuck",
    "COPY_COLUMNS",
    "COPY_TYPES",
    "PACKAGE_FIELDS",
    "PUSHED_STATES",
    "activate_from_usage",
    "assign_to_agent",
    "batch_lock_name",
    "decide_batch",
    "expire_due",
    "generate_batch",
    "is_stuck",
    "may_resume",
    "note_router_wait",
    "push_batch",
    "queue_batch_push",
    "reap_stuck_batches",
    "refresh_batch_progress",
    "refresh_router_batches",
    "request_batch",
    "resume_batch",
    "return_to_office",
    "run_batch_job",
    "save_card_template",
    "save_package",
    "transition",
    "transitions",
    "void_voucher",
]
