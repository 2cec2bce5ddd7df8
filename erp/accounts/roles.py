"""The ViorNet roles, the permissions each is granted, and how the INET roles map onto them.

Roles are Django groups seeded by a data migration (accounts/migrations/0003_seed_roles.py); a
user's role is the group they are in. Which *rows* a role sees (an agent's own clients) is decided
by the selectors; the permissions here decide which *kinds* of record and action a role may use.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUPER_ADMIN = "Super Admin", _("Super Admin")
    MARKETING = "Marketing", _("Marketing")
    SALES = "Sales", _("Sales")
    TECHNICAL = "Technical", _("Technical")
    FINANCE = "Finance", _("Finance")
    AGENT = "Agent", _("Agent")


# The INET Wi-Fi Portal's roles (reference/002) expressed as ViorNet roles.
INET_ROLE_MAP: dict[str, Role] = {
    "Root": Role.SUPER_ADMIN,
    "System Admin": Role.SUPER_ADMIN,
    "Customer Care": Role.MARKETING,
    "Field Technician": Role.TECHNICAL,
    "Billing Officer": Role.FINANCE,
}

# Roles that see every site; the others see the sites they are scoped to (or, for agents,
# assigned to).
ALL_SITES_ROLES = frozenset({Role.SUPER_ADMIN})
