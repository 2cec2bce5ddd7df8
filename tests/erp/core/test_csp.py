"""Finding 8: a Content-Security-Policy and a Permissions-Policy on every page, no inline
script allowed outside the Dash pages, which get only the hashes of Dash's own inline scripts
and 'unsafe-eval'. (The browser tests under tests/browser run every page under this policy and
fail on any console error, a refused script included.)"""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
def test_pages_carry_a_strict_policy(client, users):
    response = client.get("/accounts/login/")
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "camera=(self)" in response["Permissions-Policy"]
    client.force_login(users[Role.SUPER_ADMIN])
    home = client.get("/")
    assert _directives(home["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert "<script>" not in home.content.decode()  # no inline script of ours
    # Swagger UI starts from a script file, not an inline script.
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert _directives(docs["Content-Security-Policy"])["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_dash_pages_get_their_two_exceptions_only(client, users):
    import base64
    import hashlib
    import re

    client.force_login(users[Role.SUPER_ADMIN])
    page = client.get("/analytics/sales")
    assert page.status_code == 200
    script_src = _directives(page["Content-Security-Policy"])["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" in script_src
    html = re.sub(r"<!--.*?-->", "", page.content.decode(), flags=re.S)  # IE-only comments
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    inline = [body for attrs, body in scripts if "application/json" not in attrs]
    assert inline  # the renderer's start
    for body in inline:  # every inline script Dash runs is allowed by its hash
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
