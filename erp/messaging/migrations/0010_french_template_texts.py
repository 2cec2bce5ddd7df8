"""French texts for the seeded SMS templates (a client whose language is French gets them).
GSM-7 only: é, è and à are in the GSM alphabet, ç and ê are not, so the wording avoids them
(one such letter would make every message UCS-2, twice the parts). A text an operator has
already written is kept."""

from django.db import migrations

FRENCH = {
    "sale-receipt": "Merci {client_name} ! Ticket {receipt_number} à {site} : {package}, TSh {price}. Votre code : {code}. Valable jusqu'au {expiry}. Aide : {agent_phone}",
    "access-ending": "{client_name}, votre internet à {site} se termine {expiry}. Renouvelez avec {agent_phone}.",
    "offer": "{client_name}, nouvelle offre à {site} ! Demandez à {agent_phone}. Répondez STOP pour ne plus recevoir d'offres.",
    "fault-reported": "{staff_name}, votre signalement {fault_ref} à {site} est enregistré. Réparation prévue avant {due}.",
    "fault-closed": "{staff_name}, la panne {fault_ref} à {site} est réparée et close.",
    "remittance-receipt": "{staff_name}, versement de TSh {amount} ({method}) enregistré le {date}. Ticket {receipt_number}. Solde à payer : TSh {balance}.",
}


def add_french(apps, schema_editor):
    Template = apps.get_model("messaging", "Template")
    for code, text in FRENCH.items():
        Template.objects.filter(code=code, text_fr="").update(text_fr=text)


def remove_french(apps, schema_editor):
    apps.get_model("messaging", "Template").objects.filter(code__in=FRENCH).update(text_fr="")


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0009_template_text_fr"),
        ("messaging", "0007_seed_staff_notice_templates"),
    ]

    operations = [migrations.RunPython(add_french, remove_french)]
