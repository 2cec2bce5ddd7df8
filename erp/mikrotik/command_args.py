"""Reading the operators' command-line arguments: which router a management command means
(not a RouterOS command: those are in client.py)."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from erp.sites.models import Router


def find_router(ref: str) -> Router:
    """A router by id, by unique name, or by 'SITE-CODE/name'."""
    routers = Router.objects.select_related("site")
    try:
        return routers.get(pk=uuid.UUID(ref))
    except (ValueError, Router.DoesNotExist):
        pass
    if "/" in ref:
        code, _, name = ref.partition("/")
        match = routers.filter(site__code=code, name=name)
    else:
        match = routers.filter(name=ref)
    found = list(match[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f"no router {ref!r}")
    raise CommandError(f"several routers are named {ref!r}; use SITE-CODE/name")
