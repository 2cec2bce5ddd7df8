"""API plumbing shared by every app: error shape, service-error mapping, CRUD over services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from erp.core.exceptions import NotAllowed
from erp.core.ratelimit import too_many_message


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def exception_handler(exc, context):
    """Map the errors services raise onto API answers instead of 500s.

    Services validate with Django's ValidationError so that forms and the API share one rule:
    it becomes a 400 with field messages. A refusal because of who the actor is (NotAllowed) is
    a 403 with its message. A delete refused by a protecting foreign key is a 409.
    """
    if isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
            if "__all__" in detail:
                detail["non_field_errors"] = detail.pop("__all__")
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("This record is still in use by other records and cannot be deleted."))
    elif isinstance(exc, exceptions.Throttled) and exc.wait:
        # One wording for every 429 (DRF's says "Request was throttled. Expected available…").

        wait = exc.wait
        exc = exceptions.Throttled(wait=wait)
        exc.detail = exceptions.ErrorDetail(too_many_message(int(wait)), code="throttled")
    return drf_exception_handler(exc, context)


class ServiceModelViewSet(viewsets.ModelViewSet):
    """CRUD whose writes go through the app's services, never ``serializer.save()``.

    Subclasses give ``get_queryset`` (a selector: it decides what the user may see, so another
    agent's record is a 404) and ``create_object`` / ``update_object`` (services).
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, dict(serializer.validated_data))
        return Response(self.get_serializer(instance).data)

    def perform_destroy(self, instance):
        instance._history_user = self.request.user
        instance.delete()
