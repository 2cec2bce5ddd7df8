"""A view failing with secrets in its locals and its message (tests/erp/core/test_sentry.py)."""

from django.conf import settings
from django.urls import path


def failing(request):
    password = request.POST["password"]  # a local the event must not carry
    router_password = password[::-1]
    raise RuntimeError(
        f"router login failed: /login =name=admin =password={router_password} "
        f"key={settings.SECRET_KEY} fernet {settings.FERNET_KEYS[0]} "
        f"for {request.POST['phone']} and {request.POST['email']}"
    )


urlpatterns = [path("fail/", failing)]
