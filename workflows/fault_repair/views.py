"""The process's task pages: thin, each calls one service and completes its task."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.flow.views import mixins

from erp.assets.choices import AssetStatus
from erp.assets.models import Asset
from erp.assets.selectors import assets_visible_to
from erp.core.views import errors_to_form
from erp.maintenance import services
from erp.maintenance.choices import VerifyDecision
from erp.sites.selectors import routers_visible_to, sites_visible_to

from .forms import RepairForm, ReportFaultForm, TriageForm, VerifyForm, technicians


class _TaskFormView(mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames, generic.FormView):
    """A task page whose form runs one service; its ValidationError becomes form errors and
    the task stays open. Each task's view defines ``run_service(form)``."""

    template_filename = "task.html"
    success_message = _("Saved.")

    @property
    def fault(self):
        return self.request.activation.process.fault

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fault"] = self.fault
        return context

    def form_valid(self, form):
        try:
            self.run_service(form)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        self.request.activation.execute()
        messages.success(self.request, self.success_message, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())


class ReportFaultView(_TaskFormView):
    """Any staff member or agent reports a fault at one of their sites."""

    form_class = ReportFaultForm
    template_filename = "start.html"
    success_message = _("Fault reported: it waits for triage.")

    @property
    def fault(self):
        return None

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        user = self.request.user
        form.fields["site"].queryset = sites_visible_to(user).order_by("name")
        form.fields["router"].queryset = routers_visible_to(user).order_by("name")
        form.fields["assets"].queryset = Asset.objects.select_related("asset_type").filter(
            site__in=sites_visible_to(user).values("pk")
        )
        return form

    def run_service(self, form):
        data = form.cleaned_data
        fault = services.report_fault(
            actor=self.request.user,
            site=data["site"],
            router=data.get("router"),
            severity=data["severity"],
            description=data["description"],
            service_down=data.get("service_down", False),
            photos=data.get("photos") or [],
            assets=data.get("assets") or [],
        )
        self.request.activation.process.fault_id = str(fault.pk)


class TriageView(_TaskFormView):
    """A lead sets severity and picks the technician; a technician can only take it."""

    form_class = TriageForm
    success_message = _("Fault assigned.")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        user = self.request.user
        choices = technicians()
        if not services.is_lead(user):
            choices = choices.filter(pk=user.pk)
            form.fields["severity"].disabled = True
        form.fields["technician"].queryset = choices
        return form

    def get_initial(self):
        fault = self.fault
        initial = {"severity": fault.severity}
        if not services.is_lead(self.request.user):
            initial["technician"] = self.request.user.pk
        return initial

    def run_service(self, form):
        services.triage_fault(
            actor=self.request.user,
            fault=self.fault,
            technician=form.cleaned_data["technician"],
            severity=form.cleaned_data["severity"],
        )


class RepairView(_TaskFormView):
    """The technician records the repair log."""

    form_class = RepairForm
    success_message = _("Repair recorded: it waits for verification.")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        assets = assets_visible_to(self.request.user).exclude(status=AssetStatus.RETIRED)
        form.fields["parts_installed"].queryset = assets.filter(status=AssetStatus.IN_STOCK)
        form.fields["parts_removed"].queryset = assets.filter(site=self.fault.site_id)
        return form

    def run_service(self, form):
        data = form.cleaned_data
        services.record_repair(
            actor=self.request.user,
            fault=self.fault,
            diagnosis=data["diagnosis"],
            actions=data["actions"],
            parts_used=data.get("parts_used", ""),
            minutes_spent=data["minutes_spent"],
            cost=data.get("cost") or 0,
            parts_installed=data.get("parts_installed") or [],
            parts_removed=data.get("parts_removed") or [],
        )


class VerifyView(_TaskFormView):
    """The reporter or a lead confirms the service is back, or sends it back to repair."""

    form_class = VerifyForm
    success_message = _("Verification recorded.")

    def run_service(self, form):
        services.verify_fault(
            actor=self.request.user,
            fault=self.fault,
            confirm=form.cleaned_data["decision"] == VerifyDecision.CONFIRM,
            reason=form.cleaned_data.get("reason", ""),
        )
