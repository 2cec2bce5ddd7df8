"""SMS pages: logs (filters, state history, resend), compose one, campaigns."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.sites.selectors import sites_visible_to

from . import selectors, services
from .forms import CampaignForm, ComposeForm, LogFilterForm
from .models import Template


class SmsLogView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "messaging.view_message"
    template_name = "messaging/logs.html"
    viewset = None
    LIMIT = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = selectors.messages_visible_to(self.request.user)
        form = LogFilterForm(self.request.GET or None)
        rows = visible
        if form.is_valid():
            data = form.cleaned_data
            if data["state"]:
                rows = rows.filter(state=data["state"])
            if data["gateway"]:
                rows = rows.filter(gateway=data["gateway"])
            if data["template"]:
                rows = rows.filter(template=data["template"])
            if data["since"]:
                rows = rows.filter(created_at__date__gte=data["since"])
            if data["until"]:
                rows = rows.filter(created_at__date__lte=data["until"])
            if data["phone"]:
                rows = rows.filter(phone__contains=data["phone"].replace(" ", ""))
        context.update(
            form=form,
            rows=list(rows.prefetch_related("events").order_by("-created_at")[: self.LIMIT]),
            limit=self.LIMIT,
            by_gateway=selectors.delivery_rates(visible, "gateway__name"),
            by_campaign=selectors.delivery_rates(visible, "campaign__name"),
            can_resend=self.request.user.has_perm("messaging.resend_sms"),
            sees_cost=self.request.user.has_perm("messaging.view_sms_cost"),
            cost_per_part=settings.SMS_COST_PER_PART,
        )
        return context


class ResendView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "messaging.resend_sms"
    viewset = None

    def post(self, request, pk):
        message = get_object_or_404(selectors.messages_visible_to(request.user), pk=pk)
        try:
            services.resend(message=message, actor=request.user)
            flash.success(request, _("Queued again."))
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(request.POST.get("next") or "../../")


class ComposeView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "messaging.send_sms"
    template_name = "messaging/compose.html"
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ComposeForm())
        context["cost_per_part"] = settings.SMS_COST_PER_PART
        return context

    def post(self, request):
        form = ComposeForm(request.POST)
        if form.is_valid():
            if request.user.is_agent:
                raise PermissionDenied(_("An agent sends SMS from a client's page."))
            try:
                services.queue_message(
                    phone=form.cleaned_data["phone"],
                    text=form.cleaned_data["text"],
                    actor=request.user,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                flash.success(request, _("The SMS is queued."))
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))


class CampaignsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "messaging.view_campaign"
    template_name = "messaging/campaigns.html"
    viewset = None

    def _form(self, data=None, initial=None):
        form = CampaignForm(data, initial=initial)
        form.fields["site"].widget.choices = [("", _("all sites"))] + [
            (str(s.pk), s.name) for s in sites_visible_to(self.request.user)
        ]
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self._form(initial=self._prefill()))
        context["campaigns"] = [
            (c, services.campaign_progress(c))
            for c in selectors.campaigns_visible_to(self.request.user)[:20]
        ]
        context["can_start"] = self.request.user.has_perm("messaging.add_campaign")
        context["template_texts"] = services.longest_texts(
            Template.objects.filter(kind="marketing", is_active=True)
        )
        context["cost_per_part"] = settings.SMS_COST_PER_PART
        return context

    def _prefill(self) -> dict:
        """A campaign opened from elsewhere (the analytics Overview's *Remind them by SMS*):
        name, audience and template from the query string. Only a starting point: the form
        still validates what is posted, and an unknown value is simply not filled in."""
        query = self.request.GET
        initial: dict = {}
        if query.get("name"):
            initial["name"] = query["name"][:120]
        hours = query.get("expiring_within_hours", "")
        if hours.isdigit() and 1 <= int(hours) <= 24 * 60:
            initial["expiring_within_hours"] = int(hours)
        site = query.get("site", "")
        if site and any(str(s.pk) == site for s in sites_visible_to(self.request.user)):
            initial["site"] = site
        template = Template.objects.filter(
            kind="marketing", is_active=True, code=query.get("template", "")
        ).first()
        if template is not None:
            initial["template"] = template.pk
        return initial

    def post(self, request):
        if not request.user.has_perm("messaging.add_campaign"):
            raise PermissionDenied
        form = self._form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                campaign = services.start_campaign(
                    actor=request.user,
                    name=data.pop("name"),
                    template=data.pop("template"),
                    filters=data,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                flash.success(
                    request,
                    _("Campaign started: %(n)d messages queued.") % {"n": campaign.total},
                )
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))
