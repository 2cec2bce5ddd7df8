"""Granting permissions to role groups from data migrations, one way for every app.

Each app's data migration declares ``GRANTS = {role: ["app_label.codename", ...]}`` and runs
``grant_operation(GRANTS)``. It uses the historical models of the migration state, so it keeps
working as the live models change.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations


def _ensure_permissions(apps) -> None:
    """Permissions are normally created after all migrations have run; granting needs them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permissions(apps, perms: list[str]):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for perm in perms:
        app_label, codename = perm.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def grant(apps, grants: dict[str, list[str]]) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    for role, perms in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(apps, perms))


def revoke(apps, grants: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    for role, perms in grants.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, perms))


def grant_operation(grants: dict[str, list[str]]) -> migrations.RunPython:
    return migrations.RunPython(
        lambda apps, schema_editor: grant(apps, grants),
        lambda apps, schema_editor: revoke(apps, grants),
    )
