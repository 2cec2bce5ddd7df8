"""Card templates are Super Admin's to edit."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

PERMS = ["add_cardtemplate", "change_cardtemplate", "view_cardtemplate"]


GRANTS = {"Super Admin": [f"vouchers.{perm}" for perm in PERMS]}


class Migration(migrations.Migration):
    dependencies = [("vouchers", "0005_card_templates")]

    operations = [grant_operation(GRANTS)]
