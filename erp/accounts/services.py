"""Every write to users: creation, role, scope, deactivation."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from erp.core.services import assign_fields, validated_save

from .models import User
from .roles import ROLE_PERMISSIONS, Role

logger = logging.getLogger(__name__)

USER_FIELDS = ("username", "first_name", "last_name", "email", "phone", "language", "is_active")
# What a user may change about themselves (the profile page): never role, scope or is_active.
PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "language")


def _role_group(role: str) -> Group:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    return Group.objects.get(name=role)


def _apply_role(user: User, role: str) -> None:
    group = _role_group(role)
    user.groups.set([group])
    # Only Super Admin reaches the Django admin.
    is_staff = role == Role.SUPER_ADMIN
    if user.is_staff != is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff
    user.__dict__.pop("role_names", None)


@sensitive_variables("password")
@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    site_scope: Iterable[Any] = (),
    **fields: Any,
) -> User:
    """Create a user in exactly one role; the password must pass the password validators."""
    _role_group(role)
    user = assign_fields(User(username=username), fields, USER_FIELDS)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    validated_save(user, actor=actor)
    _apply_role(user, role)
    if site_scope:
        user.site_scope.set(site_scope)
    return user


def check_keeps_a_super_admin(*, user: User, is_active: bool, roles: Iterable[str]) -> None:
    """Refuse a change that would leave no active Super Admin (nobody could manage users or
    reach the admin again): the last one can be neither demoted nor deactivated, by anyone,
    themselves included. Locks the active Super Admins, so two of them demoting each other
    at the same moment cannot both succeed. Call inside a transaction."""
    if user.pk is None or is_active and Role.SUPER_ADMIN in set(roles):
        return
    super_admins = list(
        User.objects.select_for_update(of=("self",))
        .filter(is_active=True, groups__name=Role.SUPER_ADMIN)
        .values_list("pk", flat=True)
    )
    if user.pk in super_admins and len(super_admins) == 1:
        field = "is_active" if not is_active else "role"
        raise ValidationError(
            {
                field: _(
                    "This is the last active Super Admin: make another user Super Admin "
                    "before demoting or deactivating this one."
                )
            }
        )


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    role: str | None = None,
    site_scope: Iterable[Any] | None = None,
    **changes: Any,
) -> User:
    if user.pk == actor.pk and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    check_keeps_a_super_admin(
        user=user,
        is_active=changes.get("is_active", user.is_active),
        roles=[role] if role is not None else user.role_names,
    )
    assign_fields(user, changes, USER_FIELDS)
    validated_save(user, actor=actor)
    if role is not None:
        _apply_role(user, role)
    if site_scope is not None:
        user.site_scope.set(site_scope)
    return user


@sensitive_variables("new_password")
def change_password(*, user: User, new_password: str) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user.set_password(new_password)
    user._history_user = user
    user.save(update_fields=["password"])


@sensitive_variables("new_password")
@transaction.atomic
def reset_password(*, actor: User, user: User, new_password: str) -> None:
    """The Super Admin sets another user's password (the Users page): the validators apply; the
    user's refresh tokens are revoked (their sessions end: they carry the old hash); the change
    is in the user's history under the admin's name."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user.set_password(new_password)
    user._history_user = actor
    user._change_reason = _("password set by %(admin)s") % {"admin": actor.get_username()}
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user=user)
    logger.info("password of %s set by %s", user.get_username(), actor.get_username())


def send_password_reset(*, actor: User, user: User, request: Any) -> None:
    """E-mail the user a link to choose a new password (Django's reset token and e-mail), and
    revoke their refresh tokens now: the admin suspects the old password. Recorded in the
    user's history under the admin's name."""
    if not user.email:
        raise ValidationError(
            _("%(user)s has no e-mail address: set a password instead.")
            % {"user": user.get_full_name() or user.get_username()}
        )
    if not user.is_active:
        raise ValidationError(_("A deactivated user cannot reset a password."))
    form = _OneUserResetForm({"email": user.email}, user=user)
    form.is_valid()
    form.save(request=request, use_https=request.is_secure())
    with transaction.atomic():
        revoke_refresh_tokens(user=user)
        user._history_user = actor
        user._change_reason = _("password reset e-mail sent by %(admin)s") % {
            "admin": actor.get_username()
        }
        user.save(update_fields=["last_login"])  # a history row: nothing about the user changes
    logger.info(
        "password reset e-mail for %s sent by %s", user.get_username(), actor.get_username()
    )


class _OneUserResetForm(PasswordResetForm):
    """Django's reset e-mail for one chosen user (not every user sharing the address)."""

    def __init__(self, *args, user: User, **kwargs):
        self.one_user = user
        super().__init__(*args, **kwargs)

    def get_users(self, email):
        yield self.one_user


@sensitive_variables("old_password", "new_password")
def change_own_password(*, user: User, old_password: str, new_password: str) -> None:
    """The signed-in user changes their password (API and the UI's page): the current one must
    be right, the new one pass the validators. Saving revokes their refresh tokens (signals)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    change_password(user=user, new_password=new_password)


@transaction.atomic
def update_profile(*, user: User, **changes: Any) -> User:
    """The user edits their own name, e-mail, phone and language; nothing else."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These cannot be changed on your profile: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    assign_fields(user, changes, PROFILE_FIELDS)
    validated_save(user, actor=user)
    return user


@transaction.atomic
def set_active(*, actor: User, user: User, is_active: bool) -> User:
    """Activate or deactivate a user (never deleted: their sales keep their name). A deactivated
    user's sessions end at their next request (Django refuses inactive users); their refresh
    tokens are revoked here."""
    update_user(actor=actor, user=user, is_active=is_active)
    if not is_active:
        revoke_refresh_tokens(user=user)
    return user


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many were live.

    Called whenever the user's password changes (API, UI, reset, admin): a refresh token
    rotates indefinitely, so without this a stolen one would outlive the password that was
    changed because of the theft. Access tokens die on their own within minutes.
    """
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    made = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(made)


def _permission_ids() -> dict[str, Any]:
    """Every permission's id by its "app_label.codename"."""
    rows = Permission.objects.values_list("pk", "content_type__app_label", "codename")
    return {f"{app_label}.{codename}": pk for pk, app_label, codename in rows}


@transaction.atomic
def sync_roles(matrix: dict[str, frozenset[str]] | None = None) -> list[str]:
    """Make each role's group hold exactly its permissions in the role matrix (erp.accounts.roles):
    missing groups are created, missing permissions granted, others withdrawn. What changed, one
    line each. A permission the matrix names that does not exist is a programming error."""
    matrix = ROLE_PERMISSIONS if matrix is None else matrix
    wanted = {perm for perms in matrix.values() for perm in perms}
    found = _permission_ids()
    if wanted - set(found):  # a model migrated in this very run: its permissions come now
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        found = _permission_ids()
    unknown = sorted(wanted - set(found))
    if unknown:
        raise LookupError(f"the role matrix names permissions that do not exist: {unknown}")
    changes = []
    for role, perms in matrix.items():
        group, created = Group.objects.get_or_create(name=str(role))
        if created:
            changes.append(f"role {role} created")
        held = set(group.permissions.values_list("pk", flat=True))
        target = {found[perm] for perm in perms}
        if target - held:
            group.permissions.add(*(target - held))
            changes.append(f"role {role}: {len(target - held)} permission(s) granted")
        if held - target:
            group.permissions.remove(*(held - target))
            changes.append(f"role {role}: {len(held - target)} permission(s) withdrawn")
    return changes
