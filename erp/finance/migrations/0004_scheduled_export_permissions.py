"""Finance and Super Admin schedule exports and download their runs."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

SCHEDULED_EXPORTS = [
    "finance.add_scheduledexport",
    "finance.change_scheduledexport",
    "finance.view_scheduledexport",
    "finance.view_exportrun",
]
GRANTS = {"Super Admin": SCHEDULED_EXPORTS, "Finance": SCHEDULED_EXPORTS}


class Migration(migrations.Migration):
    dependencies = [("finance", "0003_scheduled_exports"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
