"""The process's task pages: thin; each calls erp.support's services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.flow.views import mixins

from erp.core.views import errors_to_form
from erp.support import selectors
from erp.support import services as support

from . import faults, handover
from .forms import PriorityForm, ReassignForm, ReportFaultForm, TriageForm, WorkForm

INBOX_URL = "/tickets/inbox/"


class _TicketTaskView(mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames, generic.FormView):
    template_filename = "task.html"

    @property
    def ticket(self):
        return self.request.activation.process.ticket

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.ticket
        context.update(
            ticket=ticket,
            info=ticket.enrichment,
            thread=list(selectors.messages_visible_to(self.request.user).filter(ticket=ticket)),
            attachments=list(
                selectors.attachments_visible_to(self.request.user).filter(ticket=ticket)
            ),
        )
        return context


class TriageView(_TicketTaskView):
    """Customer Care files a ticket the classifier was unsure of; it goes to that team."""

    form_class = TriageForm

    def get_initial(self):
        return {"category": self.ticket.category.slug if self.ticket.category_id else None}

    def form_valid(self, form):
        support.set_category(
            ticket=self.ticket, category=form.cleaned_data["category"], actor=self.request.user
        )
        self.request.activation.execute()
        messages.success(self.request, _("Filed: it waits for its team."), fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())


class WorkView(_TicketTaskView):
    """The team member answers, writes notes, waits for the customer, resolves; a support
    lead (or the owner) hands the ticket to another member of the team."""

    form_class = WorkForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reassign_form"] = kwargs.get("reassign_form") or self._reassign_form()
        if faults.may_report_as_fault(self.request.user, self.ticket):
            context["fault_form"] = kwargs.get("fault_form") or ReportFaultForm()
        if support.may_set_priority(self.request.user):
            context["priority_form"] = kwargs.get("priority_form") or PriorityForm(
                initial={"priority": self.ticket.priority}
            )
        return context

    def _reassign_form(self, data=None):
        form = ReassignForm(data)
        form.fields["owner"].queryset = handover.team_members(self.ticket).exclude(
            pk=self.request.user.pk
        )
        return form

    def _set_priority(self, request):
        form = PriorityForm(request.POST)
        if form.is_valid():
            try:
                support.set_priority(
                    ticket=self.ticket, priority=form.cleaned_data["priority"], actor=request.user
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Priority changed: the due times follow its SLA."),
                    fail_silently=True,
                )
                return HttpResponseRedirect(request.get_full_path())
        return self.render_to_response(
            self.get_context_data(form=self.get_form(), priority_form=form), status=400
        )

    def _report_fault(self, request):
        form = ReportFaultForm(request.POST)
        if form.is_valid():
            try:
                fault = faults.report_as_fault(
                    actor=request.user,
                    ticket=self.ticket,
                    severity=form.cleaned_data["severity"],
                    service_down=form.cleaned_data["service_down"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Handed to fault %(fault)s: the ticket waits on its repair.")
                    % {"fault": fault.reference},
                    fail_silently=True,
                )
                return HttpResponseRedirect(request.get_full_path())
        return self.render_to_response(
            self.get_context_data(form=self.get_form(), fault_form=form), status=400
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "priority":
            return self._set_priority(request)
        if request.POST.get("action") == "report_fault":
            return self._report_fault(request)
        if request.POST.get("action") == "reassign":
            form = self._reassign_form(request.POST)
            if form.is_valid():
                try:
                    handover.hand_over(
                        actor=request.user,
                        task=request.activation.task,
                        ticket=self.ticket,
                        owner=form.cleaned_data["owner"],
                    )
                except ValidationError as exc:
                    errors_to_form(form, exc)
                    return self.render_to_response(
                        self.get_context_data(form=self.get_form(), reassign_form=form),
                        status=400,
                    )
                messages.success(request, _("Handed over."), fail_silently=True)
                return HttpResponseRedirect(INBOX_URL)
            return self.render_to_response(
                self.get_context_data(form=self.get_form(), reassign_form=form), status=400
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        action, text, user = (
            form.cleaned_data["action"],
            form.cleaned_data["text"],
            self.request.user,
        )
        try:
            if action == "reply":
                support.reply(ticket=self.ticket, text=text, actor=user)
                note = _("Sent to the customer.")
            elif action == "note":
                support.add_note(ticket=self.ticket, text=text, actor=user)
                note = _("Note added.")
            elif action == "wait":
                support.wait_for_customer(ticket=self.ticket, text=text, actor=user)
                note = _("Waiting for the customer: the SLA clock is paused.")
            else:
                support.resolve(ticket=self.ticket, resolution=text, actor=user)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if action != "resolve":
            messages.success(self.request, note, fail_silently=True)
            return HttpResponseRedirect(self.request.get_full_path())
        self.request.activation.execute()
        messages.success(
            self.request, _("Resolved: the customer is told and asked to rate."), fail_silently=True
        )
        return HttpResponseRedirect(self.get_success_url())
