"""REST API of SMS: send one, logs (with state history), resend, templates (with preview),
campaigns (with progress), and the live counter."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.clients.selectors import clients_visible_to
from erp.core.api import ServiceModelViewSet
from erp.core.permissions import ModelPermissions

from . import selectors, services
from .models import Message, Template
from .serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    CountSerializer,
    MessageDetailSerializer,
    MessageSerializer,
    PreviewSerializer,
    SendSerializer,
    TemplateSerializer,
)


class SendPermission(ModelPermissions):
    perms_map = {**ModelPermissions.perms_map, "POST": ["messaging.send_sms"]}


class MessageApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SMS logs; POST sends one (to a client the user may see; agents only to their own)."""

    permission_classes = [SendPermission]
    filterset_fields = {
        "state": ["exact"],
        "gateway": ["exact"],
        "template": ["exact"],
        "campaign": ["exact"],
        "client": ["exact"],
        "created_at": ["gte", "lt"],
    }
    search_fields = ["=phone"]

    def get_queryset(self):
        return selectors.messages_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MessageDetailSerializer
        if self.action == "create":
            return SendSerializer
        return MessageSerializer

    @extend_schema(request=SendSerializer, responses={201: MessageSerializer})
    def create(self, request, *args, **kwargs):
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        client = None
        if values.get("client"):
            client = clients_visible_to(request.user).filter(pk=values["client"]).first()
            if client is None:
                raise exceptions.NotFound(_("No such client."))
        elif request.user.is_agent:
            raise exceptions.PermissionDenied(_("An agent sends SMS to the agent's own clients."))
        message = services.queue_message(
            phone=values.get("phone") or (client.phone if client else ""),
            text=values["text"],
            kind=values["kind"],
            client=client,
            actor=request.user,
            already_sent=values["already_sent"],
            source=f"app:{values['id']}" if values.get("id") else "",
        )
        return Response(
            MessageSerializer(message, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        if not request.user.has_perm("messaging.resend_sms"):
            raise exceptions.PermissionDenied()
        message = services.resend(message=self.get_object(), actor=request.user)
        return Response(
            MessageSerializer(message, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateApiViewSet(ServiceModelViewSet):
    serializer_class = TemplateSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return selectors.templates_visible_to(self.request.user)

    def create_object(self, data):
        return services.save_template(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.save_template(actor=self.request.user, template=instance, **data)

    @extend_schema(request=PreviewSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """The template with a real client's values (or sample ones), and its parts."""
        template: Template = self.get_object()
        data = PreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"client_name": "Asha", "site": "Mbezi", "code": "ABCD-2345"}
        language = data.validated_data.get("language") or "sw"
        if data.validated_data.get("client"):
            client = (
                clients_visible_to(request.user).filter(pk=data.validated_data["client"]).first()
            )
            if client is None:
                raise exceptions.NotFound(_("No such client."))
            values = {"client_name": client.name, "site": client.site.name}
            language = data.validated_data.get("language") or client.language
        return Response(services.preview(template=template, language=language, values=values))


class CampaignApiViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns: Marketing starts one to a filtered audience; progress and ETA on the detail."""

    serializer_class = CampaignSerializer

    def get_queryset(self):
        return selectors.campaigns_visible_to(self.request.user)

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        campaign = services.start_campaign(
            actor=request.user,
            name=values.pop("name"),
            template=values.pop("template"),
            filters=values,
        )
        return Response(
            CampaignSerializer(campaign, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CountAPIView(APIView):
    """What a text costs (encoding, parts) after normalisation: the compose page's counter
    does the same in the browser."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=CountSerializer, responses={200: dict})
    def post(self, request):
        data = CountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CountSerializer(data.validated_data).data)


__all__ = [
    "CampaignApiViewSet",
    "CountAPIView",
    "Message",
    "MessageApiViewSet",
    "TemplateApiViewSet",
]
