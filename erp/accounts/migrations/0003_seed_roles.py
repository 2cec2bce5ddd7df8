"""Seed the six ViorNet roles as groups with their permissions.

The matrix is frozen here as it stood when this migration was written; later apps add their
permissions to roles in their own data migrations. tests/erp/accounts/test_roles.py holds the
expected matrix and fails if this and the code drift apart.
"""

from django.db import migrations

from erp.core.migration_permissions import grant

ROLE_PERMISSIONS = {
    "Super Admin": [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "sites.add_site",
        "sites.change_site",
        "sites.delete_site",
        "sites.view_site",
        "sites.add_router",
        "sites.change_router",
        "sites.delete_router",
        "sites.view_router",
        "clients.add_client",
        "clients.change_client",
        "clients.delete_client",
        "clients.view_client",
    ],
    "Marketing": [
        "sites.view_site",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
    ],
    "Sales": [
        "sites.view_site",
        "sites.view_router",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
    ],
    "Technical": [
        "sites.view_site",
        "sites.add_router",
        "sites.change_router",
        "sites.view_router",
    ],
    "Finance": ["sites.view_site", "sites.view_router", "clients.view_client"],
    "Agent": [
        "sites.view_site",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
    ],
}


def seed_roles(apps, schema_editor):
    grant(apps, ROLE_PERMISSIONS)


def unseed_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_site_scope"),
        ("sites", "0001_initial"),
        ("clients", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed_roles, unseed_roles)]
