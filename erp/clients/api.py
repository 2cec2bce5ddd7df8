"""REST API for clients: an agent sees and edits only the agent's own clients."""

from erp.core.api import ServiceModelViewSet

from . import selectors, services
from .serializers import ClientSerializer


class ClientViewSet(ServiceModelViewSet):
    serializer_class = ClientSerializer
    filterset_fields = ["site", "agent", "marketing_consent"]
    search_fields = ["name", "=phone", "=mac_address"]

    def get_queryset(self):
        return selectors.clients_visible_to(self.request.user)

    def create_object(self, data):
        return services.create_client(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_client(actor=self.request.user, client=instance, **data)
