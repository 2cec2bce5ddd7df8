"""Card templates: the printed card's layout."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from erp.accounts.models import User
from erp.core.services import assign_fields, validated_save

from ..models import CardTemplate


# --- card templates ---------------------------------------------------------------------------
@transaction.atomic
def save_card_template(*, actor: User, template=None, **fields: Any):
    """Create or change a card template; making one active retires the one before."""
    template = assign_fields(template or CardTemplate(), fields, ("name", "body", "is_active"))
    if template.is_active:
        CardTemplate.objects.filter(is_active=True).exclude(pk=template.pk).update(is_active=False)
    return validated_save(template, actor=actor)
