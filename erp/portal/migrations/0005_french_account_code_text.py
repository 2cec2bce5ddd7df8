"""The French text of the portal's sign-in code SMS (the portal speaks French; the SMS did not).
GSM-7 only (see messaging/0010)."""

from django.db import migrations

TEXT = "{code} est votre code WiFi {site}, valable jusqu'à {expiry}. Ne le partagez pas."


def add_french(apps, schema_editor):
    apps.get_model("messaging", "Template").objects.filter(code="portal-code", text_fr="").update(
        text_fr=TEXT
    )


def remove_french(apps, schema_editor):
    apps.get_model("messaging", "Template").objects.filter(code="portal-code").update(text_fr="")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_seed_account_code_template"),
        ("messaging", "0009_template_text_fr"),
    ]

    operations = [migrations.RunPython(add_french, remove_french)]
