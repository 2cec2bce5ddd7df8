"""The base of every UI viewset: list with bounded count, detail with history, service saves."""

from __future__ import annotations

from viewflow.urls import DetailViewMixin, ModelViewset
from viewflow.views import ListModelView

from .pagination import BoundedPaginator
from .views import RecordDetailView, ServiceCreateView, ServiceUpdateView


class BoundedListView(ListModelView):
    paginator_class = BoundedPaginator


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
