"""Technical manages assets; Finance sees them and their value; Super Admin does everything.
Agents, Sales and Marketing get nothing."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "assets.add_assettype",
        "assets.change_assettype",
        "assets.view_assettype",
        "assets.add_asset",
        "assets.change_asset",
        "assets.view_asset",
        "assets.move_asset",
        "assets.view_asset_value",
        "assets.print_asset_labels",
        "assets.import_assets",
        "assets.view_assetmovement",
    ],
    "Technical": [
        "assets.add_assettype",
        "assets.view_assettype",
        "assets.add_asset",
        "assets.change_asset",
        "assets.view_asset",
        "assets.move_asset",
        "assets.view_asset_value",
        "assets.print_asset_labels",
        "assets.import_assets",
        "assets.view_assetmovement",
    ],
    "Finance": [
        "assets.view_assettype",
        "assets.view_asset",
        "assets.view_asset_value",
        "assets.view_assetmovement",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_seed_asset_types"), ("accounts", "0003_seed_roles")]

    operations = [grant_operation(GRANTS)]
