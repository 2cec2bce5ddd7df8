from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from analytics.api import (
    ExportRunApiViewSet,
    ProfitAPIView,
    ReportExportAPIView,
    ReportJobAPIView,
    ReportJobDownloadAPIView,
    ScheduledExportApiViewSet,
)
from dashboards.bridge import dash_view
from erp.accounts import api as accounts_api
from erp.accounts.views import ErpAuthViewset
from erp.assets import api as assets_api
from erp.clients.api import ClientApiViewSet
from erp.core import branding
from erp.core.api_schema import CachedSpectacularAPIView
from erp.core.icons import favicon
from erp.core.views import healthz
from erp.finance.api import ExpenseApiViewSet
from erp.frontend import site
from erp.maintenance import api as maintenance_api
from erp.maintenance.views import FaultPhotoView
from erp.messaging import api as messaging_api
from erp.mikrotik import api as mikrotik_api
from erp.ops.metrics import metrics_view
from erp.payments import api as payments_api
from erp.sales.api import (
    CommissionRuleApiViewSet,
    DailySummaryAPIView,
    RemittanceApiViewSet,
    SaleApiViewSet,
    StatementAPIView,
)
from erp.sites.api import RouterApiViewSet, SiteApiViewSet
from erp.support.views_pages import TicketAttachmentView
from erp.support.views_public import RateView
from erp.sync import api as sync_api
from erp.vouchers import api as vouchers_api
from workflows.fault_repair import api as fault_process_api
from workflows.support_ticket import api as ticket_process_api
from workflows.voucher_batch import api as batch_api

router = DefaultRouter()
router.register("sites", SiteApiViewSet, basename="site")
router.register("routers", RouterApiViewSet, basename="router")
router.register("clients", ClientApiViewSet, basename="client")
router.register("users", accounts_api.UserApiViewSet, basename="user")
router.register("packages", vouchers_api.PackageApiViewSet, basename="package")
router.register("voucher-batches", batch_api.BatchProcessApiViewSet, basename="voucherbatch")
router.register("vouchers", vouchers_api.VoucherApiViewSet, basename="voucher")
router.register("sales", SaleApiViewSet, basename="sale")
router.register("remittances", RemittanceApiViewSet, basename="remittance")
router.register("expenses", ExpenseApiViewSet, basename="expense")
router.register("commission-rules", CommissionRuleApiViewSet, basename="commissionrule")
router.register("scheduled-exports", ScheduledExportApiViewSet, basename="scheduledexport")
router.register("export-runs", ExportRunApiViewSet, basename="exportrun")
router.register("asset-types", assets_api.AssetTypeApiViewSet, basename="assettype")
router.register("assets", assets_api.AssetApiViewSet, basename="asset")
router.register("asset-movements", assets_api.AssetMovementApiViewSet, basename="assetmovement")
router.register("faults", fault_process_api.FaultProcessApiViewSet, basename="fault")
router.register("repair-logs", fault_process_api.RepairProcessApiViewSet, basename="repairlog")
router.register("downtimes", maintenance_api.DowntimeApiViewSet, basename="downtime")
router.register(
    "hotspot-profiles", mikrotik_api.HotspotProfileApiViewSet, basename="hotspotprofile"
)
router.register("sync/conflicts", sync_api.ConflictApiViewSet, basename="syncconflict")
router.register("sms-messages", messaging_api.MessageApiViewSet, basename="sms-message")
router.register("sms-templates", messaging_api.TemplateApiViewSet, basename="sms-template")
router.register("sms-campaigns", messaging_api.CampaignApiViewSet, basename="sms-campaign")
router.register("tickets", ticket_process_api.TicketProcessApiViewSet, basename="ticket")
router.register("payments", payments_api.PaymentApiViewSet, basename="payment")
router.register(
    "payment-reconciliations",
    payments_api.ReconciliationApiViewSet,
    basename="payment-reconciliation",
)

router_ops = [
    path("test/", mikrotik_api.RouterTestAPIView.as_view(), name="router_test"),
    path("sync-profiles/", mikrotik_api.RouterSyncProfilesAPIView.as_view(), name="router_sync"),
    path("active/", mikrotik_api.RouterActiveAPIView.as_view(), name="router_active"),
    path("kick/", mikrotik_api.RouterKickAPIView.as_view(), name="router_kick"),
    path("drift/", mikrotik_api.RouterDriftAPIView.as_view(), name="router_drift"),
    path("drift/repair/", mikrotik_api.RouterDriftRepairAPIView.as_view(), name="router_repair"),
    path("samples/", mikrotik_api.RouterSamplesAPIView.as_view(), name="router_samples"),
    path("events/", mikrotik_api.RouterEventsAPIView.as_view(), name="router_events"),
]

api_v1 = [
    path("auth/token/", accounts_api.TokenObtainAPIView.as_view(), name="token_obtain"),
    path(
        "auth/token/refresh/",
        accounts_api.TokenRefreshRotateAPIView.as_view(),
        name="token_refresh",
    ),
    path("auth/logout/", accounts_api.TokenLogoutAPIView.as_view(), name="token_logout"),
    path(
        "auth/password/", accounts_api.PasswordChangeAPIView.as_view(), name="password_change_api"
    ),
    path("me/", accounts_api.MeAPIView.as_view(), name="me"),
    path("sms-count/", messaging_api.CountAPIView.as_view(), name="sms_count"),
    path("routers/<uuid:pk>/", include(router_ops)),
    path("router-jobs/<uuid:job_id>/", mikrotik_api.RouterJobAPIView.as_view(), name="router_job"),
    path("statements/<uuid:agent_id>/", StatementAPIView.as_view(), name="statement"),
    path("reports/daily/", DailySummaryAPIView.as_view(), name="daily_summary"),
    path("reports/profit/", ProfitAPIView.as_view(), name="profit"),
    path("reports/<slug:report>.<str:fmt>", ReportExportAPIView.as_view(), name="report_export"),
    path("report-jobs/<uuid:job_id>/", ReportJobAPIView.as_view(), name="report_job"),
    path(
        "report-jobs/<uuid:job_id>/download/",
        ReportJobDownloadAPIView.as_view(),
        name="report_job_download",
    ),
    path("sync/push", sync_api.PushAPIView.as_view(), name="sync_push"),
    path("sync/pull", sync_api.PullAPIView.as_view(), name="sync_pull"),
    path("sync/key", sync_api.KeyAPIView.as_view(), name="sync_key"),
    *router.urls,
]

admin.site.site_header = admin.site.site_title = branding.product_name_lazy()
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    # django-rosetta: the Super Admin edits the translations (ROSETTA_ACCESS_CONTROL_FUNCTION)
    path("translations/", include("rosetta.urls")),
    path("admin/", admin.site.urls),
    path("sms/", include("erp.messaging.urls")),
    # login, logout, reset; "My profile" and "Change password" are ours (erp.accounts.views)
    path("accounts/", ErpAuthViewset(frame_site=site).urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # Generated once per process (erp/core/api_schema.py), rendered per request.
    path("api/schema/", CachedSpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script: CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # The Dash analytics app, behind Django's session, roles and CSRF (dashboards/bridge.py).
    re_path(r"^analytics/(?P<path>.*)$", dash_view, name="analytics"),
    # Captive portal and payment provider webhooks (issue 18)
    path("portal/", include("erp.portal.urls")),
    path("payments/", include("erp.payments.urls")),
    # The offline field app (erp.sync): shell, manifest, service worker.
    path("app/", include("erp.sync.urls")),
    path("fault-photos/<uuid:pk>/", FaultPhotoView.as_view(), name="fault_photo"),
    path(
        "support/attachments/<uuid:pk>/",
        TicketAttachmentView.as_view(),
        name="ticket_attachment",
    ),
    # a customer rates a resolved support ticket from the link in the SMS / e-mail (issue 19)
    path("rate/<str:token>/", RateView.as_view(), name="ticket_rate"),
    path("", site.urls),
]

# A path under /api/ that matches no route answers JSON, as the schema documents.
handler404 = "erp.core.views.not_found"
handler403 = "erp.core.views.forbidden"
