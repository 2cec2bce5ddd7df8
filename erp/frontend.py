"""The UI shell: viewflow's material frontend (sidebar on desktop, drawer on mobile).

A module appears in the menu once it exists and only for roles that may view it.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Application, Site

from analytics.viewsets import ReportsViewset, ScheduledExportViewset
from erp.accounts.viewsets import UserViewset
from erp.assets.viewsets import AssetsApp
from erp.clients.viewsets import ClientViewset
from erp.core import branding
from erp.finance.viewsets import ExpenseViewset
from erp.integrations.openwisp.viewsets import OpenWispApp
from erp.integrations.portabilling.views import ActionView, IndexView, SiteView
from erp.messaging.views_pages import CampaignsView, ComposeView, ResendView, SmsLogView
from erp.mikrotik.viewsets import OperatedRouterViewset
from erp.notifications.views import (
    ChannelsView,
    MarkReadView,
    NotificationListView,
    OpenNotificationView,
    PushSubscriptionView,
    UnreadCountView,
)
from erp.payments.views_pages import (
    PaymentDetailView,
    PaymentListView,
    ReconciliationsView,
    RefundView,
)
from erp.sales.views import PosView, ReceiptPdfView, ReceiptView
from erp.sales.viewsets import CommissionRuleViewset, RemittanceViewset, SaleViewset
from erp.sites.viewsets import SiteViewset
from erp.support.views_pages import DeskTicketView, TicketDetailView, TicketListView
from erp.vouchers.viewsets import (
    BatchViewset,
    CardTemplateViewset,
    PackageViewset,
    VoucherViewset,
)
from erp.workbench.views import HomeView
from workflows.approvals import ApprovalsView
from workflows.fault_repair.viewsets import FaultRepairAppViewset
from workflows.support_ticket.viewsets import SupportTicketAppViewset
from workflows.voucher_batch.viewsets import VoucherBatchAppViewset


def _any_perm(*perms: str):
    """Menu gate for an application. Anonymous users pass it so that the page itself sends
    them to the login form (with ?next=) instead of a bare 403."""

    def check(user) -> bool:
        return not user.is_authenticated or any(user.has_perm(p) for p in perms)

    return check


class DashboardApp(Application):
    title = _("Dashboard")
    icon = "dashboard"
    app_name = "dashboard"
    menu_template_name = None

    @property
    def index_path(self):
        return path("", HomeView.as_view(), name="index")


class PosApp(Application):
    """The point of sale: a page made for a phone."""

    title = _("Sell")
    icon = "point_of_sale"
    app_name = "pos"
    menu_template_name = None
    permission = staticmethod(_any_perm("sales.add_sale"))

    @property
    def index_path(self):
        return path("", PosView.as_view(), name="index")

    @property
    def receipt_path(self):
        return path("receipt/<uuid:pk>/", ReceiptView.as_view(), name="receipt")

    @property
    def receipt_pdf_path(self):
        return path("receipt/<uuid:pk>/pdf/", ReceiptPdfView.as_view(), name="receipt_pdf")


class NotificationsApp(Application):
    """The user's own notifications (warranties ending, faults to repair …)."""

    title = _("Notifications")
    icon = "notifications"
    app_name = "notifications"
    menu_template_name = None
    permission = staticmethod(lambda user: True)

    @property
    def index_path(self):
        return path("", NotificationListView.as_view(viewset=self), name="index")

    @property
    def read_path(self):
        return path("read/", MarkReadView.as_view(viewset=self), name="read")

    @property
    def open_path(self):
        return path("<uuid:pk>/", OpenNotificationView.as_view(viewset=self), name="open")

    @property
    def unread_path(self):
        return path("unread/", UnreadCountView.as_view(viewset=self), name="unread")

    @property
    def channels_path(self):
        return path("channels/", ChannelsView.as_view(viewset=self), name="channels")

    @property
    def push_path(self):
        return path("push/", PushSubscriptionView.as_view(viewset=self), name="push")


class AnalyticsApp(Application):
    """The Dash dashboards. /analytics/ itself is served by dashboards.bridge (declared before
    the site's URLs), so this entry is the menu link; the view here only redirects."""

    title = _("Analytics")
    icon = "insights"
    app_name = "analytics"
    menu_template_name = None
    permission = staticmethod(
        _any_perm(
            "analytics.view_analytics",
            "analytics.view_finance_analytics",
            "analytics.view_own_analytics",
        )
    )

    @property
    def index_path(self):
        return path("", RedirectView.as_view(url="/analytics/"), name="index")


class SmsApp(Application):
    """SMS (issue 17): logs with state history and resend, compose one, campaigns."""

    title = _("SMS")
    icon = "sms"
    app_name = "sms"
    menu_template_name = None
    permission = staticmethod(_any_perm("messaging.view_message", "messaging.view_campaign"))

    @property
    def index_path(self):
        return path("", SmsLogView.as_view(viewset=self), name="index")

    @property
    def resend_path(self):
        return path("<uuid:pk>/resend/", ResendView.as_view(viewset=self), name="resend")

    @property
    def compose_path(self):
        return path("send/", ComposeView.as_view(viewset=self), name="compose")

    @property
    def campaigns_path(self):
        return path("campaigns/", CampaignsView.as_view(viewset=self), name="campaigns")


class PortaBillingApp(Application):
    """PortaBilling (issue 20): per-site settings, status, last sync, differences, errors."""

    title = _("PortaBilling")
    icon = "receipt_long"
    app_name = "portabilling"
    menu_template_name = None
    permission = staticmethod(_any_perm("portabilling.view_portabillingsite"))

    @property
    def index_path(self):
        return path("", IndexView.as_view(viewset=self), name="index")

    @property
    def site_path(self):
        return path("<uuid:site_id>/", SiteView.as_view(viewset=self), name="site")

    @property
    def action_path(self):
        return path(
            "<uuid:site_id>/<slug:action>/", ActionView.as_view(viewset=self), name="action"
        )


class PaymentsApp(Application):
    """Online payments (issue 18): the list, one payment with its refunds, reconciliations."""

    title = _("Online payments")
    icon = "account_balance_wallet"
    app_name = "payments"  # the URL prefix, /payments/ (the webhooks live under it too)
    namespace = "online_payments"  # "payments" is the webhooks' URL namespace
    menu_template_name = None
    permission = staticmethod(_any_perm("payments.view_payment"))

    @property
    def index_path(self):
        return path("", PaymentListView.as_view(viewset=self), name="index")

    @property
    def reconciliations_path(self):
        return path(
            "reconciliations/",
            ReconciliationsView.as_view(viewset=self),
            name="reconciliations",
        )

    @property
    def detail_path(self):
        return path("<uuid:pk>/", PaymentDetailView.as_view(viewset=self), name="detail")

    @property
    def refund_path(self):
        return path("<uuid:pk>/refund/", RefundView.as_view(viewset=self), name="refund")


class ApprovalsApp(Application):
    """Everything waiting for the user's approval: expenses and voucher batch requests."""

    title = _("Approvals")
    icon = "approval"
    app_name = "approvals"
    menu_template_name = None
    permission = staticmethod(_any_perm("finance.change_expense", "vouchers.change_voucherbatch"))

    @property
    def index_path(self):
        return path("", ApprovalsView.as_view(), name="index")


class SupportApp(Application):
    """Support tickets (issue 19): triage queue and list, the desk form, one ticket. Not a menu
    entry of its own: the *Support* entry (the ticket process's app) links to these pages."""

    title = _("Support")
    icon = "support_agent"
    app_name = "support"
    menu_template_name = None
    in_menu = False
    permission = staticmethod(_any_perm("support.view_ticket"))

    @property
    def index_path(self):
        return path("", TicketListView.as_view(viewset=self), name="index")

    @property
    def desk_path(self):
        return path("new/", DeskTicketView.as_view(viewset=self), name="new")

    @property
    def detail_path(self):
        return path("<uuid:pk>/", TicketDetailView.as_view(viewset=self), name="detail")


class ErpSite(Site):
    """The site menu leaves out the apps reached from another app's menu (``in_menu = False``)."""

    def menu_items(self):
        return [app for app in super().menu_items() if getattr(app, "in_menu", True)]


site = ErpSite(
    title=branding.product_name_lazy(),
    primary_color=branding.PRIMARY_COLOR,
    secondary_color=branding.SECONDARY_COLOR,
    viewsets=[
        DashboardApp(),
        PosApp(),
        ApprovalsApp(),
        AnalyticsApp(),
        Application(
            title=_("Network"),
            icon="cell_tower",
            app_name="network",
            permission=_any_perm("sites.view_site", "sites.view_router"),
            viewsets=[SiteViewset(), OperatedRouterViewset()],
        ),
        Application(
            title=_("Customers"),
            icon="people",
            app_name="customers",
            permission=_any_perm("clients.view_client"),
            viewsets=[ClientViewset()],
        ),
        Application(
            title=_("Vouchers"),
            icon="confirmation_number",
            app_name="vouchers",
            permission=_any_perm("vouchers.view_voucher"),
            viewsets=[VoucherViewset(), BatchViewset(), PackageViewset(), CardTemplateViewset()],
        ),
        AssetsApp(permission=_any_perm("assets.view_asset")),
        NotificationsApp(),
        SmsApp(),
        PaymentsApp(),
        VoucherBatchAppViewset(),
        Application(
            title=_("Finance"),
            icon="payments",
            app_name="finance",
            permission=_any_perm(
                "sales.view_sale", "sales.view_remittance", "finance.view_expense"
            ),
            viewsets=[
                ReportsViewset(),
                SaleViewset(),
                RemittanceViewset(),
                ExpenseViewset(),
                CommissionRuleViewset(),
                ScheduledExportViewset(),
            ],
        ),
        FaultRepairAppViewset(),
        SupportTicketAppViewset(),
        SupportApp(),
        PortaBillingApp(),
        OpenWispApp(),
        Application(
            title=_("People"),
            icon="manage_accounts",
            app_name="people",
            permission=_any_perm("accounts.view_user"),
            viewsets=[UserViewset()],
        ),
    ],
)
