"""Support tickets over the API: list and read (scoped), open, write on a ticket, file it.

Opening goes through services.open_ticket like every other channel, so an API ticket is
classified, enriched and linked exactly as an SMS one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import selectors, services
from .choices import Channel
from .serializers import (
    TicketCategorySerializer,
    TicketMessageCreateSerializer,
    TicketMessageSerializer,
    TicketOpenSerializer,
    TicketPrioritySerializer,
    TicketSerializer,
)


class TicketApiViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TicketSerializer
    filterset_fields = ["site", "status", "channel", "priority", "needs_triage", "incident"]
    search_fields = ["subject", "=phone"]

    def get_queryset(self):
        return selectors.tickets_visible_to(self.request.user)

    @extend_schema(request=TicketOpenSerializer, responses={201: TicketSerializer})
    def create(self, request, *args, **kwargs):
        form = TicketOpenSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        ticket = services.open_ticket(
            channel=Channel.API, actor=request.user, **form.validated_data
        )
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], request=None, responses=TicketMessageSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=TicketMessageCreateSerializer,
        responses={201: TicketMessageSerializer},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsAuthenticated])
    def messages(self, request, pk=None):
        """The ticket's messages, oldest first; POST writes a reply or an internal note."""
        ticket = self.get_object()
        if request.method == "GET":
            rows = selectors.messages_visible_to(request.user).filter(ticket=ticket)
            return Response(TicketMessageSerializer(rows, many=True).data)
        form = TicketMessageCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.add_message(
            ticket=ticket, channel=Channel.API, actor=request.user, **form.validated_data
        )
        return Response(TicketMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TicketCategorySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def category(self, request, pk=None):
        """File (or correct) the ticket's category: it leaves the triage queue."""
        ticket = self.get_object()
        form = TicketCategorySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = services.set_category(ticket=ticket, actor=request.user, **form.validated_data)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=TicketPrioritySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def priority(self, request, pk=None):
        """Raise or lower the ticket's priority: its SLA due times are recomputed (the time it
        already waited for the customer still does not count)."""
        ticket = self.get_object()
        form = TicketPrioritySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = services.set_priority(ticket=ticket, actor=request.user, **form.validated_data)
        return Response(TicketSerializer(ticket).data)
