"""The role groups exist with exactly the permissions the requirements give each role."""

import pytest
from django.contrib.auth.models import Group

from erp.accounts.roles import INET_ROLE_MAP, Role

ROUTER_OPS = {
    "sites.operate_router",
    "mikrotik.view_hotspotprofile",
    "mikrotik.view_hotspotuser",
    "mikrotik.view_routerevent",
    "mikrotik.view_routersample",
    "mikrotik.add_hotspotprofile",
    "mikrotik.change_hotspotprofile",
}
VOUCHERS = {
    "Super Admin": {
        "vouchers.add_package",
        "vouchers.change_package",
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
        "vouchers.add_cardtemplate",
        "vouchers.change_cardtemplate",
        "vouchers.view_cardtemplate",
    },
    "Sales": {
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.change_voucher",
        "vouchers.view_voucher",
    },
    "Marketing": {
        "vouchers.view_package",
        "vouchers.add_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    },
    "Finance": {
        "vouchers.view_package",
        "vouchers.change_voucherbatch",
        "vouchers.view_voucherbatch",
        "vouchers.view_voucher",
    },
    "Technical": {"vouchers.view_package"},
    "Agent": {"vouchers.view_package", "vouchers.view_voucher"},
}
FINANCE_APP = {
    "finance.add_expense",
    "finance.change_expense",
    "finance.view_expense",
    "finance.add_scheduledexport",
    "finance.change_scheduledexport",
    "finance.view_scheduledexport",
    "finance.view_exportrun",
}
# Which analytics pages a role sees (analytics/migrations/0002).
ANALYTICS = {
    "Super Admin": {"analytics.view_analytics"},
    "Marketing": {"analytics.view_analytics"},
    "Finance": {"analytics.view_finance_analytics"},
    "Agent": {"analytics.view_own_analytics"},
}
FAULT_REPORTER = {
    "maintenance.add_fault",
    "maintenance.view_fault",
    "maintenance.view_faultphoto",
}
MAINTENANCE = {
    "Super Admin": FAULT_REPORTER
    | {
        "maintenance.change_fault",
        "maintenance.triage_fault",
        "maintenance.add_repairlog",
        "maintenance.view_repairlog",
        "maintenance.view_downtime",
    },
    # A repair's cost becomes a Repairs expense waiting for Finance (no expense permission).
    "Technical": FAULT_REPORTER
    | {
        "maintenance.change_fault",
        "maintenance.add_repairlog",
        "maintenance.view_repairlog",
        "maintenance.view_downtime",
    },
    "Finance": FAULT_REPORTER | {"maintenance.view_repairlog", "maintenance.view_downtime"},
    "Marketing": FAULT_REPORTER,
    "Sales": FAULT_REPORTER,
    "Agent": FAULT_REPORTER,
}
SALES = {
    "Super Admin": {
        "sales.add_sale",
        "sales.view_sale",
        "sales.give_discount",
        "sales.add_commissionrule",
        "sales.change_commissionrule",
        "sales.view_commissionrule",
        "sales.add_refund",
        "sales.view_refund",
        "sales.add_remittance",
        "sales.view_remittance",
    },
    "Sales": {"sales.add_sale", "sales.view_sale", "sales.give_discount", "sales.view_refund"},
    "Agent": {"sales.add_sale", "sales.view_sale", "sales.view_remittance"},
    "Finance": {
        "sales.view_sale",
        "sales.add_commissionrule",
        "sales.change_commissionrule",
        "sales.view_commissionrule",
        "sales.add_refund",
        "sales.view_refund",
        "sales.add_remittance",
        "sales.view_remittance",
    },
    "Marketing": {"sales.view_sale"},
}
ASSETS_MANAGE = {
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
}
ASSETS = {
    "Super Admin": ASSETS_MANAGE | {"assets.change_assettype"},
    "Technical": ASSETS_MANAGE,
    "Finance": {
        "assets.view_assettype",
        "assets.view_asset",
        "assets.view_asset_value",
        "assets.view_assetmovement",
    },
}
PORTAL_SETUP = {
    "portal.view_portalsettings",
    "portal.change_portalsettings",
    "portal.view_voucherattempt",
    "portal.view_portalsession",
    "portal.view_openndsgateway",
    "portal.add_openndsgateway",
    "portal.change_openndsgateway",
}
# The captive portal and online payments: Super Admin files provider accounts; Technical sets
# up the portal and the openNDS gateways; Finance reads payments; Marketing the sessions.
PORTAL = {
    "Super Admin": PORTAL_SETUP
    | {
        "portal.add_portalsettings",
        "payments.view_payment",
        "payments.view_provideraccount",
        "payments.add_provideraccount",
        "payments.change_provideraccount",
        "payments.view_reconciliation",
        "payments.view_paymentrefund",
    },
    "Technical": PORTAL_SETUP,
    # Finance refunds payments and runs a reconciliation on demand
    "Finance": {
        "payments.view_payment",
        "payments.view_reconciliation",
        "payments.add_reconciliation",
        "payments.refund_payment",
        "payments.view_paymentrefund",
        "portal.view_portalsession",
    },
    "Marketing": {"portal.view_portalsession"},
}
# The field app syncs for agents and technicians; Finance settles money conflicts (erp.sync).
SYNC = {
    "Super Admin": {"sync.view_conflict", "sync.change_conflict", "sync.view_device"},
    "Finance": {"sync.view_conflict", "sync.change_conflict"},
    "Technical": {"sync.use_field_app"},
    "Agent": {"sync.use_field_app"},
}
# Support tickets (issue 19): Customer Care = Marketing, Billing Officer = Finance,
# Field Technician = Technical.
_TICKET_WORKER = {
    "support.view_ticket",
    "support.change_ticket",
    "support.add_ticketmessage",
    "support.view_ticketmessage",
    "support.view_category",
    "support.view_incident",
}
_CUSTOMER_CARE = _TICKET_WORKER | {
    "support.add_ticket",
    "support.triage_ticket",
    "support.work_customer_care",
}
SUPPORT = {
    "Super Admin": _CUSTOMER_CARE
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
    "Marketing": _CUSTOMER_CARE,
    "Technical": _TICKET_WORKER | {"support.change_incident", "support.work_field"},
    "Finance": _TICKET_WORKER | {"support.work_billing"},
}
# OpenWISP (issue 20): Super Admin sets it up; Technical sees APs and decides matches.
_OPENWISP_READ = {
    "openwisp.view_openwispdevice",
    "openwisp.view_discoveryrun",
    "openwisp.view_matchconflict",
    "openwisp.view_devicehealthevent",
    "openwisp.decide_match",
}
OPENWISP = {
    "Super Admin": _OPENWISP_READ
    | {
        "openwisp.view_openwispsettings",
        "openwisp.add_openwispsettings",
        "openwisp.change_openwispsettings",
    },
    "Technical": _OPENWISP_READ,
}
EXPECTED = {
    "Super Admin": {
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "sites.add_site",
        "sites.change_site",
        "sites.delete_site",
        "sites.view_site",
        "sites.add_router",
        "sites.change_router",
        "sites.delete_router",
        "sites.view_router",
        "clients.add_client",
        "clients.change_client",
        "clients.delete_client",
        "clients.view_client",
        *ROUTER_OPS,
        "mikrotik.delete_hotspotprofile",
        *(
            f"django_celery_beat.{action}_{model}"
            for action in ("add", "change", "delete", "view")
            for model in (
                "periodictask",
                "intervalschedule",
                "crontabschedule",
                "solarschedule",
                "clockedschedule",
            )
        ),
    },
    "Marketing": {
        "sites.view_site",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
    },
    "Sales": {
        "sites.view_site",
        "sites.view_router",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
        "mikrotik.view_hotspotprofile",
        "mikrotik.view_routersample",
    },
    "Technical": {
        "sites.view_site",
        "sites.add_router",
        "sites.change_router",
        "sites.view_router",
        *ROUTER_OPS,
    },
    "Finance": {
        "sites.view_site",
        "sites.view_router",
        "clients.view_client",
        "mikrotik.view_routerevent",
        "mikrotik.view_routersample",
    },
    "Agent": {
        "sites.view_site",
        "clients.add_client",
        "clients.change_client",
        "clients.view_client",
    },
}


# SMS (issue 17): Marketing runs campaigns and writes templates; agents and Sales send to
# their own clients; Finance sees logs and costs.
_SMS_SENDERS = {"messaging.view_template", "messaging.view_message", "messaging.send_sms"}
MESSAGING = {
    "Super Admin": {
        "messaging.add_gateway",
        "messaging.change_gateway",
        "messaging.view_gateway",
        "messaging.add_template",
        "messaging.change_template",
        "messaging.add_campaign",
        "messaging.view_campaign",
        "messaging.resend_sms",
        "messaging.view_sms_cost",
        *_SMS_SENDERS,
    },
    "Marketing": {
        "messaging.add_template",
        "messaging.change_template",
        "messaging.add_campaign",
        "messaging.view_campaign",
        "messaging.resend_sms",
        *_SMS_SENDERS,
    },
    "Sales": _SMS_SENDERS,
    "Agent": _SMS_SENDERS,
    "Finance": {"messaging.view_message", "messaging.view_campaign", "messaging.view_sms_cost"},
}

# PortaBilling (issue 20): a Super Admin configures sites and repairs; Finance reads.
_PORTA_READ = {
    "portabilling.view_portabillingsite",
    "portabilling.view_portaaccount",
    "portabilling.view_portacredit",
}
PORTABILLING = {
    "Super Admin": {
        *_PORTA_READ,
        "portabilling.add_portabillingsite",
        "portabilling.change_portabillingsite",
        "portabilling.operate_portabilling",
    },
    "Finance": _PORTA_READ,
}


@pytest.mark.django_db
def test_migration_seeds_every_role_with_its_permissions():
    # Given a freshly migrated database (no fixture re-seeding here)
    # Then each role is a group holding exactly its permissions
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    for role, expected in EXPECTED.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        finance = FINANCE_APP if role in ("Super Admin", "Finance") else set()
        assert granted == (
            expected
            | VOUCHERS[role]
            | SALES.get(role, set())
            | finance
            | ASSETS.get(role, set())
            | ANALYTICS.get(role, set())
            | MAINTENANCE[role]
            | PORTAL.get(role, set())
            | SYNC.get(role, set())
            | MESSAGING.get(role, set())
            | SUPPORT.get(role, set())
            | PORTABILLING.get(role, set())
            | OPENWISP.get(role, set())
        ), role


def test_every_inet_role_maps_to_a_viornet_role():
    assert set(INET_ROLE_MAP) == {
        "Root",
        "System Admin",
        "Customer Care",
        "Field Technician",
        "Billing Officer",
    }
    assert all(role in Role for role in INET_ROLE_MAP.values())


@pytest.mark.django_db
def test_user_role_and_staff_flag_follow_the_group(make_user):
    admin = make_user(Role.SUPER_ADMIN)
    agent = make_user(Role.AGENT)
    assert admin.role == "Super Admin" and admin.is_staff and admin.sees_all_sites
    assert agent.role == "Agent" and not agent.is_staff and agent.is_agent
