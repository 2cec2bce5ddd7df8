"""Who may do what with SMS, and the first templates.

Marketing runs campaigns and writes templates; agents and Sales send receipts and reminders
(to their own clients: the services check the client); Finance sees the logs and the costs;
Super Admin all of it, gateways included.
"""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "messaging.add_gateway",
        "messaging.change_gateway",
        "messaging.view_gateway",
        "messaging.add_template",
        "messaging.change_template",
        "messaging.view_template",
        "messaging.add_campaign",
        "messaging.view_campaign",
        "messaging.view_message",
        "messaging.send_sms",
        "messaging.resend_sms",
        "messaging.view_sms_cost",
    ],
    "Marketing": [
        "messaging.add_template",
        "messaging.change_template",
        "messaging.view_template",
        "messaging.add_campaign",
        "messaging.view_campaign",
        "messaging.view_message",
        "messaging.send_sms",
        "messaging.resend_sms",
    ],
    "Sales": ["messaging.view_template", "messaging.view_message", "messaging.send_sms"],
    "Agent": ["messaging.view_template", "messaging.view_message", "messaging.send_sms"],
    "Finance": ["messaging.view_message", "messaging.view_campaign", "messaging.view_sms_cost"],
}

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
        grant_operation(GRANTS),
        migrations.RunPython(seed_templates, migrations.RunPython.noop),
    ]
