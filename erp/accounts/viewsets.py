"""The Super Admin's Users page: list (role, sites, active, last login), filter by role,
detail with history, add, edit, activate/deactivate. Writes go through erp.accounts.services."""

from __future__ import annotations

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _

from erp.core.viewsets import RecordViewset

from . import services
from .forms import UserCreateForm, UserForm
from .models import User
from .roles import Role
from .views import UserActiveView, UserPasswordView, user_sites


class UserFilter(django_filters.FilterSet):
    """Filter by role (the group's name, so the choices read as roles) and by active."""

    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, field_name="groups__name"
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["role", "is_active"]


class UserViewset(RecordViewset):
    model = User
    icon = "manage_accounts"
    title = _("Users")
    form_class = UserForm
    create_form_class = UserCreateForm
    list_columns = ("username", "full_name", "role_label", "sites_label", "is_active", "last_login")
    list_filterset_class = UserFilter
    list_search_fields = ("username", "first_name", "last_name", "email")
    detail_template_name = "accounts/user_detail.html"
    # the Access card shows role, sites, active and last sign-in; the rest is not for people
    detail_hidden_fields = ("password", "id", "is_superuser", "is_staff", "is_active", "last_login")

    def get_queryset(self, request):
        return User.objects.prefetch_related("groups", "site_scope", "agent_sites").order_by(
            "username"
        )

    def full_name(self, user):
        return user.get_full_name()

    full_name.short_description = _("Name")

    def role_label(self, user):
        return ", ".join(
            str(Role(name).label) if name in Role.values else name
            for name in sorted(user.role_names)
        )

    role_label.short_description = _("Role")

    def sites_label(self, user):
        if user.sees_all_sites:
            return _("All sites")
        names = user_sites(user)
        return ", ".join(names) if names else _("All sites")

    sites_label.short_description = _("Sites")

    def get_detail_context(self, request, user) -> dict:
        return {
            "role_label": self.role_label(user),
            "sites_label": self.sites_label(user),
            "active_url": self.reverse("active", args=[user.pk]),
            "password_url": self.reverse("password", args=[user.pk]),
            "can_change": request.user.has_perm("accounts.change_user"),
            "is_self": user.pk == request.user.pk,
        }

    @property
    def active_path(self):
        return path("<uuid:pk>/active/", UserActiveView.as_view(viewset=self), name="active")

    @property
    def password_path(self):
        return path("<uuid:pk>/password/", UserPasswordView.as_view(viewset=self), name="password")

    def create_object(self, request, form):
        data = dict(form.cleaned_data)
        return services.create_user(
            actor=request.user,
            username=data.pop("username"),
            password=data.pop("password"),
            role=data.pop("role"),
            site_scope=data.pop("site_scope"),
            **data,
        )

    def update_object(self, request, obj, form):
        data = dict(form.cleaned_data)
        return services.update_user(
            actor=request.user,
            user=obj,
            role=data.pop("role"),
            site_scope=data.pop("site_scope"),
            **data,
        )
