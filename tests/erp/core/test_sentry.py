"""Sentry: off without SENTRY_DSN; with it, an unhandled exception reaches the DSN over HTTP
with its type and stack, and none of the secrets or personal data the request and the error
carried (the before_send scrubber)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from erp.core.sentry import FILTERED, scrub_event, secrets_in

ROOT = Path(__file__).resolve().parents[3]
PORT = 9411  # this project's helper range for test servers

SECRET_KEY = "test-secret-key-for-the-sentry-check-0123456789abcdef"
FERNET = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="
DB_PASSWORD = "Db-Pass-Word-77"


def test_the_scrubber_removes_secrets_and_personal_data():
    from erp.core import sentry

    sentry._secrets[:] = [SECRET_KEY, FERNET]
    event = {
        "level": "error",
        "request": {
            "method": "POST",
            "url": "https://erp.example.com/portal/KKO/?code=ABCD-EFGH&lang=sw",
            "query_string": "code=ABCD-EFGH&lang=sw",
            "headers": {
                "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoxfQ.sig",
                "Cookie": "sessionid=abc; csrftoken=def",
                "X-Request-Id": "r-1",
                "User-Agent": "Mozilla",
            },
            "cookies": {"sessionid": "abc"},
            "data": {"username": "asha", "password": "hunter2"},
            "env": {"REMOTE_ADDR": "41.59.1.2", "SERVER_NAME": "erp"},
        },
        "user": {"id": 7, "email": "asha@example.com", "ip_address": "41.59.1.2"},
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": f"failed with key={SECRET_KEY} and Bearer abcdefghijk12345",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "erp/mikrotik/client.py",
                                "function": "login",
                                "lineno": 42,
                                "vars": {"password": "R0uter!", "host": "10.0.0.1"},
                            }
                        ]
                    },
                }
            ]
        },
        "extra": {
            "voucher_code": "ABCD-EFGH",
            "client_phone": "+255712345678",
            "fernet": FERNET,
            "note": f"the key {FERNET} leaked; call 0712 345 678",
            "sale_id": "550e8400-e29b-41d4-a716-446655440000",
            "status_code": 500,
        },
        "breadcrumbs": {"values": [{"message": "login /login =name=admin =password=R0uter!"}]},
    }
    out = json.dumps(scrub_event(event, {}))
    for secret in (
        SECRET_KEY,
        FERNET,
        "ABCD-EFGH",
        "eyJhbGciOiJIUzI1NiJ9",
        "abcdefghijk12345",
        "sessionid=abc",
        "hunter2",
        "R0uter!",
        "asha@example.com",
        "41.59.1.2",
        "+255712345678",
        "0712 345 678",
        '"asha"',
    ):
        assert secret not in out, secret
    scrubbed = json.loads(out)
    # What finds the bug stays: the type, the frame, the path, the request id, the user's id.
    assert scrubbed["exception"]["values"][0]["type"] == "RuntimeError"
    frame = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert (frame["function"], frame["lineno"], "vars" in frame) == ("login", 42, False)
    assert scrubbed["request"]["url"] == "https://erp.example.com/portal/KKO/"
    assert scrubbed["request"]["query_string"] == f"code={FILTERED}&lang={FILTERED}"
    assert scrubbed["request"]["headers"]["X-Request-Id"] == "r-1"
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["extra"]["sale_id"] == "550e8400-e29b-41d4-a716-446655440000"
    assert scrubbed["extra"]["status_code"] == 500


def test_secret_values_are_read_from_the_environment_by_name():
    found = secrets_in(
        {
            "SECRET_KEY": SECRET_KEY,
            "FERNET_KEYS": f"{FERNET},older-key-value-1234",
            "DATABASE_URL": f"postgres://viornet:{DB_PASSWORD}@db:5432/viornet",
            "WAVE_API_KEY": "wave_sn_prod_abcdef",
            "ERP_ENV": "production",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert set(found) == {
        SECRET_KEY,
        FERNET,
        "older-key-value-1234",
        DB_PASSWORD,
        "wave_sn_prod_abcdef",
    }


class _Collector(BaseHTTPRequestHandler):
    """A Sentry ingest endpoint as far as the SDK sees it: envelopes POSTed, 200."""

    envelopes: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # only if the SDK chose it

            body = brotli.decompress(body)
        _Collector.envelopes.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def ingest():
    _Collector.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", PORT), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Collector.envelopes
    server.shutdown()
    server.server_close()


def test_an_unhandled_error_reaches_the_dsn_without_secrets(ingest, db):
    """A separate process with SENTRY_DSN set, as a gunicorn worker starts: a request with a
    token, cookies, a voucher code and a password fails; the event sent over HTTP names the
    error and its view, and carries none of them."""
    script = (
        "import django; django.setup()\n"
        "import sentry_sdk\n"
        "from django.test import Client\n"
        "from django.test.utils import override_settings\n"
        "with override_settings(ROOT_URLCONF='tests.erp.core.sentry_urls', ALLOWED_HOSTS=['*']):\n"
        "    c = Client(raise_request_exception=False,\n"
        "               HTTP_AUTHORIZATION='Bearer tok-abcdefgh-123')\n"
        "    c.cookies['sessionid'] = 'sess-abcdefgh'\n"
        "    r = c.post('/fail/?code=VOUCH-ER12&phone=0712345678',\n"
        "               {'password': 'form-Pass-123', 'phone': '+255 712 345 678',\n"
        "                'email': 'asha@example.com'})\n"
        "    assert r.status_code == 500, r.status_code\n"
        "assert sentry_sdk.get_client().is_active()\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    from django.db import connection

    test_db = connection.settings_dict  # the test database: the request reads its sessions
    password = f":{test_db['PASSWORD']}" if test_db.get("PASSWORD") else ""
    env = dict(
        os.environ,
        DATABASE_URL=(
            f"postgres://{test_db['USER']}{password}@{test_db['HOST']}:{test_db['PORT']}"
            f"/{test_db['NAME']}"
        ),
        DJANGO_SETTINGS_MODULE="erp.settings",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{PORT}/42",
        SECRET_KEY=SECRET_KEY,
        FERNET_KEYS=FERNET,
        ROUTER_API_TOKEN="router-api-token-value-99",
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120
    )
    assert ingest, "nothing reached the DSN"
    sent = b"\n".join(ingest).decode()
    events = [
        json.loads(line)
        for line in sent.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    assert events, sent[:2000]
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert any(
        f.get("function") == "failing"
        for f in event["exception"]["values"][-1]["stacktrace"]["frames"]
    )
    for secret in (
        SECRET_KEY,
        FERNET,
        "tok-abcdefgh-123",
        "sess-abcdefgh",
        "VOUCH-ER12",
        "form-Pass-123",
        "321-ssaP-mrof",  # the router password made from it
        "0712345678",
        "712 345 678",
        "asha@example.com",
    ):
        assert secret not in sent, secret


def test_nothing_is_initialised_without_a_dsn():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()
