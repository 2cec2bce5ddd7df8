"""The classifier's categories, seeded once; Super Admin edits names, teams and priorities."""

from django.db import migrations

CATEGORIES = [
    ("no_connection", "No connection", "field", "high"),
    ("slow_connection", "Slow connection", "customer_care", "normal"),
    ("voucher_not_working", "Voucher not working", "customer_care", "normal"),
    ("paid_no_voucher", "Paid but no voucher", "billing", "high"),
    ("billing_refund", "Billing / refund", "billing", "normal"),
    ("account_login", "Account / login", "customer_care", "normal"),
    ("equipment", "Equipment", "field", "high"),
    ("complaint", "Complaint", "customer_care", "normal"),
    ("other", "Other", "customer_care", "low"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("support", "Category")
    for slug, name, team, priority in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "team": team, "default_priority": priority}
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_tickets_categories_incidents")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
