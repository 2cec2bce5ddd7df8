"""The PortaBilling pages: every site's link, and one site's settings, status, last sync,
differences and errors. Actions that talk to PortaBilling queue a task; the page shows
what it found when reloaded (no request waits on the billing server)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.core.exceptions import NotAllowed

from . import selectors, services, tasks
from .forms import SettingsForm
from .models import PortaBillingSite


class IndexView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "portabilling.view_portabillingsite"
    template_name = "portabilling/index.html"
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        configs = {c.site_id: c for c in selectors.configs_visible_to(user)}
        counts = selectors.counts_by_site(list(configs))
        empty = dict.fromkeys(("created", "pending", "failed", "blocked", "differing"), 0)
        rows = [
            {
                "site": site,
                "config": configs.get(site.pk),
                "counts": counts.get(site.pk, empty),
            }
            for site in selectors.sites_visible_to(user)[:500]
        ]
        context.update(rows=rows)
        return context


class SiteView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "portabilling.view_portabillingsite"
    template_name = "portabilling/site.html"
    viewset = None

    def _site(self):
        site = (
            selectors.sites_visible_to(self.request.user).filter(pk=self.kwargs["site_id"]).first()
        )
        if site is None:
            raise Http404
        return site

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        site = self._site()
        config = PortaBillingSite.objects.filter(site=site).first()
        can_change = user.has_perm("portabilling.change_portabillingsite")
        context.update(
            the_site=site,
            config=config,
            form=form or SettingsForm(instance=config),
            can_change=can_change,
            can_operate=user.has_perm("portabilling.operate_portabilling"),
            counts=selectors.account_counts(site.pk) if config else None,
            differing=selectors.differing(user, site.pk) if config else [],
            errors=selectors.with_errors(user, site.pk) if config else [],
            credits=selectors.open_credits(user, site.pk) if config else [],
            batches=selectors.batch_progress(site.pk) if config else [],
        )
        return context

    def post(self, request, site_id):
        if not request.user.has_perm("portabilling.change_portabillingsite"):
            raise PermissionDenied
        site = self._site()
        config = PortaBillingSite.objects.filter(site=site).first()
        form = SettingsForm(request.POST, instance=config)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in services.SETTINGS_FIELDS}
            try:
                services.save_settings(
                    actor=request.user,
                    site=site,
                    password=form.cleaned_data["password"],
                    **data,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            else:
                flash.success(request, _("PortaBilling settings saved."))
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ActionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Test the connection, sync now, or repair: each queues a task."""

    permission_required = "portabilling.operate_portabilling"
    viewset = None

    def post(self, request, site_id, action):
        site = selectors.sites_visible_to(request.user).filter(pk=site_id).first()
        config = PortaBillingSite.objects.filter(site=site).first() if site else None
        if config is None:
            raise Http404
        sid = str(site.pk)
        if action == "check":
            transaction.on_commit(lambda: tasks.check_site.delay(sid))
            flash.info(request, _("Connection test queued; reload the page to see its result."))
        elif action == "sync":
            if not config.enabled:
                flash.error(request, _("PortaBilling is off for this site."))
            else:
                transaction.on_commit(lambda: tasks.sync_site_task.delay(sid))
                flash.info(request, _("Sync queued; reload the page to see what it found."))
        elif action == "repair":
            fixed = services.repair_site(actor=request.user, config=config)
            transaction.on_commit(lambda: tasks.push_site.delay(sid))
            flash.success(
                request,
                _("Repair queued: %(blocks)s block(s) and %(recreated)s account(s) to send again.")
                % fixed,
            )
        else:
            raise Http404
        return HttpResponseRedirect(reverse("portabilling:site", args=[site.pk]))
