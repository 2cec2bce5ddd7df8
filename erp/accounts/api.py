"""REST API for users and authentication (JWT obtain / refresh / logout)."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from erp.core.api import ServiceModelViewSet
from erp.core.pagination import CreatedCursorPagination
from erp.core.ratelimit import (
    ApiAnonThrottle,
    ApiUserThrottle,
    LoginIpThrottle,
    LoginUsernameThrottle,
)

from . import services
from .models import User
from .serializers import MeSerializer, PasswordChangeSerializer, UserSerializer


class UsernameCursorPagination(CreatedCursorPagination):
    ordering = "username"


class UserApiViewSet(ServiceModelViewSet):
    """Users are deactivated (is_active=false), never deleted: their sales keep their name."""

    serializer_class = UserSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["is_active", "groups__name"]
    search_fields = ["username", "first_name", "last_name"]
    pagination_class = UsernameCursorPagination

    def get_queryset(self):
        return User.objects.prefetch_related("groups", "site_scope").order_by("username")

    def create_object(self, data):
        return services.create_user(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.update_user(actor=self.request.user, user=instance, **data)


class MeAPIView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


@method_decorator(sensitive_post_parameters("old_password", "new_password"), name="dispatch")
class PasswordChangeAPIView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_own_password(
            user=request.user,
            old_password=serializer.validated_data["old_password"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class _LoginThrottled:
    # Per address and per username, besides the API-wide limits.
    throttle_classes = [LoginIpThrottle, LoginUsernameThrottle, ApiUserThrottle, ApiAnonThrottle]


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenObtainAPIView(_LoginThrottled, TokenObtainPairView):
    """Username + password → short-lived access token and a refresh token."""


class TokenRefreshRotateAPIView(_LoginThrottled, TokenRefreshView):
    """Refresh → new access and a new refresh; the old refresh is blacklisted."""


class TokenLogoutAPIView(TokenBlacklistView):
    """Blacklist a refresh token: the session on that device ends."""
