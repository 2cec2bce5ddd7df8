"""Issue 21: how a language is chosen. A signed-in user's language (User.language, set from
the profile menu) on every page and API call; a site's language for its new clients' SMS; the
login page and the captive portal follow the browser and offer a switch; the translations
(django-rosetta) only for the Super Admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client as BrowserClient

from erp.accounts.roles import Role
from erp.clients.models import Client
from erp.sites import services as site_services

pytestmark = pytest.mark.django_db


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def _csrf(browser: BrowserClient, url: str) -> str:
    """The CSRF token of the form on ``url`` (as a browser posts it back)."""
    html = browser.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


# --- 1. the user's language, from the profile menu --------------------------------------------


def test_the_profile_menu_offers_the_three_languages(client, make_user):
    client.force_login(make_user(Role.FINANCE, "neema"))
    html = client.get("/dashboard/").content.decode()
    menu = re.search(r'<form[^>]*id="menu-language".*?</form>', html, re.S).group(0)
    assert 'action="/accounts/language/"' in menu and 'method="post"' in menu
    assert re.findall(r'name="language" value="(\w+)"', menu) == ["en", "sw", "fr"]
    assert "Kiswahili" in menu and "Français" in menu and "English" in menu
    assert 'name="next" value="/dashboard/"' in menu
    assert "csrfmiddlewaretoken" in menu


def test_choosing_a_language_saves_it_and_goes_back(make_user):
    user = make_user(Role.FINANCE, "neema")
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(user)
    token = _csrf(browser, "/dashboard/")
    response = browser.post(
        "/accounts/language/",
        {"language": "fr", "next": "/dashboard/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user.refresh_from_db()
    assert user.language == "fr"
    page = browser.get("/dashboard/")
    assert _html_lang(page) == "fr" and page["Content-Language"] == "fr"
    # the user's choice wins over the browser's
    page = browser.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="sw")
    assert _html_lang(page) == "fr"


def test_choosing_a_language_needs_csrf_post_and_a_known_language(make_user):
    user = make_user(Role.FINANCE, "neema", language="sw")
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/accounts/language/", {"language": "fr"}).status_code == 403
    assert browser.get("/accounts/language/?language=fr").status_code == 405
    token = _csrf(browser, "/dashboard/")
    bad = browser.post("/accounts/language/", {"language": "de", "csrfmiddlewaretoken": token})
    assert bad.status_code == 400
    # a "next" elsewhere is not followed: back to the profile
    away = browser.post(
        "/accounts/language/",
        {"language": "en", "next": "https://evil.example/", "csrfmiddlewaretoken": token},
    )
    assert away["Location"] == "/accounts/profile/"
    user.refresh_from_db()
    assert user.language == "en"


def test_signed_out_the_language_view_asks_to_sign_in(client):
    response = client.post("/accounts/language/", {"language": "fr"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_api_speaks_the_token_users_language(api, make_user):
    user = make_user(Role.FINANCE, "neema", language="fr")
    response = api(user).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    # nothing chosen: the browser's language
    user.language = ""
    user.save()
    response = api(user).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="sw")
    assert response["Content-Language"] == "sw"


# --- 2. a site's language for its new clients --------------------------------------------------


def test_a_new_site_speaks_swahili_and_a_new_client_speaks_the_sites_language(
    make_site, make_client, admin_user
):
    assert make_site().language == "sw"
    dakar = make_site(name="Dakar", language="fr")
    assert make_client(site=dakar).language == "fr"
    assert make_client(site=dakar, language="en").language == "en"  # chosen: kept
    # a site changing its language leaves its clients' as they are
    asha = make_client(site=dakar)
    site_services.update_site(actor=admin_user, site=dakar, language="en")
    asha.refresh_from_db()
    assert asha.language == "fr"
    assert make_client(site=dakar).language == "en"


def test_the_client_form_leaves_the_language_to_the_site(client, admin_user, make_site):
    dakar = make_site(name="Dakar", language="fr")
    client.force_login(admin_user)
    form = client.get("/customers/client/add/").content.decode()
    assert "The site&#x27;s language" in form or "The site's language" in form
    response = client.post(
        "/customers/client/add/",
        {"name": "Awa", "phone": "+221771234567", "site": dakar.pk, "language": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Client.objects.get(phone="+221771234567").language == "fr"


# --- 3. the login page and the portal follow the browser, and offer a switch -----------------


def test_the_login_page_follows_accept_language_and_offers_a_switch(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and _html_lang(page) == "fr"
    html = page.content.decode()
    switch = re.search(r'<form[^>]*id="language-switch".*?</form>', html, re.S).group(0)
    assert 'action="/i18n/setlang/"' in switch
    assert re.findall(r'name="language" value="(\w+)"', switch) == ["en", "sw", "fr"]
    # the switch (Django's set_language) keeps the choice over the browser's
    response = client.post(
        "/i18n/setlang/", {"language": "sw", "next": "/accounts/login/"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_lang(page) == "sw"


def test_the_password_reset_page_offers_the_switch_too(client):
    page = client.get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE="sw")
    assert _html_lang(page) == "sw" and 'id="language-switch"' in page.content.decode()


def test_the_portal_follows_accept_language(client, online_stock):
    site = online_stock(count=1, agent_count=0)["site"]
    page = client.get(f"/portal/{site.code}/account/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and _html_lang(page) == "fr"
    assert "Mon compte" in page.content.decode()
    # its switch wins over the browser's
    page = client.get(f"/portal/{site.code}/account/?lang=sw", HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_lang(page) == "sw"


# --- 5. the translations: the Super Admin alone ------------------------------------------------


def test_only_the_super_admin_opens_the_translations(client, users):
    client.force_login(users[Role.SUPER_ADMIN])
    assert client.get("/translations/files/project/").status_code == 200
    menu = client.get("/dashboard/").content.decode()
    assert 'id="menu-translations"' in menu and 'href="/translations/files/project/"' in menu

    client.force_login(users[Role.FINANCE])
    response = client.get("/translations/files/project/")
    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    assert 'id="menu-translations"' not in client.get("/dashboard/").content.decode()


def test_the_super_admin_translates_in_the_browser_and_the_po_file_is_saved(
    client, users, settings, tmp_path
):
    """The translator's way through django-rosetta: the entry is shown, its translation posted,
    and locale/<lang>/LC_MESSAGES/django.po holds it (README "Translations")."""
    import hashlib

    import polib
    from rosetta.poutil import find_pos
    from rosetta.views import get_app_name

    folder = tmp_path / "locale" / "sw" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "sw"}
    po.append(polib.POEntry(msgid="Sell another", msgstr=""))
    po.save(str(folder / "django.po"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    # the file's place in rosetta's list of the project's Swahili files (as its view sorts it)
    files = sorted(find_pos("sw", project_apps=True), key=get_app_name)
    idx = files.index(str(folder / "django.po"))
    url = f"/translations/files/project/sw/{idx}/"

    client.force_login(users[Role.FINANCE])
    # rosetta names each entry's field by the MD5 of its text (not a security use)
    field = "m_" + hashlib.md5(b"Sell another", usedforsecurity=False).hexdigest()
    refused = client.post(url, {field: "Uza tena"})
    assert refused.status_code in {302, 403}
    assert polib.pofile(str(folder / "django.po")).find("Sell another").msgstr == ""

    client.force_login(users[Role.SUPER_ADMIN])
    page = client.get(url)
    assert page.status_code == 200 and "Sell another" in page.content.decode()
    assert f'name="{field}"' in page.content.decode()
    saved = client.post(url, {field: "Uza tena"})
    assert saved.status_code == 302
    assert polib.pofile(str(folder / "django.po")).find("Sell another").msgstr == "Uza tena"
