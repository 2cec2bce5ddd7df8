"""Production static files are compressed and cached for good (issue 23: a first visit
downloaded ~2 MB of uncompressed CSS/JS, re-validated every minute).

collectstatic runs with the production storage (erp/core/staticfiles.py) over the app's own
static folder into a temporary STATIC_ROOT; a page then links the hashed names, and
whitenoise serves them compressed with a year's immutable caching.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

import erp.core

OWN_STATIC = Path(erp.core.__file__).parent / "static"


@pytest.fixture
def production_static(tmp_path, settings):
    (tmp_path / "lib").mkdir()
    # a library stylesheet pointing at a file it does not ship (viewflow's and Dash's do)
    (tmp_path / "lib" / "widget.css").write_text(
        ".w { background: url(missing-sprite.png); }\n/*# sourceMappingURL=widget.css.map */\n"
    )
    with override_settings(
        STATIC_ROOT=tmp_path / "static",
        STATICFILES_DIRS=[OWN_STATIC, tmp_path / "lib"],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "erp.core.staticfiles.StaticStorage"},
        },
        DEBUG=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path / "static"


@pytest.mark.django_db
def test_pages_link_hashed_static_files_served_compressed_and_immutable(production_static):
    # the unresolvable reference did not stop the run; the stylesheet kept it as written
    hashed = next(production_static.glob("widget.*.css"))
    assert "missing-sprite.png" in hashed.read_text()

    client = Client()
    page = client.get("/accounts/login/").content.decode()
    links = re.findall(r'href="(/static/erp/brand\.[0-9a-f]{12}\.css)"', page)
    assert links, "the login page links the hashed brand.css"

    for encoding in ("br", "gzip"):
        response = client.get(links[0], HTTP_ACCEPT_ENCODING=encoding)
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert "immutable" in response["Cache-Control"]
        assert "max-age=315360000" in response["Cache-Control"]
        body = b"".join(response.streaming_content)
        assert len(body) < (production_static / "erp" / "brand.css").stat().st_size

    # the plain name still answers (a reference nobody hashed), but is not cached for good
    plain = client.get("/static/erp/brand.css")
    assert plain.status_code == 200 and "immutable" not in plain["Cache-Control"]
