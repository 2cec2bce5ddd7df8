"""Support pages: the ticket list (triage queue first), the desk form, one ticket."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from erp.core.uploads import KINDS, sniff_file

from . import selectors, services
from .choices import Channel
from .forms import DeskTicketForm


class TicketListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "support.view_ticket"
    template_name = "support/list.html"
    viewset = None
    LIMIT = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            triage=list(selectors.triage_queue(user)[: self.LIMIT]),
            tickets=list(
                selectors.tickets_visible_to(user)
                .filter(needs_triage=False)
                .order_by("-created_at")[: self.LIMIT]
            ),
            can_open=user.has_perm("support.add_ticket"),
        )
        return context


class DeskTicketView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "support.add_ticket"
    template_name = "support/desk.html"
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DeskTicketForm(user=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        form = DeskTicketForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                ticket = services.open_ticket(
                    channel=Channel.DESK, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                flash.success(request, _("Ticket #%(n)d opened.") % {"n": ticket.number})
                return HttpResponseRedirect(f"../{ticket.pk}/")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TicketDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "support.view_ticket"
    template_name = "support/detail.html"
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        ticket = get_object_or_404(selectors.tickets_visible_to(user), pk=kwargs["pk"])
        context.update(
            ticket=ticket,
            info=ticket.enrichment,
            thread=list(selectors.messages_visible_to(user).filter(ticket=ticket)),
            attachments=list(selectors.attachments_visible_to(user).filter(ticket=ticket)),
        )
        return context


class TicketAttachmentView(View):
    """A ticket's attachment, to staff who may see the ticket (else 404; never a public
    /media/ URL). An image is shown inline, a PDF downloaded; the type is the content's, with
    nosniff and a sandboxing CSP, as fault photos are served."""

    def get(self, request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        attachment = get_object_or_404(selectors.attachments_visible_to(request.user), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        kind = sniff_file(handle)
        if kind not in KINDS:
            handle.close()
            raise Http404
        response = FileResponse(
            handle,
            as_attachment=kind == "pdf",
            filename=attachment.filename,
            content_type=KINDS[kind][1],
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response
