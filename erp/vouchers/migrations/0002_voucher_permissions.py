"""Grant the voucher permissions to the roles (the matrix is in tests/erp/accounts)."""

from django.db import migrations

from erp.core.migration_permissions import grant_operation

GRANTS = {
    "Super Admin": [
        "vouchers.add_package",
        "vouchers.change_package",
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
    ],
    "Sales": [
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
    ],
    "Marketing": [
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    ],
    "Finance": [
        "vouchers.view_package",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    ],
    "Technical": ["vouchers.view_package"],
    "Agent": ["vouchers.view_package", "vouchers.view_voucher"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0001_vouchers"),
        ("accounts", "0003_seed_roles"),
    ]

    operations = [grant_operation(GRANTS)]
