"""Asset pages beyond list/detail/edit: move, labels, import, warranty list, inventory value.
Thin: forms in, a service or selector, a page or a redirect out."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.core.money import format_money
from erp.core.views import errors_to_form
from erp.sites.selectors import sites_visible_to

from . import importing, labels, selectors, services
from .choices import AssetStatus, ImportStatus
from .forms import ImportForm, MoveForm
from .models import AssetImport
from .tasks import run_asset_import


class _AssetPage(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "assets.view_asset"
    viewset = None


class MoveView(_AssetPage, View):
    """The move form on the asset's page: assign/move, return to stock, repair, retire."""

    permission_required = "assets.move_asset"

    def post(self, request, pk):
        asset = get_object_or_404(selectors.assets_visible_to(request.user), pk=pk)
        form = MoveForm(request.POST)
        form.fields["to_site"].queryset = sites_visible_to(request.user)
        if form.is_valid():
            d = form.cleaned_data
            to_status = {
                MoveForm.ASSIGN: AssetStatus.DEPLOYED,
                MoveForm.STOCK: AssetStatus.IN_STOCK,
                MoveForm.REPAIR: AssetStatus.IN_REPAIR,
                MoveForm.RETIRE: AssetStatus.RETIRED,
            }[d["action"]]
            keeps_site = to_status in (AssetStatus.DEPLOYED, AssetStatus.IN_REPAIR)
            try:
                services.move_asset(
                    actor=request.user,
                    asset=asset,
                    to_site=d["to_site"] if keeps_site else None,
                    to_status=to_status,
                    reason=d["reason"],
                    condition=d["condition"] or None,
                    location_note=d["location_note"] or None,
                )
            except ValidationError as exc:
                errors_to_form(form, _site_errors(exc))
            else:
                messages.success(request, _("%(asset)s: done.") % {"asset": asset})
                return HttpResponseRedirect(self.viewset.reverse("detail", args=[asset.pk]))
        return render(request, "assets/move.html", {"form": form, "object": asset}, status=400)


def _site_errors(exc: ValidationError) -> ValidationError:
    """The service names the field ``to_site``/``to_status``; the form calls them site/what."""
    if hasattr(exc, "error_dict"):
        renamed = {{"to_status": "action"}.get(k, k): v for k, v in exc.error_dict.items()}
        return ValidationError(renamed)
    return exc


class LabelsView(_AssetPage, View):
    """Labels of the chosen (``?ids=``) or the listed (the list's filters) assets, as PDF."""

    permission_required = "assets.print_asset_labels"

    def get(self, request):
        assets = selectors.assets_visible_to(request.user)
        ids = [i for i in request.GET.get("ids", "").split(",") if i.strip()]
        if ids:
            try:
                assets = assets.filter(pk__in=[uuid.UUID(i.strip()) for i in ids])
            except ValueError:
                return HttpResponse(_("Malformed asset id."), status=400)
        else:
            for name in ("asset_type", "status", "condition", "site"):
                value = request.GET.get(name)
                if value:
                    try:
                        assets = assets.filter(**{name: value})
                    except ValidationError:
                        return HttpResponse(_("Malformed filter."), status=400)
            if request.GET.get("_search"):
                assets = assets.filter(serial_number__icontains=request.GET["_search"].strip())
        assets = list(assets[: labels.MAX_LABELS + 1])
        if not assets:
            return HttpResponse(_("No asset to print."), status=400)
        if len(assets) > labels.MAX_LABELS:
            return HttpResponse(
                _("Print at most %(n)d labels at a time.") % {"n": labels.MAX_LABELS}, status=400
            )
        pdf = labels.labels_pdf(assets, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="asset-labels-{dt.date.today()}.pdf"'
        return response


class ImportView(_AssetPage, View):
    """Upload → preview (every row with its errors, nothing saved) → confirm (all or nothing).

    Between preview and confirm the rows wait in the session, so the confirmed import is the
    previewed one; it is checked again when confirmed.
    """

    permission_required = "assets.import_assets"
    template_name = "assets/import.html"
    SESSION_KEY = "asset_import_rows"

    def get(self, request):
        return render(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        if "confirm" in request.POST:
            rows = request.session.get(self.SESSION_KEY)
            if not rows:
                messages.error(request, _("Nothing to import: upload the file again."))
                return HttpResponseRedirect(self.viewset.reverse("import"))
            result = services.import_assets(actor=request.user, rows=rows, commit=True)
            if result.committed:
                del request.session[self.SESSION_KEY]
                messages.success(request, _("%(n)d assets imported.") % {"n": len(result.rows)})
                return HttpResponseRedirect(self.viewset.reverse("index"))
            return render(
                request, self.template_name, {"form": ImportForm(), "result": result}, status=400
            )
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        upload = form.cleaned_data["file"]
        try:
            rows = importing.read_rows(upload.name, upload.read(importing.MAX_BYTES + 1))
        except ValidationError as exc:
            form.add_error("file", exc)
            return render(request, self.template_name, {"form": form}, status=400)
        if len(rows) > settings.ASSET_IMPORT_INLINE_ROWS:
            # A large file: checked (and later imported) by a worker; this page follows it.
            job = services.start_import(actor=request.user, file_name=upload.name, rows=rows)
            _queue(job)
            request.session.pop(self.SESSION_KEY, None)
            return HttpResponseRedirect(self.viewset.reverse("import_job", args=[job.pk]))
        result = services.import_assets(actor=request.user, rows=rows, commit=False)
        if not result.error_count:
            request.session[self.SESSION_KEY] = rows
        else:
            request.session.pop(self.SESSION_KEY, None)
        return render(
            request,
            self.template_name,
            {"form": ImportForm(), "result": result, "can_confirm": not result.error_count},
        )


def _queue(job) -> None:
    transaction.on_commit(lambda: run_asset_import.delay(str(job.pk)))


class ImportJobView(_AssetPage, View):
    """A large import's page: its progress while a worker checks or imports it (the page
    refreshes itself), then every row's errors, or the button that imports it."""

    permission_required = "assets.import_assets"
    template_name = "assets/import_job.html"

    def _job(self, request, pk) -> AssetImport:
        # Only who uploaded it sees it: the rows are theirs, unchecked.
        return get_object_or_404(AssetImport, pk=pk, actor=request.user)

    def get(self, request, pk):
        job = self._job(request, pk)
        done = services.import_progress(job)
        rows = job.result
        return render(
            request,
            self.template_name,
            {
                "job": job,
                "done": done,
                "percent": int(100 * done / job.total) if job.total else 100,
                "poll_seconds": 2,
                "error_rows": [r for r in rows if r["errors"]][:500],
                "can_confirm": job.status == ImportStatus.PREVIEWED and not job.error_count,
                "index_url": self.viewset.reverse("index"),
                "import_url": self.viewset.reverse("import"),
            },
        )

    def post(self, request, pk):
        job = self._job(request, pk)
        with transaction.atomic():
            try:
                job = services.confirm_import(actor=request.user, job=job)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                _queue(job)
        return HttpResponseRedirect(self.viewset.reverse("import_job", args=[job.pk]))


class WarrantyView(_AssetPage, TemplateView):
    template_name = "assets/warranty.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = min(max(int(self.request.GET.get("days", 30)), 0), 3650)
        except ValueError:
            days = 30
        today = timezone.localdate()
        context.update(
            days=days,
            assets=selectors.warranty_ending(user=self.request.user, days=days, today=today),
            today=today,
        )
        return context


class InventoryValueView(_AssetPage, TemplateView):
    permission_required = "assets.view_asset_value"
    template_name = "assets/value.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        value = selectors.inventory_value(user=self.request.user)
        for row in [*value.by_site, *value.by_type]:
            row["total_display"] = format_money(row["total"])
        context.update(
            value=value,
            total_display=format_money(value.total),
            tables=[(_("Per site"), value.by_site), (_("Per type"), value.by_type)],
        )
        return context
