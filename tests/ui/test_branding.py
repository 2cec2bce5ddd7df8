"""The product's own face: every page a user meets before, around and outside the app (login,
logout, password reset and change, lockout, error pages, the admin, analytics) names the
product and the organisation, never a library's demo, and links the product's icons."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from erp.accounts.roles import Role
from erp.core import icons
from tests.conftest import PASSWORD

ORG = "Kilimo WiFi Ltd"
PRODUCT = "Mawimbi Net"
LIBRARY_NAMES = ("Viewflow Demo", "Django Material", "Django administration", "Django site admin")


@pytest.fixture(autouse=True)
def brand(settings):
    settings.ORGANISATION_NAME = ORG
    settings.ERP_SITE_TITLE = PRODUCT


def assert_branded(html: str) -> None:
    assert ORG in html and PRODUCT in html
    for name in LIBRARY_NAMES:
        assert name not in html, name


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))


def icon_links(html: str) -> dict[str, str]:
    """ "rel sizes" -> href of the page's icon links."""
    parser = _Links()
    parser.feed(html)
    return {
        f"{link['rel']} {link.get('sizes', '')}".strip(): link["href"]
        for link in parser.links
        if link.get("rel") in {"icon", "apple-touch-icon"}
    }


def assert_icons(html: str) -> None:
    links = icon_links(html)
    assert links["icon 16x16 32x32 48x48"].endswith("/erp/favicon.ico"), links
    assert any(href.endswith("/erp/icon.svg") for href in links.values()), links
    assert links["icon 192x192"].endswith("/erp/icon-192.png")
    assert links["icon 512x512"].endswith("/erp/icon-512.png")
    assert links["apple-touch-icon 180x180"].endswith("/erp/apple-touch-icon.png")
    assert "viewflow/img/favicon.png" not in html


@pytest.mark.django_db
def test_login_page_names_product_and_organisation_and_links_the_icons(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert_branded(html)
    assert re.search(r"header-title\">\s*" + PRODUCT, html)
    assert f"{ORG} · WiFi vouchers, sites and sales" in html
    assert f"<title>Log in - {PRODUCT}</title>" in html
    assert_icons(html)
    # the login form itself is viewflow's, unchanged
    assert 'name="username"' in html and 'name="password"' in html


@pytest.mark.django_db
def test_logged_out_page(client, users, settings):
    """Shown when logging out does not go straight back to the login form."""
    settings.LOGOUT_REDIRECT_URL = None
    client.force_login(users[Role.SALES])
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_branded(html)
    assert "You are logged out" in html and 'href="/accounts/login/"' in html


@pytest.mark.django_db
def test_password_reset_pages(client, users, mailoutbox):
    user = users[Role.FINANCE]
    user.email = "finance@example.com"
    user.save()

    form = client.get("/accounts/password_reset/")
    assert form.status_code == 200
    assert_branded(form.content.decode())
    assert 'name="email"' in form.content.decode()

    sent = client.post("/accounts/password_reset/", {"email": "finance@example.com"}, follow=True)
    assert sent.redirect_chain[-1][0] == "/accounts/password_reset/done/"
    assert_branded(sent.content.decode())

    # The e-mail: organisation in the subject, product and organisation in the body and footer
    [mail] = mailoutbox
    assert mail.subject == f"[{ORG}] Reset your {PRODUCT} password"
    assert f"your {PRODUCT} account at {ORG}" in mail.body
    assert mail.body.rstrip().endswith(f"— {PRODUCT}, {ORG}")
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.body).group(1)

    confirm = client.get(link, follow=True)
    assert confirm.status_code == 200
    assert_branded(confirm.content.decode())
    assert 'name="new_password1"' in confirm.content.decode()
    done = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "N3w-passw0rd-here", "new_password2": "N3w-passw0rd-here"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"
    assert_branded(done.content.decode())
    assert 'href="/accounts/login/"' in done.content.decode()

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    invalid = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/")
    assert invalid.status_code == 200  # the token was used: the page says so, branded
    assert_branded(invalid.content.decode())
    assert "invalid" in invalid.content.decode()


@pytest.mark.django_db
def test_password_change_pages(client, users):
    client.force_login(users[Role.AGENT])
    form = client.get("/accounts/password_change/")
    assert form.status_code == 200
    assert_branded(form.content.decode())
    assert_icons(form.content.decode())
    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-g00d-one",
            "new_password2": "An0ther-g00d-one",
        },
        follow=True,
    )
    # back on the profile page, still signed in, with the message
    assert done.redirect_chain[-1][0] == "/accounts/profile/"
    assert_branded(done.content.decode())
    assert "Your password is changed." in done.content.decode()


@pytest.mark.django_db
def test_lockout_page(client, users, settings):
    user = users[Role.SALES]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert_branded(locked.content.decode())
    assert "Account locked" in locked.content.decode()
    # says for how long (AXES_COOLOFF_TIME, 15 min by default) and links back (issue 23)
    text = " ".join(locked.content.decode().split())
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"this account is locked for {minutes} min." in text
    assert 'href="/accounts/login/" class="mdc-button' in text
    assert "Back to the sign-in page" in text


@pytest.mark.django_db
def test_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_branded(html)
    assert_icons(html)
    assert "Page not found" in html and '<a href="/"' in html and f"Back to {PRODUCT}" in html


@pytest.mark.django_db
def test_403_page(client, users):
    client.force_login(users[Role.TECHNICAL])
    response = client.get("/customers/client/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_branded(html)
    assert_icons(html)
    assert "Access forbidden" in html and f"Back to {PRODUCT}" in html


def test_400_page():
    from django.views.defaults import bad_request

    response = bad_request(RequestFactory().get("/"), Exception("bad"))
    assert response.status_code == 400
    assert_branded(response.content.decode())


def test_500_page_renders_without_a_request_context_or_the_database():
    """Django renders 500.html with no context at all; it reads settings only. (No `db`
    fixture: a query would fail the test.)"""
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert_branded(html)
    assert 'href="/favicon.ico"' in html and 'href="/"' in html and "Server error" in html


@pytest.mark.django_db
def test_favicon_ico_answers_with_the_products_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body == (icons.STATIC / "favicon.ico").read_bytes()
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200


def test_icon_files_have_their_sizes():
    for name, size in [
        ("icon-192.png", 192),
        ("icon-512.png", 512),
        ("apple-touch-icon.png", 180),
    ]:
        with Image.open(icons.STATIC / name) as image:
            assert image.size == (size, size) and image.format == "PNG", name
    with Image.open(icons.STATIC / "apple-touch-icon.png") as image:
        assert image.mode == "RGB"  # opaque: iOS shows transparency as black
    with Image.open(icons.STATIC / "favicon.ico") as image:
        assert image.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    # the committed SVG is the one the script writes
    assert (icons.STATIC / "icon.svg").read_text() == icons.svg()


@pytest.mark.django_db
def test_home_page_links_the_icons(client, users):
    client.force_login(users[Role.SALES])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_icons(html)
    assert re.search(rf"<title>[^<]*{PRODUCT}</title>", html)  # ERP_SITE_TITLE, read when shown
    assert "--mdc-theme-primary: #0d47a1" in html


@pytest.mark.django_db
def test_admin_names_the_product_and_links_the_icons(client, users):
    from django.contrib import admin

    client.force_login(users[Role.SUPER_ADMIN])
    html = client.get("/admin/").content.decode()
    assert "Django administration" not in html and "Django site admin" not in html
    assert admin.site.site_header == admin.site.site_title == PRODUCT  # read when shown
    assert f"| {PRODUCT}</title>" in html and f">{PRODUCT}</a>" in html
    assert_icons(html)
