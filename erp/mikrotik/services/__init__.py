"""Router operations, each a service: connect, check health, sync profiles, push hotspot users
(pipelined), change users, kick sessions, read usage and traffic, find and repair drift.

Every write to a router is idempotent: the desired state is in the database (HotspotUser,
HotspotProfile) and a push only moves the router towards it, so running one twice, or after a
dropped connection, adds nothing twice and loses nothing."""

from .circuit import (
    circuit_allows,
    circuit_failure,
    circuit_success,
    claim_push,
    push_started,
    routers_open_now,
)
from .drift import (
    DRIFT_LABELS,
    DriftReport,
    find_drift,
    repair_drift,
)
from .health import (
    ConnectionReport,
    poll_health,
    prune_samples,
    record_status,
    test_connection,
)
from .hotspot_users import (
    USER_PROPS,
    HotspotUserSpec,
    PushReport,
    change_hotspot_users,
    comment_hotspot_users,
    push_lock_name,
    push_pending_users,
    queue_hotspot_users,
)
from .jobs import (
    JOB_CRASHED,
    job_is_lost,
    open_job,
    prune_jobs,
    run_job,
    scheduled_drift_check,
)
from .live import (
    active_listeners,
    fetch_active_users,
    fetch_traffic,
    fetch_usage,
    hotspot_login,
    kick_session,
)
from .profiles import (
    ProfileSyncReport,
    save_profile,
    sync_profiles,
)
from .walled_garden import (
    WALLED_GARDEN,
    WALLED_GARDEN_COMMENT,
    walled_garden_drift,
    walled_garden_sources,
    wanted_walled_garden,
)

__all__ = [
    "active_listeners",
    "ConnectionReport",
    "DRIFT_LABELS",
    "DriftReport",
    "HotspotUserSpec",
    "JOB_CRASHED",
    "ProfileSyncReport",
    "PushReport",
    "USER_PROPS",
    "WALLED_GARDEN",
    "WALLED_GARDEN_COMMENT",
    "change_hotspot_users",
    "comment_hotspot_users",
    "circuit_allows",
    "circuit_failure",
    "circuit_success",
    "claim_push",
    "fetch_active_users",
    "fetch_traffic",
    "fetch_usage",
    "find_drift",
    "hotspot_login",
    "job_is_lost",
    "kick_session",
    "open_job",
    "poll_health",
    "prune_jobs",
    "prune_samples",
    "push_lock_name",
    "push_pending_users",
    "push_started",
    "queue_hotspot_users",
    "record_status",
    "repair_drift",
    "routers_open_now",
    "run_job",
    "save_profile",
    "scheduled_drift_check",
    "sync_profiles",
    "test_connection",
    "walled_garden_drift",
    "walled_garden_sources",
    "wanted_walled_garden",
]
