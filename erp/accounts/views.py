"""The signed-in user's own pages (profile, password) and the Super Admin's user actions.

Thin: every rule is in erp.accounts.services, shared with the API.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from viewflow.contrib.auth import AuthViewset

from erp.core.views import errors_to_form

from . import services
from .forms import OwnPasswordChangeForm, ProfileForm, UserPasswordForm
from .models import User


def _password_errors_to_form(form, exc: ValidationError) -> None:
    """The service names the new password "new_password" (as the API does); the forms call
    it new_password1 (Django's name)."""
    errors = exc.message_dict
    errors["new_password1"] = errors.pop("new_password", [])
    errors_to_form(form, ValidationError({k: v for k, v in errors.items() if v}))


class _InSiteFrame:
    """Shown inside the app's frame (the sidebar / phone drawer of erp.frontend's site) although
    its URL sits with the login pages, under /accounts/."""

    frame_site = None

    def dispatch(self, request, *args, **kwargs):
        if self.frame_site is not None and request.resolver_match is not None:
            request.resolver_match.site = self.frame_site
        return super().dispatch(request, *args, **kwargs)


class ProfileView(_InSiteFrame, LoginRequiredMixin, FormView):
    """My profile: name, e-mail, phone and language editable; role and sites shown."""

    template_name = "accounts/profile.html"
    form_class = ProfileForm
    title = gettext_lazy("My profile")

    def get_form_kwargs(self):
        # a copy: a refused change must not leave request.user half-edited
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = User.objects.get(pk=self.request.user.pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            title=self.title,
            profile_user=user,
            roles=sorted(user.role_names),
            sites=None if user.scoped_sites() is None else user_sites(user),
        )
        return context

    def form_valid(self, form):
        changes = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        try:
            services.update_profile(user=form.instance, **changes)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile is saved."))
        return HttpResponseRedirect(reverse("profile"))


def user_sites(user: User) -> list[str]:
    """The names of the sites the user is narrowed to (an agent's, or the site scope)."""
    sites = user.agent_sites.all() if user.has_role("Agent") else user.site_scope.all()
    return sorted(site.name for site in sites)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class OwnPasswordChangeView(_InSiteFrame, LoginRequiredMixin, FormView):
    """Change my password; this session stays signed in, every other one (and every refresh
    token of the field app / API) is ended."""

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    title = gettext_lazy("Change password")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        try:
            services.change_own_password(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            _password_errors_to_form(form, exc)
            return self.form_invalid(form)
        # other sessions carry the old password's hash and are signed out; this one is kept
        update_session_auth_hash(self.request, user)
        messages.success(
            self.request,
            _(
                "Your password is changed. You stay signed in here; every other device "
                "(browsers and the field app) has to sign in again with the new password."
            ),
        )
        return HttpResponseRedirect(reverse("profile"))


class UserActiveView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Activate or deactivate a user (POST); the service refuses one's own account and the last
    Super Admin."""

    permission_required = "accounts.change_user"
    viewset = None
    http_method_names = ["post"]

    def post(self, request, pk):
        user = get_object_or_404(User, pk=pk)
        is_active = request.POST.get("is_active") == "1"
        try:
            services.set_active(actor=request.user, user=user, is_active=is_active)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(user)s can sign in again.") % {"user": user}
                if is_active
                else _("%(user)s is deactivated and can no longer sign in.") % {"user": user},
            )
        return HttpResponseRedirect(self.viewset.reverse("detail", args=[user.pk]))


@method_decorator(sensitive_post_parameters(), name="dispatch")
class UserPasswordView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """The Super Admin sets another user's password (typed twice) or sends them the reset
    e-mail (POST with ``send_email``); either revokes the user's refresh tokens."""

    permission_required = "accounts.change_user"
    template_name = "accounts/user_password.html"
    form_class = UserPasswordForm
    viewset = None

    def dispatch(self, request, *args, **kwargs):
        self.target = get_object_or_404(User, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        name = self.target.get_full_name() or self.target.get_username()
        return super().get_context_data(
            title=_("Password of %(user)s") % {"user": name},
            target=self.target,
            detail_url=self._detail_url(),
            **kwargs,
        )

    def _detail_url(self):
        return self.viewset.reverse("detail", args=[self.target.pk])

    def post(self, request, *args, **kwargs):
        if "send_email" not in request.POST:
            return super().post(request, *args, **kwargs)
        try:
            services.send_password_reset(actor=request.user, user=self.target, request=request)
        except ValidationError as exc:
            context = self.get_context_data(form=UserPasswordForm(), email_errors=exc.messages)
            return self.render_to_response(context)
        messages.success(
            request,
            _("A link to choose a new password was e-mailed to %(email)s.")
            % {"email": self.target.email},
        )
        return HttpResponseRedirect(self._detail_url())

    def form_valid(self, form):
        try:
            services.reset_password(
                actor=self.request.user,
                user=self.target,
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            _password_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The password is set. %(user)s is signed out everywhere and signs in with it.")
            % {"user": self.target.get_full_name() or self.target.get_username()},
        )
        return HttpResponseRedirect(self._detail_url())


class LanguageView(LoginRequiredMixin, View):
    """The profile menu's English / Kiswahili / Français: saves ``User.language`` (so the
    choice follows the user to every browser and the field app) and goes back to the page
    the menu was opened on. POST only, behind CSRF like every form."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        language = request.POST.get("language", "")
        if language not in {code for code, _name in settings.LANGUAGES}:
            return HttpResponseBadRequest(_("Unknown language."))
        services.update_profile(user=request.user, language=language)
        translation.activate(language)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("profile")
        response = HttpResponseRedirect(back)
        # the login page and the portal (no user) read the cookie: keep them in step
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


class ErpAuthViewset(AuthViewset):
    """viewflow's login/logout/reset pages, with this app's profile and password pages."""

    profile_view_class = ProfileView
    pass_change_view_class = OwnPasswordChangeView

    def __init__(self, *, frame_site=None, **kwargs):
        self.frame_site = frame_site
        super().__init__(**kwargs)

    def get_profile_view_kwargs(self, **kwargs):
        return super().get_profile_view_kwargs(frame_site=self.frame_site, **kwargs)

    def get_pass_change_view_kwargs(self, **kwargs):
        return super().get_pass_change_view_kwargs(frame_site=self.frame_site, **kwargs)

    # the profile menu's language choice (erp/templates/viewflow/base_page.html)
    language_path = path("language/", LanguageView.as_view(), name="user_language")
