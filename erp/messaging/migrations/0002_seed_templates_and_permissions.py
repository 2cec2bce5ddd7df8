"""The first SMS templates. (Who may do what with SMS is in the role matrix,
erp/accounts/roles.py: this migration granted it once.)

Marketing runs campaigns and writes templates; agents and Sales send receipts and reminders
(to their own clients: the services check the client); Finance sees the logs and the costs;
Super Admin all of it, gateways included.
"""

from django.db import migrations

TEMPLATES = [
    {
        "code": "sale-receipt",
        "name": "Receipt and voucher code",
        "kind": "transactional",
        "text_en": (
            "Thank you {client_name}! Receipt {receipt_number} at {site}: {package}, "
            "TSh {price}. Your code: {code}. Valid until {expiry}. Help: {agent_phone}"
        ),
        "text_sw": (
            "Asante {client_name}! Risiti {receipt_number} {site}: {package}, TSh {price}. "
            "Msimbo wako: {code}. Unatumika hadi {expiry}. Msaada: {agent_phone}"
        ),
    },
    {
        "code": "access-ending",
        "name": "Access ending soon",
        "kind": "transactional",
        "text_en": "{client_name}, your internet at {site} ends {expiry}. Renew with {agent_phone}.",
        "text_sw": "{client_name}, intaneti yako {site} inaisha {expiry}. Ongeza kwa {agent_phone}.",
    },
    {
        "code": "offer",
        "name": "Offer",
        "kind": "marketing",
        "text_en": "{client_name}, new offer at {site}! Ask {agent_phone}. Reply STOP to opt out.",
        "text_sw": "{client_name}, ofa mpya {site}! Uliza {agent_phone}. Jibu ACHA kusitisha.",
    },
]


def seed_templates(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    for row in TEMPLATES:
        Template.objects.get_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_sms_outbox"), ("accounts", "0003_seed_roles")]

    operations = [
        migrations.RunPython(seed_templates, migrations.RunPython.noop),
    ]
