"""The six asset types the business starts with; staff add more as records."""

import uuid

from django.db import migrations

TYPES = [
    # (code, name, has_mac)
    ("router", "Router", True),
    ("access-point", "Access point", True),
    ("switch", "Switch", True),
    ("ups", "UPS", False),
    ("cable", "Cable", False),
    ("other", "Other", False),
]


def seed(apps, schema_editor):
    AssetType = apps.get_model("assets", "AssetType")
    for code, name, has_mac in TYPES:
        AssetType.objects.get_or_create(
            code=code, defaults={"id": uuid.uuid4(), "name": name, "has_mac": has_mac}
        )


def unseed(apps, schema_editor):
    AssetType = apps.get_model("assets", "AssetType")
    AssetType.objects.filter(code__in=[t[0] for t in TYPES], assets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_assets")]

    operations = [migrations.RunPython(seed, unseed)]
