"""REST API for sites and routers: thin classes over selectors and services."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from erp.core.api import ServiceModelViewSet

from . import selectors, services
from .serializers import RouterSerializer, SiteSerializer


class SiteApiViewSet(ServiceModelViewSet):
    serializer_class = SiteSerializer
    filterset_fields = ["status", "code", "manager"]
    search_fields = ["name", "code"]

    def get_queryset(self):
        return selectors.sites_visible_to(self.request.user).prefetch_related("agents")

    def create_object(self, data):
        return services.create_site(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_site(actor=self.request.user, site=instance, **data)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RouterApiViewSet(ServiceModelViewSet):
    serializer_class = RouterSerializer
    filterset_fields = ["site", "status", "use_tls"]

    def get_queryset(self):
        return selectors.routers_visible_to(self.request.user)

    def create_object(self, data):
        return services.create_router(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_router(actor=self.request.user, router=instance, **data)
