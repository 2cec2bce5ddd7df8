"""API permissions: Django model permissions (granted through role groups), reads included."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Like DRF's, but reading also needs the model's ``view`` permission.

    Which rows a user may see is the selectors' job (an agent's own records); this class only
    answers whether the role may use the endpoint at all.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
