"""The field app's sync endpoints: push operations, pull changes, see and settle conflicts."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.accounts.roles import Role
from erp.core.parsers import PerItemTextsJSONParser
from erp.sites.selectors import sites_visible_to

from . import selectors, services
from .models import Conflict
from .serializers import (
    ConflictSerializer,
    KeyOutputSerializer,
    PullOutputSerializer,
    PushInputSerializer,
    PushOutputSerializer,
    SettleInputSerializer,
)


class UsesFieldApp(BasePermission):
    """Agents and technicians (``sync.use_field_app``)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("sync.use_field_app"))


def keep_session_alive(request) -> None:
    """The field app in use keeps its sign-in: each online start and each sync moves the
    session's end SESSION_COOKIE_AGE ahead (a phone unused that long signs in again)."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session.modified = True


class PushAPIView(APIView):
    """Apply the device's queued operations in order, each once; an answer per operation."""

    permission_classes = [IsAuthenticated, UsesFieldApp]
    # a text over its limit refuses its operation alone (erp.sync.services), not the push
    parser_classes = [PerItemTextsJSONParser]

    @extend_schema(request=PushInputSerializer, responses={200: PushOutputSerializer})
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.SYNC_MAX_BODY_BYTES:
            return Response(
                {
                    "detail": _(
                        "This push is %(size)s MB; at most %(max)s MB: send the queue in "
                        "smaller pushes. Nothing was applied."
                    )
                    % {
                        "size": round(length / 2**20, 1),
                        "max": f"{settings.SYNC_MAX_BODY_BYTES / 2**20:g}",
                    }
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get("ops"), list):
            raise ParseError(_('Send {"ops": [...]}: a list of operations.'))
        if len(data["ops"]) > settings.SYNC_MAX_OPS:
            raise ValidationError(
                {
                    "ops": [
                        _("At most %(n)s operations per push; nothing was applied.")
                        % {"n": settings.SYNC_MAX_OPS}
                    ]
                }
            )
        results = services.push(
            user=request.user,
            ops=data["ops"],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response({"results": results})


class KeyAPIView(APIView):
    """The secret that wraps the device's key for codes at rest, and the offline unlock window.

    Only online and signed in: a phone that is offline unlocks with the agent's PIN instead, for
    at most ``offline_days`` after its last online start.
    """

    permission_classes = [IsAuthenticated, UsesFieldApp]

    @extend_schema(responses={200: KeyOutputSerializer})
    def get(self, request):
        response = Response(
            {
                "secret": base64.b64encode(services.device_key_secret(request.user)).decode(),
                "offline_days": settings.FIELD_APP_OFFLINE_DAYS,
                # the offline PIN: at least this many digits (a shorter one set before is
                # replaced at the next online start)
                "pin_min_digits": settings.FIELD_APP_PIN_MIN_DIGITS,
                # a push body above this is refused unread: the app sends its queue in pushes
                # under it (queued photos add up)
                "max_push_bytes": settings.SYNC_MAX_BODY_BYTES,
                "max_push_ops": settings.SYNC_MAX_OPS,
                "user": str(request.user.pk),
                "technician": request.user.has_role(Role.TECHNICAL),
                # where a technician may report a fault (the form works offline)
                "sites": [
                    {"id": str(pk), "name": name}
                    for pk, name in sites_visible_to(request.user).values_list("pk", "name")
                ],
            }
        )
        response["Cache-Control"] = "no-store"
        keep_session_alive(request)
        return response


class PullAPIView(APIView):
    """Every change the user may see since the cursor (none: a first sync), one page."""

    permission_classes = [IsAuthenticated, UsesFieldApp]

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From the last page."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Records per page."),
            OpenApiParameter(
                "device_id", OpenApiTypes.UUID, description="The asking device (its last pull)."
            ),
        ],
        responses={
            200: PullOutputSerializer,
            410: OpenApiResponse(
                description="The feed was pruned past the cursor: pull again without one."
            ),
        },
    )
    def get(self, request):
        limit = request.query_params.get("limit")
        try:
            limit = int(limit) if limit else None
            if limit is not None and limit < 1:
                raise ValueError
        except ValueError:
            raise ValidationError({"limit": [_("A whole number from 1 up.")]}) from None
        try:
            page = selectors.pull(
                request.user, cursor=request.query_params.get("cursor"), limit=limit
            )
        except selectors.CursorTooOld:
            return Response(
                {
                    "detail": _(
                        "This phone last synced before the oldest change the server keeps: "
                        "sync from scratch (no cursor)."
                    ),
                    "code": "cursor_too_old",
                },
                status=status.HTTP_410_GONE,
            )
        except selectors.BadCursor:
            raise ValidationError(
                {"cursor": [_("Unknown cursor: start again without one (a full sync).")]}
            ) from None
        services.note_pull(user=request.user, device_id=request.query_params.get("device_id"))
        keep_session_alive(request)
        return Response(page)


class ConflictApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Conflicts of pushed operations: a user's own; every one for Finance, who settles them."""

    serializer_class = ConflictSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind", "user"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Conflict.objects.none()
        return selectors.conflicts_visible_to(self.request.user)

    @extend_schema(request=SettleInputSerializer, responses={200: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        if not request.user.has_perm("sync.change_conflict"):
            raise PermissionDenied()
        data = SettleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conflict = services.settle_conflict(
            actor=request.user,
            conflict=self.get_object(),
            resolution=data.validated_data["resolution"],
        )
        return Response(ConflictSerializer(conflict).data)
