"""Helpers every app's services use to write a record the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


def assign_fields(instance: M, data: Mapping[str, Any], allowed: Iterable[str]) -> M:
    """Copy ``data`` onto ``instance``; a field outside ``allowed`` is a programming error."""
    allowed = set(allowed)
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unexpected fields for {type(instance).__name__}: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


def validated_save(instance: M, *, actor: Any) -> M:
    """Validate (fields, clean, constraints), then save with ``actor`` as the history user.

    A unique constraint lost to a concurrent writer between validation and insert still ends as
    a ValidationError, not a 500.
    """
    instance.full_clean()
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(
            _("This conflicts with a record saved at the same moment; reload and try again.")
        ) from None
    return instance
