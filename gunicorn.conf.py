"""gunicorn reads this file from the working folder by default (the Procfile's web process)."""

import os

from prometheus_client import multiprocess


def child_exit(server, worker):
    """A worker that exited no longer counts in live gauges (Prometheus multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
