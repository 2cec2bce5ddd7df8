"""The SMS that carries the portal's one-time sign-in code (a transactional template, seeded
like erp/messaging's own; an operator may edit its wording in the SMS templates page)."""

from django.db import migrations

TEMPLATE = {
    "code": "portal-code",
    "name": "Portal sign-in code",
    "kind": "transactional",
    "text_en": "{code} is your {site} WiFi code, valid until {expiry}. Do not share it.",
    "text_sw": "{code} ni msimbo wako wa WiFi {site}, hadi {expiry}. Usimpe mtu.",
}


def seed(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    Template.objects.get_or_create(code=TEMPLATE["code"], defaults=TEMPLATE)


def unseed(apps, schema_editor):
    apps.get_model("messaging", "Template").objects.filter(code=TEMPLATE["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_customer_account_codes"),
        ("messaging", "0002_seed_templates_and_permissions"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
