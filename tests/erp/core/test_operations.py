"""Operations: request ids and JSON logs, production settings, seed_demo, OpenAPI, models."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from erp.core.models import BaseModel

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args, env_extra, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"SECRET_KEY", "FERNET_KEYS", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "ERP_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            **env_extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secrets(tmp_path):
    result = _manage(
        "check",
        env_extra={"ERP_ENV": "production", "ALLOWED_HOSTS": "erp.example"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when ERP_ENV=production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "ERP_ENV": "production",
            "ALLOWED_HOSTS": "erp.example",
            "SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
            "FERNET_KEYS": Fernet.generate_key().decode(),
            "EMAIL_URL": "smtp+tls://erp:pw@mail.example:587",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_email(tmp_path):
    """Without EMAIL_URL, password-reset links would be written to the log."""
    result = _manage(
        "check",
        env_extra={
            "ERP_ENV": "production",
            "ALLOWED_HOSTS": "erp.example",
            "SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
            "FERNET_KEYS": Fernet.generate_key().decode(),
            "EMAIL_URL": "",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "EMAIL_URL must be set when ERP_ENV=production" in result.stderr


def test_development_generates_its_secrets_once(tmp_path):
    first = _manage("check", env_extra={"ERP_ENV": "development"}, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    fernet = (tmp_path / "fernet_keys").read_text()
    Fernet(fernet.strip().encode())  # a valid key
    _manage("check", env_extra={"ERP_ENV": "development"}, tmp_path=tmp_path)
    assert (tmp_path / "secret_key").read_text() == key
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.django_db
def test_request_id_is_echoed_and_in_json_logs(client):
    from pythonjsonlogger.json import JsonFormatter

    from erp.core.logging import RequestIdFilter

    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="abc-123")
    finally:
        logger.removeHandler(handler)
    assert response.headers["X-Request-ID"] == "abc-123"
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "abc-123" and line["levelname"] == "WARNING"

    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert generated.headers["X-Request-ID"] != "bad id with spaces"
    assert len(generated.headers["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_logins(roles, asset_types):
    from erp.accounts.models import User
    from erp.assets.models import Asset, AssetMovement
    from erp.clients.models import Client
    from erp.sites.models import Router, Site

    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (
        User.objects.count(),
        Site.objects.count(),
        Router.objects.count(),
        Client.objects.count(),
        Asset.objects.count(),
        AssetMovement.objects.count(),
    )
    call_command("seed_demo", stdout=StringIO())
    assert counts == (
        User.objects.count(),
        Site.objects.count(),
        Router.objects.count(),
        Client.objects.count(),
        Asset.objects.count(),
        AssetMovement.objects.count(),
    )
    # Every router is an asset too, and one asset is in repair
    assert Asset.objects.filter(router__isnull=False).count() == counts[2]
    assert Asset.objects.filter(status="in_repair").count() == 1
    assert counts[1] >= 3 and counts[2] == counts[1] and counts[3] >= 10
    text = out.getvalue()
    for username in ("admin", "marketing", "sales", "technician", "finance", "agent"):
        assert username in text
    roles_seen = {u.role for u in User.objects.all()}
    assert roles_seen == {"Super Admin", "Marketing", "Sales", "Technical", "Finance", "Agent"}
    # the demo's last day and week passes went to clients who logged in: the Overview's
    # "access ending in the next 7 days" has something to show on a first start

    from analytics.filters import Filters
    from analytics.vouchers import expiring_by_day

    today = timezone.localdate()
    ending = expiring_by_day(Filters(start=today, end=today + dt.timedelta(days=1)))
    assert ending["vouchers"].sum() > 0 and ending["clients_consent"].sum() > 0
    assert ending["clients_consent"].sum() <= ending["clients"].sum() <= counts[3]
    # typed "0754 111 22<site index>" (one client per phone: each site's are other people),
    # stored in E.164
    said = Client.objects.get(name="Said Ally", site__code="DAR-KKO")
    assert str(said.phone) == "+255754111220"
    # five weeks of sales (made once), so reports and analytics show something on first start
    from analytics import agents
    from analytics.filters import Filters
    from analytics.models import SalesDaily
    from erp.sales.models import Refund, Remittance, Sale

    sold = Sale.objects.count()
    assert sold >= 140 and Refund.objects.count() == 1 and Remittance.objects.count() == 2
    call_command("seed_demo", stdout=StringIO())
    assert Sale.objects.count() == sold
    assert sum(SalesDaily.objects.values_list("sales_count", flat=True)) == sold
    today = timezone.localdate()
    month = Filters(start=today - dt.timedelta(days=34), end=today + dt.timedelta(days=1))
    figures = agents.agent_figures(month)
    assert set(figures["agent_name"]) == {"Halima Omari", "Idrisa Mbwana"}
    assert (figures["balance_owed"] > 0).all()  # 80 % remitted, the rest still owed


def test_every_business_model_keeps_history():
    business = [m for m in apps.get_models() if issubclass(m, BaseModel)]
    assert business, "no business models found"
    for model in business:
        assert hasattr(model, "history"), f"{model.__name__} has no history"
        assert model._meta.ordering, model.__name__
        assert model.__str__ is not models.Model.__str__, model.__name__


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_swagger_is_local(client, admin_user):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/sites/",
        "/api/v1/routers/",
        "/api/v1/clients/",
        "/api/v1/users/",
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
    ):
        assert path in schema
    client.force_login(admin_user)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    # nothing loaded from another host (a bare "cdn" test once matched a random CSRF token)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page), page
    assert not re.search(r"unpkg\.com|jsdelivr\.net|cdnjs\.", page)
