"""The API endpoints that drive a ticket's process: file (the triage step), reply, note, wait
for the customer, resolve (completes the team's step) and hand over. Same URLs as the rest of
/api/v1/tickets/; each completes the same task as the page, so the inboxes stay true."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from erp.accounts.models import User
from erp.support.api import TicketApiViewSet
from erp.support.serializers import (
    TicketCategorySerializer,
    TicketMessageSerializer,
    TicketSerializer,
)
from erp.support.services import set_category

from . import services


class _TextSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, allow_blank=True)


class _WaitSerializer(serializers.Serializer):
    text = serializers.CharField(
        trim_whitespace=False, allow_blank=True, required=False, default=""
    )


class _ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(trim_whitespace=False, allow_blank=True)


class _ReassignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class TicketProcessApiViewSet(TicketApiViewSet):
    """Tickets and their process steps."""

    @extend_schema(request=TicketCategorySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def category(self, request, pk=None):
        """File the ticket: completes the triage step when it waits there (it goes to the
        category's team), else corrects the category."""
        ticket = self.get_object()
        form = TicketCategorySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        category = form.validated_data["category"]
        priority = form.validated_data.get("priority")
        process = services.process_of(ticket)
        if process is not None and services._open_task(process, services.SupportTicketFlow.triage):
            ticket = services.triage(
                actor=request.user, ticket=ticket, category=category, priority=priority
            )
        else:
            ticket = set_category(
                ticket=ticket, category=category, actor=request.user, priority=priority
            )
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=_TextSerializer, responses={201: TicketMessageSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reply(self, request, pk=None):
        """Answer the customer (SMS or e-mail); takes the ticket from the team's queue."""
        form = _TextSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.reply(
            actor=request.user, ticket=self.get_object(), **form.validated_data
        )
        return Response(TicketMessageSerializer(message).data, status=201)

    @extend_schema(request=_TextSerializer, responses={201: TicketMessageSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def note(self, request, pk=None):
        """An internal note (the customer never sees it)."""
        form = _TextSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.note(actor=request.user, ticket=self.get_object(), **form.validated_data)
        return Response(TicketMessageSerializer(message).data, status=201)

    @extend_schema(request=_WaitSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def wait(self, request, pk=None):
        """Ask the customer (optional text) and pause the SLA clock until they answer."""
        form = _WaitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = services.wait(actor=request.user, ticket=self.get_object(), **form.validated_data)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=_ResolveSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def resolve(self, request, pk=None):
        """Resolve: the customer gets the resolution and the rating request."""
        form = _ResolveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = services.resolve(
            actor=request.user, ticket=self.get_object(), **form.validated_data
        )
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=_ReassignSerializer, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reassign(self, request, pk=None):
        """Hand the ticket to another member of its team (its owner or a support lead)."""
        form = _ReassignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.reassign(actor=request.user, ticket=self.get_object(), **form.validated_data)
        return Response(status=204)
