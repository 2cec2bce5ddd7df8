"""Issue 23 on a 360 px phone: an agent opens My profile, changes the password on the app's own
page (stays signed in, told what happened), and signs in again elsewhere with the new one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from erp.accounts.roles import Role
from tests.browser.helpers import login
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "An0ther-g00d-one"


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways: {width}px"


def test_change_password_on_a_phone_and_sign_in_again(page_for, shot, make_user):
    agent = make_user(Role.AGENT, "halima", first_name="Halima")
    page = page_for(width=360, height=740)
    login(page, agent.username)
    # reached from the user menu in the phone's drawer
    page.click("button.vf-page__menu-toggle")
    page.click(".vf-page__menu-toggle-button")
    page.click(".vf-page__menu-secondary a[href='/accounts/profile/']")
    page.wait_for_url("**/accounts/profile/")
    expect(page.locator("#profile-roles")).to_have_text("Agent")
    _no_horizontal_scroll(page)
    shot(page, "profile-360")
    page.click("#profile-password-link")
    page.wait_for_url("**/accounts/password_change/")
    _no_horizontal_scroll(page)

    # a wrong current password: the error at the field, nothing changed
    page.fill("input[name=old_password]", "not-my-password")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    expect(page.get_by_text("The current password is wrong.")).to_be_visible()
    shot(page, "password-change-error-360")
    agent.refresh_from_db()
    assert not agent.check_password(NEW_PASSWORD)

    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("#password-form button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    expect(page.get_by_text("Your password is changed.", exact=False)).to_be_visible()
    shot(page, "password-changed-360")
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    # this session stays signed in
    page.goto(f"{page.base}/dashboard/")
    assert "/accounts/login/" not in page.url

    # another device signs in with the new password
    other = page_for(width=360, height=740)
    other.goto(f"{other.base}/accounts/login/")
    other.fill("input[name=username]", "halima")
    other.fill("input[name=password]", NEW_PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(f"{other.base}/dashboard/")
    assert not page.console_errors and not other.console_errors


def test_super_admin_users_page(page_for, shot, users, make_site):
    site = make_site(name="Kariakoo Market")
    users[Role.TECHNICAL].site_scope.set([site])
    page = page_for(width=1280, height=900)
    login(page, users[Role.SUPER_ADMIN].username)
    page.goto(f"{page.base}/people/user/")
    expect(page.get_by_text("Kariakoo Market")).to_be_visible()
    shot(page, "users-list-1280")
    page.goto(f"{page.base}/people/user/{users[Role.FINANCE].pk}/detail/")
    page.click("#user-active-form button[type=submit]")
    expect(page.get_by_text("can no longer sign in", exact=False)).to_be_visible()
    shot(page, "user-deactivated-1280")
    users[Role.FINANCE].refresh_from_db()
    assert not users[Role.FINANCE].is_active
    assert not page.console_errors
