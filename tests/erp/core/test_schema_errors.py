"""The OpenAPI schema documents every operation's error answers, and the answers match it:
a rate limit's 429 (with Retry-After), a malformed id's 404 (JSON, not Django's page), a
date-time filter PostgreSQL cannot compare (400, not 500)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator

from erp.accounts.roles import Role


@pytest.fixture(scope="module")
def raw_schema():
    return json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )


def _operations(raw):
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_its_error_answers(raw_schema):
    operations = list(_operations(raw_schema))
    assert len(operations) > 100
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert {"400", "401", "403", "404", "429"} <= codes, (method, path, codes)
        assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)
        if method in {"post", "put", "patch"}:
            assert {"413", "415"} <= codes, (method, path)
        if method == "delete":
            assert "409" in codes, (method, path)
        assert any(code < "300" for code in codes), (method, path)  # its own success stays
    detail = raw_schema["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["detail"]


@pytest.fixture
def wsgi_app():
    """The WSGI stack, keeping the test's connection open (as Django's test client does)."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_a_rate_limited_answer_matches_the_schema(users, settings, raw_schema, wsgi_app):
    from rest_framework_simplejwt.tokens import RefreshToken

    settings.RATE_LIMITS = {**django_settings.RATE_LIMITS, "api_user": "1/min"}
    operation = schemathesis.openapi.from_dict(raw_schema)["/api/v1/me/"]["GET"]
    token = RefreshToken.for_user(users[Role.AGENT]).access_token
    headers = {"Authorization": f"Bearer {token}"}

    def call():
        return operation.Case().call(app=wsgi_app, headers=headers, base_url="http://localhost")

    assert call().status_code == 200
    refused = call()
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"][0])
    assert refused.json() == {"detail": f"Too many requests. Try again in {wait} seconds."}
    operation.validate_response(refused)  # raises on any mismatch with the schema


@pytest.mark.django_db
def test_a_malformed_id_in_an_api_path_is_a_json_404(api, users):
    admin = api(users[Role.SUPER_ADMIN])
    response = admin.get("/api/v1/routers/not-a-uuid/events/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_page_404_outside_the_api_stays_a_page(client):
    response = client.get("/no-such-page-anywhere/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_date_time_filter_out_of_the_database_range_is_a_400(api, users, value):
    admin = api(users[Role.SUPER_ADMIN])
    response = admin.get("/api/v1/sms-messages/", {"created_at__lt": value})
    assert response.status_code == 400, response.content
    assert "created_at__lt" in response.json()


@pytest.mark.django_db
def test_a_date_time_filter_with_an_offset_still_filters(api, users, make_client):
    """An offset PostgreSQL refuses (beyond ±15:59, as schemathesis sent) is converted to UTC,
    and the same instant in another offset selects the same rows."""
    admin = api(users[Role.SUPER_ADMIN])
    far = admin.get("/api/v1/sms-messages/", {"created_at__lt": "0240-02-06T04:04:28+17:10"})
    assert far.status_code == 200, far.content
    base = admin.get("/api/v1/sms-messages/", {"created_at__lt": "2999-01-01T00:00:00Z"})
    shifted = admin.get("/api/v1/sms-messages/", {"created_at__lt": "2999-01-01T23:00:00+23:00"})
    assert base.status_code == shifted.status_code == 200
    assert base.json() == shifted.json()
