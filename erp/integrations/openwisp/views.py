"""The OpenWISP integration's page: settings per site (Super Admin), the last discovery runs,
the matches a person decides, and the devices' health. Nothing here talks to OpenWISP:
*Discover now* queues the task."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from erp.assets.selectors import assets_visible_to
from erp.core.exceptions import NotAllowed
from erp.sites.selectors import sites_visible_to

from . import selectors, services, tasks
from .forms import SettingsForm

INDEX = "/openwisp/"


class OpenWispPageView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "openwisp.view_openwispdevice"
    template_name = "openwisp/index.html"
    viewset = None
    LIMIT = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_configure = user.has_perm("openwisp.change_openwispsettings")
        if can_configure and "form" not in context:
            context["form"] = SettingsForm(sites=sites_visible_to(user))
        context.update(
            can_configure=can_configure,
            can_decide=user.has_perm("openwisp.decide_match"),
            configs=list(selectors.settings_visible_to(user)),
            runs=list(selectors.runs_visible_to(user)[:20]),
            conflicts=list(selectors.open_conflicts_visible_to(user)[: self.LIMIT]),
            devices=list(
                selectors.devices_visible_to(user).order_by("site__name", "name")[: self.LIMIT]
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        """Save a site's settings (Super Admin)."""
        if not request.user.has_perm("openwisp.change_openwispsettings"):
            raise NotAllowed(_("Only a Super Admin sets up OpenWISP."))
        form = SettingsForm(request.POST, sites=sites_visible_to(request.user))
        if form.is_valid():
            try:
                services.save_settings(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                flash.success(request, _("OpenWISP settings saved."))
                return HttpResponseRedirect(INDEX)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DiscoverNowView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "openwisp.change_openwispsettings"
    viewset = None

    def post(self, request, pk):
        config = get_object_or_404(selectors.settings_visible_to(request.user), pk=pk)
        if not config.enabled:
            flash.error(request, _("Switch OpenWISP on for this site first."))
        else:
            transaction.on_commit(lambda: tasks.discover_site.delay(str(config.pk)))
            flash.success(request, _("Discovery queued; its run appears below."))
        return HttpResponseRedirect(INDEX)


class DecideConflictView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "openwisp.decide_match"
    viewset = None

    def post(self, request, pk):
        conflict = get_object_or_404(selectors.open_conflicts_visible_to(request.user), pk=pk)
        choice = request.POST.get("choice", "")
        try:
            if choice == "new":
                services.decide_conflict(actor=request.user, conflict=conflict, create=True)
            else:
                asset = assets_visible_to(request.user).filter(pk=choice or None).first()
                if asset is None:
                    raise ValidationError(_("Choose one of the assets, or to create a new one."))
                services.decide_conflict(actor=request.user, conflict=conflict, asset=asset)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, _("Decided: %(device)s.") % {"device": conflict.device})
        return HttpResponseRedirect(INDEX)
