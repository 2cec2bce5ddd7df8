"""Templates of the staff notices sent on other apps' domain events: a fault's confirmation
and closure to its reporter, a remittance receipt to the agent."""

from django.db import migrations

TEMPLATES = [
    {
        "code": "fault-reported",
        "name": "Fault reported",
        "kind": "transactional",
        "text_en": (
            "{staff_name}, your fault report {fault_ref} at {site} is received. Repair due {due}."
        ),
        "text_sw": (
            "{staff_name}, ripoti yako ya hitilafu {fault_ref} {site} imepokelewa. "
            "Matengenezo kabla ya {due}."
        ),
    },
    {
        "code": "fault-closed",
        "name": "Fault closed",
        "kind": "transactional",
        "text_en": "{staff_name}, fault {fault_ref} at {site} is repaired and closed.",
        "text_sw": "{staff_name}, hitilafu {fault_ref} {site} imerekebishwa na kufungwa.",
    },
    {
        "code": "remittance-receipt",
        "name": "Remittance receipt",
        "kind": "transactional",
        "text_en": (
            "{staff_name}, received TSh {amount} ({method}) on {date}. "
            "Receipt {receipt_number}. Balance owed: TSh {balance}."
        ),
        "text_sw": (
            "{staff_name}, tumepokea TSh {amount} ({method}) tarehe {date}. "
            "Risiti {receipt_number}. Deni lililobaki: TSh {balance}."
        ),
    },
]


def seed_templates(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    for row in TEMPLATES:
        Template.objects.get_or_create(code=row["code"], defaults=row)


def unseed_templates(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    Template.objects.filter(code__in=[row["code"] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0006_modem_inbox_schedule")]

    operations = [migrations.RunPython(seed_templates, unseed_templates)]
