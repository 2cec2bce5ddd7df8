"""UI for packages, batches and vouchers (stock, search by code, history)."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from viewflow.urls import ReadonlyModelViewset
from viewflow.utils import Icon
from viewflow.views import Action

from erp.core.views import RecordDetailView
from erp.core.viewsets import BoundedListView, RecordViewset

from . import selectors, services, views
from .forms import CardTemplateForm, PackageForm
from .models import CardTemplate, Package, Voucher, VoucherBatch


class PackageViewset(RecordViewset):
    model = Package
    icon = "sell"
    title = _("Packages")
    form_class = PackageForm
    list_columns = ("name", "price", "validity", "rate_limit", "is_active")
    list_filter_fields = ("is_active",)
    list_search_fields = ("name",)

    def get_queryset(self, request):
        return Package.objects.select_related("profile")

    def create_object(self, request, form):
        return services.save_package(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.save_package(actor=request.user, package=obj, **form.cleaned_data)


class BatchViewset(ReadonlyModelViewset):
    """Batches with their progress; they are requested and decided in the Voucher batches
    process (task inbox)."""

    model = VoucherBatch
    icon = "inventory_2"
    title = _("Batches")
    list_view_class = BoundedListView
    list_columns = (
        "created_at",
        "package",
        "quantity",
        "site",
        "status",
        "generated_count",
        "pushed_count",
        "failed_count",
    )
    list_filter_fields = ("status",)
    detail_view_class = RecordDetailView
    detail_template_name = "vouchers/batch_detail.html"

    def get_queryset(self, request):
        return selectors.batches_visible_to(request.user)

    def get_detail_context(self, request, batch) -> dict:
        age = selectors.stuck_age(batch)
        return {
            "stuck_age": age,
            "stuck_age_text": timesince(timezone.now() - age) if age is not None else "",
            "stuck_cause": selectors.stuck_cause(batch) if age is not None else "",
            "can_resume": age is not None and services.may_resume(request.user),
            "resume_url": self.reverse("resume", args=[batch.pk]),
        }

    @property
    def resume_path(self):
        return path("<uuid:pk>/resume/", views.BatchResumeView.as_view(viewset=self), name="resume")

    def get_detail_page_actions(self, request, obj, *actions):
        prints = [
            Action(
                name=label,
                url=self.reverse(name, args=[obj.pk]) + query,
                icon=Icon(icon, class_="material-icons mdc-list-item__graphic"),
            )
            for label, name, query, icon in (
                (_("Print A4 cards"), "cards", "?layout=a4", "print"),
                (_("Print 58 mm roll"), "cards", "?layout=58mm", "receipt"),
                (_("Print 80 mm roll"), "cards", "?layout=80mm", "receipt_long"),
                (_("Codes as CSV"), "codes", "", "download"),
            )
        ]
        return super().get_detail_page_actions(request, obj, *prints, *actions)

    @property
    def cards_path(self):
        return path("<uuid:pk>/cards/", views.BatchCardsView.as_view(viewset=self), name="cards")

    @property
    def codes_path(self):
        return path("<uuid:pk>/codes/", views.BatchCodesView.as_view(viewset=self), name="codes")


class VoucherViewset(ReadonlyModelViewset):
    """Voucher stock; support searches a customer's code and reads its history."""

    model = Voucher
    icon = "confirmation_number"
    title = _("Vouchers")
    list_view_class = BoundedListView
    list_columns = ("code", "package", "site", "agent", "status", "expires_at")
    list_filter_fields = ("status",)
    list_search_fields = ("=code",)
    detail_view_class = RecordDetailView
    detail_template_name = "vouchers/voucher_detail.html"

    def get_queryset(self, request):
        """Newest first by id (ids are in creation order, so a batch's codes stay together),
        not by the model's (batch, code): that sorts on the batch's creation time, which no
        index of the voucher serves, so an agent's list walked every newer batch of the
        network to find the agent's 20 (5.4 s at 10,000,000 vouchers, bench/pages.py); by id
        it reads the agent's or the site's vouchers by their index, or the newest by the key."""
        return selectors.vouchers_visible_to(request.user).order_by("-pk")

    def get_list_page_actions(self, request, *actions):
        if request.user.has_perm("vouchers.change_voucher"):
            assign = Action(
                name=_("Assign to an agent"),
                url=self.reverse("assign"),
                icon=Icon("person_add", class_="material-icons mdc-list-item__graphic"),
            )
            actions = (assign, *actions)
        return super().get_list_page_actions(request, *actions)

    @property
    def assign_path(self):
        return path("assign/", views.AssignView.as_view(viewset=self), name="assign")

    def get_detail_context(self, request, voucher) -> dict:
        can_change = request.user.has_perm("vouchers.change_voucher")
        return {
            "voucher_events": voucher.events.select_related("actor").order_by("at", "pk"),
            "can_void": can_change and voucher.status not in ("expired", "void"),
            "can_return": can_change and voucher.status == "unused" and voucher.agent_id,
            "void_url": self.reverse("void", args=[voucher.pk]),
            "return_url": self.reverse("return", args=[voucher.pk]),
        }

    @property
    def void_path(self):
        return path(
            "<int:pk>/void/",
            views.VoucherActionView.as_view(viewset=self, action="void"),
            name="void",
        )

    @property
    def return_path(self):
        return path(
            "<int:pk>/return/",
            views.VoucherActionView.as_view(viewset=self, action="return"),
            name="return",
        )


class CardTemplateViewset(RecordViewset):
    """Super Admin edits the card; Preview shows it on sample vouchers as a PDF."""

    model = CardTemplate
    icon = "style"
    title = _("Card templates")
    form_class = CardTemplateForm
    list_columns = ("name", "is_active", "updated_at")

    def get_queryset(self, request):
        return CardTemplate.objects.all()

    def create_object(self, request, form):
        return services.save_card_template(actor=request.user, **form.cleaned_data)

    def update_object(self, request, obj, form):
        return services.save_card_template(actor=request.user, template=obj, **form.cleaned_data)

    def get_detail_page_actions(self, request, obj, *actions):
        preview = Action(
            name=_("Preview"),
            url=self.reverse("preview", args=[obj.pk]),
            icon=Icon("visibility", class_="material-icons mdc-list-item__graphic"),
        )
        return super().get_detail_page_actions(request, obj, preview, *actions)

    @property
    def preview_path(self):
        return path(
            "<uuid:pk>/preview/", views.CardPreviewView.as_view(viewset=self), name="preview"
        )
