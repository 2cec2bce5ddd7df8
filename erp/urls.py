from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter
from viewflow.contrib.auth import AuthViewset

from dashboards.bridge import dash_view
from erp.accounts import api as accounts_api
from erp.assets import api as assets_api
from erp.clients.api import ClientViewSet
from erp.core import branding
from erp.core.api_schema import CachedSpectacularAPIView
from erp.core.icons import favicon
from erp.core.views import healthz
from erp.finance.api import (
    ExpenseViewSet,
    ExportRunViewSet,
    ProfitView,
    ReportExportView,
    ScheduledExportViewSet,
)
from erp.frontend import site
from erp.maintenance import api as maintenance_api
from erp.maintenance.views import FaultPhotoView
from erp.messaging import api as messaging_api
from erp.mikrotik import api as mikrotik_api
from erp.ops.metrics import metrics_view
from erp.sales.api import (
    CommissionRuleViewSet,
    DailySummaryView,
    RemittanceViewSet,
    SaleViewSet,
    StatementView,
)
from erp.sites.api import RouterViewSet, SiteViewSet
from erp.support import api as support_api
from erp.sync import api as sync_api
from erp.vouchers import api as vouchers_api
from workflows.fault_repair import api as fault_process_api
from workflows.voucher_batch import api as batch_api

router = DefaultRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("routers", RouterViewSet, basename="router")
router.register("clients", ClientViewSet, basename="client")
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("packages", vouchers_api.PackageViewSet, basename="package")
router.register("voucher-batches", batch_api.BatchProcessApiViewSet, basename="voucherbatch")
router.register("vouchers", vouchers_api.VoucherViewSet, basename="voucher")
router.register("sales", SaleViewSet, basename="sale")
router.register("remittances", RemittanceViewSet, basename="remittance")
router.register("expenses", ExpenseViewSet, basename="expense")
router.register("commission-rules", CommissionRuleViewSet, basename="commissionrule")
router.register("scheduled-exports", ScheduledExportViewSet, basename="scheduledexport")
router.register("export-runs", ExportRunViewSet, basename="exportrun")
router.register("asset-types", assets_api.AssetTypeViewSet, basename="assettype")
router.register("assets", assets_api.AssetViewSet, basename="asset")
router.register("asset-movements", assets_api.AssetMovementViewSet, basename="assetmovement")
router.register("faults", fault_process_api.FaultProcessApiViewSet, basename="fault")
router.register("repair-logs", fault_process_api.RepairProcessApiViewSet, basename="repairlog")
router.register("downtimes", maintenance_api.DowntimeViewSet, basename="downtime")
router.register("hotspot-profiles", mikrotik_api.HotspotProfileViewSet, basename="hotspotprofile")
router.register("sync/conflicts", sync_api.ConflictViewSet, basename="syncconflict")
router.register("sms-messages", messaging_api.MessageViewSet, basename="sms-message")
router.register("sms-templates", messaging_api.TemplateViewSet, basename="sms-template")
router.register("sms-campaigns", messaging_api.CampaignViewSet, basename="sms-campaign")
router.register("tickets", support_api.TicketViewSet, basename="ticket")

router_ops = [
    path("test/", mikrotik_api.RouterTestView.as_view(), name="router_test"),
    path("sync-profiles/", mikrotik_api.RouterSyncProfilesView.as_view(), name="router_sync"),
    path("active/", mikrotik_api.RouterActiveView.as_view(), name="router_active"),
    path("kick/", mikrotik_api.RouterKickView.as_view(), name="router_kick"),
    path("drift/", mikrotik_api.RouterDriftView.as_view(), name="router_drift"),
    path("drift/repair/", mikrotik_api.RouterDriftRepairView.as_view(), name="router_repair"),
    path("samples/", mikrotik_api.RouterSamplesView.as_view(), name="router_samples"),
    path("events/", mikrotik_api.RouterEventsView.as_view(), name="router_events"),
]

api_v1 = [
    path("auth/token/", accounts_api.TokenObtainView.as_view(), name="token_obtain"),
    path(
        "auth/token/refresh/", accounts_api.TokenRefreshRotateView.as_view(), name="token_refresh"
    ),
    path("auth/logout/", accounts_api.TokenLogoutView.as_view(), name="token_logout"),
    path("auth/password/", accounts_api.PasswordChangeView.as_view(), name="password_change_api"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("sms-count/", messaging_api.CountView.as_view(), name="sms_count"),
    path("routers/<uuid:pk>/", include(router_ops)),
    path("router-jobs/<uuid:job_id>/", mikrotik_api.RouterJobView.as_view(), name="router_job"),
    path("statements/<uuid:agent_id>/", StatementView.as_view(), name="statement"),
    path("reports/daily/", DailySummaryView.as_view(), name="daily_summary"),
    path("reports/profit/", ProfitView.as_view(), name="profit"),
    path("reports/<slug:report>.<str:fmt>", ReportExportView.as_view(), name="report_export"),
    path("sync/push", sync_api.PushView.as_view(), name="sync_push"),
    path("sync/pull", sync_api.PullView.as_view(), name="sync_pull"),
    path("sync/key", sync_api.KeyView.as_view(), name="sync_key"),
    *router.urls,
]

admin.site.site_header = admin.site.site_title = branding.product_name_lazy()
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("sms/", include("erp.messaging.urls")),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
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
    path("", site.urls),
]
