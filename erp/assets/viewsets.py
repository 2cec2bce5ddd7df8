"""UI (viewflow) for assets: list with filters and search, detail with the timeline and the
move form, add, edit; labels, import, warranty list and inventory value as pages."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, ReadonlyModelViewset
from viewflow.utils import Icon
from viewflow.views import Action

from erp.core.viewsets import BoundedListView, RecordViewset
from erp.sites.selectors import routers_visible_to, sites_visible_to

from . import selectors, services, views
from .forms import AssetForm, MoveForm
from .models import Asset, AssetMovement, AssetType


def _action(name, url, icon):
    return Action(
        name=name, url=url, icon=Icon(icon, class_="material-icons mdc-list-item__graphic")
    )


class AssetViewset(RecordViewset):
    model = Asset
    icon = "devices_other"
    title = _("Assets")
    form_class = AssetForm
    detail_template_name = "assets/asset_detail.html"
    list_columns = (
        "serial_number",
        "asset_type",
        "model",
        "status",
        "site",
        "condition",
        "warranty_end",
    )
    list_filter_fields = ("asset_type", "status", "condition", "site")
    list_search_fields = ("serial_number", "model", "vendor", "=mac_address")

    def get_queryset(self, request):
        return selectors.assets_visible_to(request.user)

    def limit_form(self, request, form) -> None:
        routers = routers_visible_to(request.user).filter(asset__isnull=True)
        if form.instance.router_id:
            routers = routers | routers_visible_to(request.user).filter(pk=form.instance.router_id)
        form.fields["router"].queryset = routers

    def create_object(self, request, form):
        return services.create_asset(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.update_asset(actor=request.user, asset=obj, **form.cleaned_data)

    def has_change_permission(self, user, obj=None):
        if obj is not None and obj.status == "retired":
            return False
        return super().has_change_permission(user, obj)

    def get_list_page_actions(self, request, *actions):
        user = request.user
        extra = []
        if user.has_perm("assets.print_asset_labels"):
            query = request.GET.urlencode()
            extra.append(
                _action(
                    _("Labels of this list (PDF)"),
                    self.reverse("labels") + (f"?{query}" if query else ""),
                    "qr_code_2",
                )
            )
        if user.has_perm("assets.import_assets"):
            extra.append(
                _action(_("Import from CSV / Excel"), self.reverse("import"), "upload_file")
            )
        extra.append(_action(_("Warranties ending"), self.reverse("warranty"), "event_busy"))
        if user.has_perm("assets.view_asset_value"):
            extra.append(_action(_("Inventory value"), self.reverse("value"), "payments"))
        return super().get_list_page_actions(request, *extra, *actions)

    def get_detail_page_actions(self, request, obj, *actions):
        if request.user.has_perm("assets.print_asset_labels"):
            label = _action(
                _("Print label"), self.reverse("labels") + f"?ids={obj.pk}", "qr_code_2"
            )
            actions = (label, *actions)
        return super().get_detail_page_actions(request, obj, *actions)

    def get_detail_context(self, request, asset) -> dict:
        can_move = request.user.has_perm("assets.move_asset") and asset.status != "retired"
        context = {
            "timeline": selectors.asset_timeline(asset),
            "movements": asset.movements.select_related("from_site", "to_site", "actor")[:50],
            "can_move": can_move,
            "can_see_value": request.user.has_perm("assets.view_asset_value"),
        }
        if can_move:
            form = MoveForm()
            form.fields["to_site"].queryset = sites_visible_to(request.user)
            context["move_form"] = form
            context["move_url"] = self.reverse("move", args=[asset.pk])
        return context

    @property
    def move_path(self):
        return path("<uuid:pk>/move/", views.MoveView.as_view(viewset=self), name="move")

    @property
    def labels_path(self):
        return path("labels/", views.LabelsView.as_view(viewset=self), name="labels")

    @property
    def import_path(self):
        return path("import/", views.ImportView.as_view(viewset=self), name="import")

    @property
    def import_job_path(self):
        return path(
            "import/<uuid:pk>/", views.ImportJobView.as_view(viewset=self), name="import_job"
        )

    @property
    def warranty_path(self):
        return path("warranty/", views.WarrantyView.as_view(viewset=self), name="warranty")

    @property
    def value_path(self):
        return path("value/", views.InventoryValueView.as_view(viewset=self), name="value")


class MovementViewset(ReadonlyModelViewset):
    """Every movement: from, to, who, when, why. Written only by moving an asset."""

    model = AssetMovement
    icon = "local_shipping"
    title = _("Movements")
    list_view_class = BoundedListView
    list_columns = ("at", "asset", "kind", "from_site", "to_site", "actor", "reason")
    list_filter_fields = ("kind", "to_site")

    def get_queryset(self, request):
        return selectors.movements_visible_to(request.user)


class AssetTypeViewset(RecordViewset):
    model = AssetType
    icon = "category"
    title = _("Asset types")
    list_columns = ("name", "code", "has_mac")
    fields = ("name", "code", "has_mac")

    def get_queryset(self, request):
        return selectors.asset_types()

    def create_object(self, request, form):
        return services.save_asset_type(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.save_asset_type(actor=request.user, asset_type=obj, **form.cleaned_data)


class AssetsApp(Application):
    title = _("Assets")
    icon = "devices_other"
    app_name = "assets"

    def __init__(self, permission, **kwargs):
        super().__init__(
            permission=permission,
            viewsets=[AssetViewset(), MovementViewset(), AssetTypeViewset()],
            **kwargs,
        )
