"""REST API for clients: an agent sees and edits only the agent's own clients."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from erp.core.api import ServiceModelViewSet
from erp.sales.selectors import purchases_of
from erp.sales.serializers import SaleSerializer

from . import selectors, services
from .serializers import ClientSerializer


class ClientApiViewSet(ServiceModelViewSet):
    serializer_class = ClientSerializer
    filterset_fields = ["site", "agent", "marketing_consent"]
    search_fields = ["name", "=phone", "=mac_address"]

    def get_queryset(self):
        return selectors.clients_visible_to(self.request.user)

    def create_object(self, data):
        return services.create_client(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_client(actor=self.request.user, client=instance, **data)

    @extend_schema(responses=SaleSerializer(many=True))
    @action(detail=True, methods=["get"])
    def purchases(self, request, pk=None):
        """The client's purchases, newest first (an agent: those the agent sold)."""
        sales = purchases_of(request.user, self.get_object())
        page = self.paginate_queryset(sales)
        return self.get_paginated_response(SaleSerializer(page, many=True).data)
