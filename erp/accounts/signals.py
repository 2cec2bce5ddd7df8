"""Reactions to saves of a user that must happen whichever path made them."""

from __future__ import annotations

from typing import Any

from .services import revoke_refresh_tokens


def revoke_tokens_on_password_change(sender: Any, instance: Any, created: bool, **kwargs: Any):
    """A save after `set_password` (API and UI password change, password reset, the admin's
    password form, `changepassword`) revokes the user's refresh tokens. Django keeps the raw
    password in `_password` from `set_password` until the save finishes, which tells a real
    change from any other save (a hasher upgrade at login clears it first)."""
    if created or getattr(instance, "_password", None) is None:
        return

    revoke_refresh_tokens(user=instance)


def forget_site_scope(sender, instance, action: str, **kwargs) -> None:
    """A user's site scope changed: the cached ``has_site_scope`` of that object is stale."""
    if action.startswith("post_") and hasattr(instance, "__dict__"):
        instance.__dict__.pop("has_site_scope", None)
