"""The API's list filters: django-filter, with date-times the database can always compare.

A client may send any ISO 8601 offset Python accepts (up to ±23:59) and any year from 1;
PostgreSQL refuses offsets beyond ±15:59 and a UTC conversion of year 1 can overflow. Every
date-time filter converts to UTC first and answers 400 when it cannot, instead of a 500.

A filter by a record (``?site=<id>``) accepts only the records the user sees, as the UI's list
filters offer only those (erp.core.viewsets.BoundedListView): a site or router the user may not
see is answered like one that does not exist (400, "Select a valid choice"), never with an
empty 200 that would tell it exists.
"""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.filters import QuerySetRequestMixin

from .scoping import RowScope, restrict


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

    def get_filterset(self, request, queryset, view):
        """The filter set, each choice of a row-scoped record (a site, a router, a fault)
        narrowed to the rows ``request.user`` sees."""
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        narrow_choices(filterset, request)
        return filterset


def narrow_choices(filterset, request) -> None:
    """Narrow, in place, each record filter of ``filterset`` whose model is row-scoped to the
    rows the user sees (a filter set's filters are its own copies: the class is untouched).
    Shared by the API's backend and the UI's lists."""
    for choice in filterset.filters.values():
        if not isinstance(choice, QuerySetRequestMixin):
            continue
        options = choice.get_queryset(request)
        if options is not None and isinstance(getattr(options.model, "row_scope", None), RowScope):
            choice.queryset = restrict(options, request.user)
