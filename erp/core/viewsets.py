"""The base of every UI viewset: list with bounded count, detail with history, service saves."""

from __future__ import annotations

from viewflow.urls import DetailViewMixin, ModelViewset
from viewflow.views import ListModelView

from .filters import narrow_choices
from .pagination import BoundedPaginator
from .views import RecordDetailView, ServiceCreateView, ServiceUpdateView


class BoundedListView(ListModelView):
    """A list with a bounded count, whose filters offer only what the user may see."""

    paginator_class = BoundedPaginator

    def get_filterset(self, filterset_class, queryset):
        """The filter set, each choice of a scoped record (a site, a router) narrowed to the
        rows the user sees: a user scoped to two sites is offered those two in the site
        filter, not every site of the network (issue 23). ``list_filter_fields`` make their
        choices from the model's whole table; a viewset's own narrower choices stay."""
        filterset = super().get_filterset(filterset_class, queryset)
        narrow_choices(filterset, self.request)
        return filterset


class RecordViewset(DetailViewMixin, ModelViewset):
    """List, detail (fields + history), add and edit; writes go through the app's services.

    Subclasses give ``get_queryset(request)`` (a selector), ``create_object`` and
    ``update_object`` (services), and optionally ``limit_form`` to scope form choices.
    """

    list_view_class = BoundedListView
    create_view_class = ServiceCreateView
    update_view_class = ServiceUpdateView
    detail_view_class = RecordDetailView
    detail_hidden_fields: tuple[str, ...] = ()
