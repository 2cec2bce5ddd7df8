"""Login, lockout, JWT rotation and blacklist, password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from erp.accounts.roles import Role
from tests.conftest import PASSWORD


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT, "halima")


def _obtain(api, username, password):
    return api().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


@pytest.mark.django_db
def test_ui_login_and_logout(client, agent):
    response = client.post("/accounts/login/", {"username": "halima", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_repeated_failures_lock_out_ui_and_api(client, api, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        bad = client.post("/accounts/login/", {"username": "halima", "password": "wrong"})
        assert bad.status_code == 200  # the form again, with its error
    last = client.post("/accounts/login/", {"username": "halima", "password": "wrong"})
    assert last.status_code == 429
    # Then even the right password is refused, in the UI and the API
    locked = client.post("/accounts/login/", {"username": "halima", "password": PASSWORD})
    assert locked.status_code == 429
    assert client.get("/dashboard/").status_code == 302
    assert _obtain(api, "halima", PASSWORD).status_code in (401, 429)


@pytest.mark.django_db
def test_api_failures_count_toward_lockout(api, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _obtain(api, "halima", "wrong").status_code == 401
    assert _obtain(api, "halima", PASSWORD).status_code in (401, 429)


@pytest.mark.django_db
def test_jwt_refresh_rotates_and_blacklists(api, agent):
    tokens = _obtain(api, "halima", PASSWORD).json()
    me = api()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.get("/api/v1/me/").json()["username"] == "halima"

    rotated = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    # The old refresh token is blacklisted: it cannot be used twice
    replay = api().post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert replay.status_code == 401

    # Logout blacklists the current refresh token
    current = rotated.json()["refresh"]
    assert (
        api().post("/api/v1/auth/logout/", {"refresh": current}, format="json").status_code == 200
    )
    assert (
        api().post("/api/v1/auth/token/refresh/", {"refresh": current}, format="json").status_code
        == 401
    )


@pytest.mark.django_db
def test_expired_access_token_is_401(api, agent):
    token = AccessToken.for_user(agent)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_access_token_is_short_lived(settings):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)


@pytest.mark.django_db
def test_password_change_api(api, agent):
    client = api(agent)
    wrong = client.post(
        "/api/v1/auth/password/",
        {"old_password": "nope", "new_password": "An0ther-g00d-one"},
        format="json",
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    weak = client.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "new_password" in weak.json()
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    ok = client.post(
        "/api/v1/auth/password/",
        {"old_password": PASSWORD, "new_password": "An0ther-g00d-one"},
        format="json",
    )
    assert ok.status_code == 204
    agent.refresh_from_db()
    assert agent.check_password("An0ther-g00d-one")


@pytest.mark.django_db
def test_password_change_page(client, agent):
    client.force_login(agent)
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-g00d-one",
            "new_password2": "An0ther-g00d-one",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("An0ther-g00d-one")


@pytest.mark.django_db
def test_user_language_is_applied(client, make_user):
    user = make_user(Role.FINANCE, "fr-user", language="fr")
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"


NEW_PASSWORD = "An0ther-g00d-one"


def _change_by_api(agent, api, client, admin):
    response = api(agent).post(
        "/api/v1/auth/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 204


def _change_by_page(agent, api, client, admin):
    client.force_login(agent)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def _change_by_reset(agent, api, client, admin):
    import re

    from django.core import mail

    agent.email = "halima@example.com"
    agent.save(update_fields=["email"])
    assert client.post("/accounts/password_reset/", {"email": agent.email}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[-1].body)[1]
    form_url = client.get(link).url  # Django swaps the token for a session and redirects
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content[:500]


def _change_by_admin(agent, api, client, admin):
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{agent.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [_change_by_api, _change_by_page, _change_by_reset, _change_by_admin],
    ids=["api", "page", "reset", "admin"],
)
def test_password_change_revokes_every_refresh_token(api, client, agent, admin_user, change):
    """Given two refresh tokens (two phones) issued before the change, when the password
    changes by any path, then neither rotates any more (401); a new login works."""
    phone = _obtain(api, "halima", PASSWORD).json()["refresh"]
    tablet = _obtain(api, "halima", PASSWORD).json()["refresh"]
    before = api().post("/api/v1/auth/token/refresh/", {"refresh": tablet}, format="json")
    assert before.status_code == 200
    tablet = before.json()["refresh"]  # rotated: the newest one must die too

    change(agent, api, client, admin_user)

    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    for refresh in (phone, tablet):
        after = api().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
        assert after.status_code == 401, after.content
    fresh = _obtain(api, "halima", NEW_PASSWORD).json()["refresh"]
    again = api().post("/api/v1/auth/token/refresh/", {"refresh": fresh}, format="json")
    assert again.status_code == 200


@pytest.mark.django_db
def test_other_saves_of_a_user_keep_the_tokens(api, agent, admin_user):
    from erp.accounts.services import update_user

    refresh = _obtain(api, "halima", PASSWORD).json()["refresh"]
    update_user(actor=admin_user, user=agent, first_name="Halima")
    agent.save()
    response = api().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 200
