"""A 403 or 404 is logged once, as one line without a traceback; a 500 keeps its traceback."""

from __future__ import annotations

import logging

import pytest

from erp.accounts.roles import Role


@pytest.mark.django_db
def test_forbidden_logs_one_line_without_traceback(client, users, caplog):
    client.force_login(users[Role.AGENT])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/finance/expense/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_server_error_keeps_its_traceback(client, settings, caplog):
    from erp.core.logging import ClientErrorFilter

    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.status_code = 500
    record.exc_info = (RuntimeError, RuntimeError("boom"), None)
    assert ClientErrorFilter().filter(record)
    assert record.exc_info is not None
