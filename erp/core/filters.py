"""The API's list filters: django-filter, with date-times the database can always compare.

A client may send any ISO 8601 offset Python accepts (up to ±23:59) and any year from 1;
PostgreSQL refuses offsets beyond ±15:59 and a UTC conversion of year 1 can overflow. Every
date-time filter converts to UTC first and answers 400 when it cannot, instead of a 500.
"""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {
        "out_of_range": _("This date and time is out of range."),
    }

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return value
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FilterSet(filters.FilterSet):
    """The base of the filter sets the API generates from ``filterset_fields``."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": UtcIsoDateTimeFilter},
    }


class FilterBackend(filters.DjangoFilterBackend):
    """``REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]``: django-filter over :class:`FilterSet`."""

    filterset_base = FilterSet
