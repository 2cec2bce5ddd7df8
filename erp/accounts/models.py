"""Users: staff and agents, with phone, preferred language and site scope."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from .roles import Role


class User(AbstractUser):
    """A person who logs in: staff member or agent. The role is the group the user is in.

    ``site_scope`` narrows a staff member to some sites (empty: every site their role allows).
    Agents are scoped by the sites they are assigned to (``Site.agents``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone = PhoneNumberField(_("phone"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Language of the interface; empty follows the browser."),
    )
    site_scope = models.ManyToManyField(
        "sites.Site",
        verbose_name=_("site scope"),
        blank=True,
        related_name="scoped_users",
        help_text=_("Sites this user works on; empty means every site."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        # a list of users prefetches their groups: read those instead of a query per user
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            return frozenset(group.name for group in prefetched)
        return frozenset(self.groups.values_list("name", flat=True))

    @cached_property
    def has_site_scope(self) -> bool:
        """Whether the user is narrowed to some sites; read once per user object (a request's
        user), forgotten when the scope changes (m2m_changed, erp.accounts.apps)."""
        return self.site_scope.exists()

    @property
    def role(self) -> str:
        """The user's role name ('' if none); a user normally holds exactly one."""
        names = sorted(self.role_names)
        return names[0] if names else ""

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def is_agent(self) -> bool:
        return self.has_role(Role.AGENT) and not self.sees_all_sites

    @property
    def is_super_admin(self) -> bool:
        """May manage users, settings and the translations (django-rosetta, /translations/)."""
        return self.is_superuser or self.has_role(Role.SUPER_ADMIN)

    @property
    def sees_all_sites(self) -> bool:
        return self.is_superuser or self.has_role(Role.SUPER_ADMIN)

    def scoped_sites(self) -> models.QuerySet | None:
        """The ids of the sites this user is narrowed to, as a subquery: an agent's assigned
        sites, a staff member's site scope; None when the user sees every site. The row-scoping
        rule (erp.core.scoping) filters every scoped model by it."""
        if self.sees_all_sites:
            return None
        if self.has_role(Role.AGENT):
            return self.agent_sites.values("pk")
        if self.has_site_scope:
            return self.site_scope.values("pk")
        return None


def can_translate(user) -> bool:
    """Who may open django-rosetta (/translations/, settings.ROSETTA_ACCESS_CONTROL_FUNCTION):
    the Super Admin alone, as the issue says; a translator works through them or edits the .po
    files (README "Translations")."""
    return bool(getattr(user, "is_authenticated", False) and user.is_super_admin)
