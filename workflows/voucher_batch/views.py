"""The process's task pages: thin, each calls one service and completes its task."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.flow.views import mixins

from erp.accounts.roles import Role
from erp.core.views import errors_to_form
from erp.sites.selectors import sites_visible_to
from erp.vouchers import services

from .forms import BatchRequestForm, DecisionForm


class RequestBatchView(
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    """Sales or Marketing ask for vouchers; the request becomes the process's artifact."""

    form_class = BatchRequestForm
    template_filename = "start.html"
    success_message = _("Batch requested: it waits for a Finance approval.")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        sites = sites_visible_to(self.request.user)
        form.fields["router"].queryset = form.fields["router"].queryset.filter(site__in=sites)
        form.fields["agent"].queryset = form.fields["agent"].queryset.model.objects.filter(
            groups__name=Role.AGENT, is_active=True
        )
        form.fields["package"].queryset = form.fields["package"].queryset.filter(is_active=True)
        return form

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            batch = services.request_batch(actor=self.request.user, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.activation.process.batch_id = str(batch.pk)
        self.request.activation.execute()
        messages.success(self.request, self.success_message, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())


class DecideBatchView(
    mixins.TaskSuccessUrlMixin,
    mixins.TaskViewTemplateNames,
    generic.FormView,
):
    """Finance or Super Admin approve or reject; never the requester (the service refuses)."""

    form_class = DecisionForm
    template_filename = "task.html"
    success_message = _("Decision recorded.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["batch"] = self.request.activation.process.batch
        return context

    def form_valid(self, form):
        batch = self.request.activation.process.batch
        try:
            services.decide_batch(
                actor=self.request.user,
                batch=batch,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.activation.execute()
        messages.success(self.request, self.success_message, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())
