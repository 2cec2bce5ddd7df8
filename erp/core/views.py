"""UI plumbing: viewflow create/update views whose save goes through a service; home; health."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found, permission_denied
from viewflow.views import CreateModelView, DetailModelView, UpdateModelView

from .health import run_checks


def errors_to_form(form, exc: ValidationError) -> None:
    """A service's ValidationError as form errors: on its field when the form has it, else on
    the form as a whole."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class _ServiceSaveMixin:
    """Save through the viewset's service; a service's ValidationError becomes form errors."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        limit = getattr(self.viewset, "limit_form", None)
        if limit is not None:
            limit(self.request, form)
        return form

    def form_valid(self, form):
        try:
            self.object = self.save_with_service(form)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        self.message_user()
        return HttpResponseRedirect(self.get_success_url())


class ServiceCreateView(_ServiceSaveMixin, CreateModelView):
    def save_with_service(self, form):
        return self.viewset.create_object(self.request, form)


class ServiceUpdateView(_ServiceSaveMixin, UpdateModelView):
    def save_with_service(self, form):
        return self.viewset.update_object(self.request, self.object, form)


@never_cache
@require_GET
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


class RecordDetailView(DetailModelView):
    """Detail page: the record's fields (secrets left out) and its change history."""

    template_name = "erp/record_detail.html"
    history_limit = 20

    def get_queryset(self):
        # viewflow's detail view reads the whole table; the viewset's selector decides what this
        # user may see (another agent's record is a 404).
        if self.viewset is not None and hasattr(self.viewset, "get_queryset"):
            return self.viewset.get_queryset(self.request)
        return super().get_queryset()

    def get_template_names(self):
        custom = getattr(self.viewset, "detail_template_name", None)
        return [custom, self.template_name] if custom else [self.template_name]

    def get_object_data(self):
        hidden = set(getattr(self.viewset, "detail_hidden_fields", ()))
        for field, label, value in super().get_object_data():
            if field.name not in hidden:
                yield field, label, value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        extra = getattr(self.viewset, "get_detail_context", None)
        if extra is not None:
            context.update(extra(self.request, self.object))
        history = getattr(self.object, "history", None)
        if history is not None:
            context["history_records"] = history.select_related("history_user")[
                : self.history_limit
            ]
        return context


def not_found(request, exception=None):
    """``handler404``: under /api/ a JSON ``{"detail": ...}`` like every other API error (a
    malformed id in the path matches no route), elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)

    return page_not_found(request, exception)


def forbidden(request, exception=None):
    """``handler403``: a page refused to someone not signed in sends them to the sign-in page
    (with ?next=), as a login-required page does; viewflow's flow apps (/faults/…, /batches/…)
    check permissions first and would answer a bare 403. The API keeps its JSON 401/403."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/api/") and (user is None or not user.is_authenticated):
        return redirect_to_login(request.get_full_path())
    return permission_denied(request, exception)
