"""Issue 21 as a person meets it: the login page in the browser's language with a switch, then
the profile menu's English / Kiswahili / Français, which stays chosen on the next page."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from tests.browser.helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choose_the_language_on_the_login_page_and_in_the_menu(page_for, shot, make_user):
    agent = make_user(Role.AGENT, "halima", first_name="Halima")
    page = page_for(width=360, height=740)
    page.set_extra_http_headers({"Accept-Language": "fr-FR,fr;q=0.9"})
    page.goto(f"{page.base}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "login-fr-360")
    with page.expect_navigation():
        page.click("#language-switch button[value=sw]")
    assert page.locator("html").get_attribute("lang") == "sw"

    login(page, agent.username)
    page.click("button.vf-page__menu-toggle")
    page.click(".vf-page__menu-toggle-button")
    shot(page, "language-menu-360")
    with page.expect_navigation():
        page.click("#menu-language button[value=fr]")
    assert page.locator("html").get_attribute("lang") == "fr"
    agent.refresh_from_db()
    assert agent.language == "fr"
    page.goto(f"{page.base}/dashboard/")
    assert page.locator("html").get_attribute("lang") == "fr"


def test_the_translators_page_finds_an_entry_under_our_csp(page_for, shot, make_user):
    """The Super Admin's translators' page (rosetta) in the browser: its script runs under our
    Content-Security-Policy (no console error) and a search finds an entry with its Swahili
    (saving one is tests/erp/core/test_language_choice.py's, on a copy of the catalog)."""
    admin = make_user(Role.SUPER_ADMIN, "tafsiri")
    page = page_for(width=1200, height=900)
    login(page, admin.username)
    page.goto(f"{page.base}/translations/files/project/sw/1/?query=Start+date")
    shot(page, "rosetta-search-1200")
    field = page.locator("textarea").first
    assert field.input_value() == "Tarehe ya kuanza"
    assert page.console_errors == []
