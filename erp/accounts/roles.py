"""The ViorNet roles, the permissions each is granted, and how the INET roles map onto them.

Roles are Django groups; a user's role is the group they are in. ``ROLE_PERMISSIONS`` below is
the matrix: `manage.py sync_roles_and_schedules` (also run after every migrate) makes the groups
hold exactly these permissions. Which *rows* a role sees (an agent's own clients) is decided by
the row-scoping rule (erp.core.scoping); the permissions decide which *kinds* of record and
action a role may use.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUPER_ADMIN = "Super Admin", _("Super Admin")
    MARKETING = "Marketing", _("Marketing")
    SALES = "Sales", _("Sales")
    TECHNICAL = "Technical", _("Technical")
    FINANCE = "Finance", _("Finance")
    AGENT = "Agent", _("Agent")


# The INET Wi-Fi Portal's roles (reference/002) expressed as ViorNet roles.
INET_ROLE_MAP: dict[str, Role] = {
    "Root": Role.SUPER_ADMIN,
    "System Admin": Role.SUPER_ADMIN,
    "Customer Care": Role.MARKETING,
    "Field Technician": Role.TECHNICAL,
    "Billing Officer": Role.FINANCE,
}

# Roles that see every site; the others see the sites they are scoped to (or, for agents,
# assigned to).
ALL_SITES_ROLES = frozenset({Role.SUPER_ADMIN})

# The permissions each role is granted: the role matrix, applied by
# `manage.py sync_roles_and_schedules` (run after every migrate). Which *rows* a role sees is the
# row-scoping rule's (erp.core.scoping). A new module adds its permissions here.

# Super Admin edits the beat schedules (Periodic tasks in the admin): the polling intervals of
# routers and the report times are the staff's to change.
BEAT_SCHEDULE_PERMISSIONS = frozenset(
    f"django_celery_beat.{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in (
        "periodictask",
        "intervalschedule",
        "crontabschedule",
        "solarschedule",
        "clockedschedule",
    )
)

# Support tickets (issue 19). Customer Care (Marketing) opens, files and answers; Billing
# Officer (Finance) and Field Technician (Technical) work the tickets routed to them; Super Admin
# also edits the categories.
_TICKET_WORKER = frozenset(
    {
        "support.view_ticket",
        "support.change_ticket",
        "support.add_ticketmessage",
        "support.view_ticketmessage",
        "support.view_category",
        "support.view_incident",
    }
)
_CUSTOMER_CARE = _TICKET_WORKER | {
    "support.add_ticket",
    "support.triage_ticket",
    "support.work_customer_care",
}
# Each team's tasks in the ticket process wait for its ``work_<team>`` permission; Super Admin
# works every team's, leads (``supervise_ticket``) hand tickets over and receive escalations.
SUPPORT_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SUPER_ADMIN: _CUSTOMER_CARE
    | {
        "support.add_category",
        "support.change_category",
        "support.change_incident",
        "support.work_billing",
        "support.work_field",
        "support.supervise_ticket",
        "support.view_slapolicy",
        "support.change_slapolicy",
        "support.view_sitehours",
        "support.add_sitehours",
        "support.change_sitehours",
        "support.delete_sitehours",
    },
    Role.MARKETING: _CUSTOMER_CARE,
    Role.TECHNICAL: _TICKET_WORKER | {"support.change_incident", "support.work_field"},
    Role.FINANCE: _TICKET_WORKER | {"support.work_billing"},
}

# OpenWISP (erp.integrations.openwisp): Super Admin sets it up per site; Technical sees the
# access points, the discovery runs and health, and decides the ambiguous matches.
_OPENWISP_READ = frozenset(
    {
        "openwisp.view_openwispdevice",
        "openwisp.view_discoveryrun",
        "openwisp.view_matchconflict",
        "openwisp.view_devicehealthevent",
        "openwisp.decide_match",
    }
)
OPENWISP_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SUPER_ADMIN: _OPENWISP_READ
    | {
        "openwisp.view_openwispsettings",
        "openwisp.add_openwispsettings",
        "openwisp.change_openwispsettings",
    },
    Role.TECHNICAL: _OPENWISP_READ,
}


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SUPER_ADMIN: frozenset(
        {
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
            "sync.view_conflict",
            "sync.change_conflict",
            "sync.view_device",
            "payments.view_payment",
            "payments.view_reconciliation",
            "payments.view_paymentrefund",
            "payments.view_provideraccount",
            "payments.add_provideraccount",
            "payments.change_provideraccount",
            "portal.view_portalsettings",
            "portal.add_portalsettings",
            "portal.change_portalsettings",
            "portal.view_voucherattempt",
            "portal.view_portalsession",
            "portal.view_openndsgateway",
            "portal.add_openndsgateway",
            "portal.change_openndsgateway",
            # PortaBilling (issue 20): only a Super Admin configures a site and repairs
            "portabilling.view_portabillingsite",
            "portabilling.add_portabillingsite",
            "portabilling.change_portabillingsite",
            "portabilling.operate_portabilling",
            "portabilling.view_portaaccount",
            "portabilling.view_portacredit",
            *BEAT_SCHEDULE_PERMISSIONS,
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "analytics.view_analytics",
            "assets.add_asset",
            "assets.add_assettype",
            "assets.change_asset",
            "assets.change_assettype",
            "assets.import_assets",
            "assets.move_asset",
            "assets.print_asset_labels",
            "assets.view_asset",
            "assets.view_asset_value",
            "assets.view_assetmovement",
            "assets.view_assettype",
            "clients.add_client",
            "clients.change_client",
            "clients.delete_client",
            "clients.view_client",
            "finance.add_expense",
            "finance.add_scheduledexport",
            "finance.change_expense",
            "finance.change_scheduledexport",
            "finance.view_expense",
            "finance.view_exportrun",
            "finance.view_scheduledexport",
            "maintenance.add_fault",
            "maintenance.add_repairlog",
            "maintenance.change_fault",
            "maintenance.triage_fault",
            "maintenance.view_downtime",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "maintenance.view_repairlog",
            "mikrotik.add_hotspotprofile",
            "mikrotik.change_hotspotprofile",
            "mikrotik.delete_hotspotprofile",
            "mikrotik.view_hotspotprofile",
            "mikrotik.view_hotspotuser",
            "mikrotik.view_routerevent",
            "mikrotik.view_routersample",
            "sales.add_commissionrule",
            "sales.add_refund",
            "sales.add_remittance",
            "sales.add_sale",
            "sales.change_commissionrule",
            "sales.give_discount",
            "sales.view_commissionrule",
            "sales.view_refund",
            "sales.view_remittance",
            "sales.view_sale",
            "sites.add_router",
            "sites.add_site",
            "sites.change_router",
            "sites.change_site",
            "sites.delete_router",
            "sites.delete_site",
            "sites.operate_router",
            "sites.view_router",
            "sites.view_site",
            "vouchers.add_cardtemplate",
            "vouchers.add_package",
            "vouchers.add_voucherbatch",
            "vouchers.change_cardtemplate",
            "vouchers.change_package",
            "vouchers.change_voucher",
            "vouchers.change_voucherbatch",
            "vouchers.view_cardtemplate",
            "vouchers.view_package",
            "vouchers.view_voucher",
            "vouchers.view_voucherbatch",
        }
    )
    | SUPPORT_PERMISSIONS[Role.SUPER_ADMIN]
    | OPENWISP_PERMISSIONS[Role.SUPER_ADMIN],
    Role.MARKETING: frozenset(
        {
            "messaging.add_template",
            "messaging.change_template",
            "messaging.view_template",
            "messaging.add_campaign",
            "messaging.view_campaign",
            "messaging.view_message",
            "messaging.send_sms",
            "messaging.resend_sms",
            "portal.view_portalsession",
            "analytics.view_analytics",
            "clients.add_client",
            "clients.change_client",
            "clients.view_client",
            "maintenance.add_fault",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "sales.view_sale",
            "sites.view_site",
            "vouchers.add_voucherbatch",
            "vouchers.view_package",
            "vouchers.view_voucher",
            "vouchers.view_voucherbatch",
        }
    )
    | SUPPORT_PERMISSIONS[Role.MARKETING],
    Role.SALES: frozenset(
        {
            "messaging.view_template",
            "messaging.view_message",
            "messaging.send_sms",
            "clients.add_client",
            "clients.change_client",
            "clients.view_client",
            "maintenance.add_fault",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "mikrotik.view_hotspotprofile",
            "mikrotik.view_routersample",
            "sales.add_sale",
            "sales.give_discount",
            "sales.view_refund",
            "sales.view_sale",
            "sites.view_router",
            "sites.view_site",
            "vouchers.add_voucherbatch",
            "vouchers.change_voucher",
            "vouchers.view_package",
            "vouchers.view_voucher",
            "vouchers.view_voucherbatch",
        }
    ),
    Role.TECHNICAL: frozenset(
        {
            "sync.use_field_app",
            "portal.view_portalsettings",
            "portal.change_portalsettings",
            "portal.view_voucherattempt",
            "portal.view_portalsession",
            "portal.view_openndsgateway",
            "portal.add_openndsgateway",
            "portal.change_openndsgateway",
            "assets.add_asset",
            "assets.add_assettype",
            "assets.change_asset",
            "assets.import_assets",
            "assets.move_asset",
            "assets.print_asset_labels",
            "assets.view_asset",
            "assets.view_asset_value",
            "assets.view_assetmovement",
            "assets.view_assettype",
            "maintenance.add_fault",
            "maintenance.add_repairlog",
            "maintenance.change_fault",
            "maintenance.view_downtime",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "maintenance.view_repairlog",
            "mikrotik.add_hotspotprofile",
            "mikrotik.change_hotspotprofile",
            "mikrotik.view_hotspotprofile",
            "mikrotik.view_hotspotuser",
            "mikrotik.view_routerevent",
            "mikrotik.view_routersample",
            "sites.add_router",
            "sites.change_router",
            "sites.operate_router",
            "sites.view_router",
            "sites.view_site",
            "vouchers.view_package",
        }
    )
    | SUPPORT_PERMISSIONS[Role.TECHNICAL]
    | OPENWISP_PERMISSIONS[Role.TECHNICAL],
    Role.FINANCE: frozenset(
        {
            "messaging.view_message",
            "messaging.view_campaign",
            "messaging.view_sms_cost",
            "sync.view_conflict",
            "sync.change_conflict",
            "payments.view_payment",
            "payments.view_reconciliation",
            "payments.add_reconciliation",
            "payments.refund_payment",
            "payments.view_paymentrefund",
            "portal.view_portalsession",
            "portabilling.view_portabillingsite",
            "portabilling.view_portaaccount",
            "portabilling.view_portacredit",
            "analytics.view_finance_analytics",
            "assets.view_asset",
            "assets.view_asset_value",
            "assets.view_assetmovement",
            "assets.view_assettype",
            "clients.view_client",
            "finance.add_expense",
            "finance.add_scheduledexport",
            "finance.change_expense",
            "finance.change_scheduledexport",
            "finance.view_expense",
            "finance.view_exportrun",
            "finance.view_scheduledexport",
            "maintenance.add_fault",
            "maintenance.view_downtime",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "maintenance.view_repairlog",
            "mikrotik.view_routerevent",
            "mikrotik.view_routersample",
            "sales.add_commissionrule",
            "sales.add_refund",
            "sales.add_remittance",
            "sales.change_commissionrule",
            "sales.view_commissionrule",
            "sales.view_refund",
            "sales.view_remittance",
            "sales.view_sale",
            "sites.view_router",
            "sites.view_site",
            "vouchers.change_voucherbatch",
            "vouchers.view_package",
            "vouchers.view_voucher",
            "vouchers.view_voucherbatch",
        }
    )
    | SUPPORT_PERMISSIONS[Role.FINANCE],
    Role.AGENT: frozenset(
        {
            "messaging.view_template",
            "messaging.view_message",
            "messaging.send_sms",
            "sync.use_field_app",
            "analytics.view_own_analytics",
            "clients.add_client",
            "clients.change_client",
            "clients.view_client",
            "maintenance.add_fault",
            "maintenance.view_fault",
            "maintenance.view_faultphoto",
            "sales.add_sale",
            "sales.view_remittance",
            "sales.view_sale",
            "sites.view_site",
            "vouchers.view_package",
            "vouchers.view_voucher",
        }
    ),
}
