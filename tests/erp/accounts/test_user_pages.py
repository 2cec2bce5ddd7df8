"""Issue 23: My profile, Change password and the Super Admin's Users page (services and pages)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from erp.accounts import services
from erp.accounts.models import User
from erp.accounts.roles import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "An0ther-g00d-one"


# --- services ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_profile_changes_only_own_fields(make_user):
    user = make_user(Role.AGENT, "halima")
    services.update_profile(user=user, first_name="Halima", email="h@example.com", language="sw")
    user.refresh_from_db()
    assert (user.first_name, user.email, user.language) == ("Halima", "h@example.com", "sw")
    with pytest.raises(ValidationError):
        services.update_profile(user=user, is_active=False)
    with pytest.raises(ValidationError):
        services.update_profile(user=user, email="not-an-address")
    user.refresh_from_db()
    assert user.is_active and user.email == "h@example.com"


@pytest.mark.django_db
def test_change_own_password_wrong_current_changes_nothing(make_user):
    user = make_user(Role.AGENT, "halima")
    token = RefreshToken.for_user(user)
    with pytest.raises(ValidationError) as wrong:
        services.change_own_password(user=user, old_password="nope", new_password=NEW_PASSWORD)
    assert "old_password" in wrong.value.message_dict
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not OutstandingToken.objects.filter(jti=token["jti"], blacklistedtoken__isnull=False)
    services.change_own_password(user=user, old_password=PASSWORD, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert OutstandingToken.objects.filter(jti=token["jti"], blacklistedtoken__isnull=False)


@pytest.mark.django_db
def test_set_active_deactivates_and_revokes(users, make_user):
    admin = users[Role.SUPER_ADMIN]
    agent = make_user(Role.AGENT, "halima")
    token = RefreshToken.for_user(agent)
    services.set_active(actor=admin, user=agent, is_active=False)
    agent.refresh_from_db()
    assert not agent.is_active
    assert OutstandingToken.objects.filter(jti=token["jti"], blacklistedtoken__isnull=False)
    with pytest.raises(ValidationError):
        services.set_active(actor=admin, user=admin, is_active=False)


# --- pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_page_shows_role_and_sites_and_saves(client, make_user, make_site):
    site = make_site(name="Kariakoo Market")
    user = make_user(Role.TECHNICAL, "baraka", first_name="Baraka")
    user.site_scope.set([site])
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Technical" in html and "Kariakoo Market" in html
    assert 'href="/accounts/profile/"' in client.get("/dashboard/").content.decode()

    bad = client.post("/accounts/profile/", {"first_name": "B", "email": "nope"})
    assert bad.status_code == 200 and "email" in bad.context["form"].errors
    user.refresh_from_db()
    assert user.first_name == "Baraka"

    ok = client.post(
        "/accounts/profile/",
        {"first_name": "Baraka", "last_name": "Mushi", "email": "b@example.com", "language": "en"},
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert (user.last_name, user.email) == ("Mushi", "b@example.com")


@pytest.mark.django_db
def test_profile_page_cannot_edit_someone_else(client, make_user):
    me = make_user(Role.SALES, "me")
    other = make_user(Role.AGENT, "other", first_name="Other")
    client.force_login(me)
    # there is no user id to give: extra fields (username, is_active, id) are ignored
    client.post(
        "/accounts/profile/",
        {"first_name": "Hacked", "username": "other", "id": str(other.pk), "is_active": ""},
    )
    other.refresh_from_db()
    me.refresh_from_db()
    assert other.first_name == "Other"
    assert me.username == "me" and me.is_active and me.first_name == "Hacked"
    # and the Users page, which edits others, is not open to a Sales user
    assert client.get(f"/people/user/{other.pk}/change/").status_code == 403


@pytest.mark.django_db
def test_password_page_wrong_current_changes_nothing_and_right_keeps_session(client, make_user):
    user = make_user(Role.AGENT, "halima")
    token = RefreshToken.for_user(user)
    client.force_login(user)
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
    weak = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert "new_password1" in weak.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    ok = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert ok.status_code == 302 and ok.url == "/accounts/profile/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/accounts/profile/").status_code == 200  # still signed in
    assert OutstandingToken.objects.filter(jti=token["jti"], blacklistedtoken__isnull=False)


@pytest.mark.django_db
def test_users_page_only_for_super_admin(client, users):
    client.force_login(users[Role.AGENT])
    assert client.get("/people/user/").status_code == 403
    client.force_login(users[Role.SUPER_ADMIN])
    page = client.get("/people/user/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "agent" in html and "Finance" in html
    assert 'href="/people/user/add/"' in html  # the link to create a user
    filtered = client.get("/people/user/", {"role": Role.FINANCE})
    assert "finance" in filtered.content.decode()
    assert ">agent<" not in filtered.content.decode()


@pytest.mark.django_db
def test_users_page_create_and_deactivate(client, users, make_site):
    admin = users[Role.SUPER_ADMIN]
    site = make_site(name="Mwenge")
    client.force_login(admin)
    assert client.get("/people/user/add/").status_code == 200
    created = client.post(
        "/people/user/add/",
        {
            "username": "neema",
            "first_name": "Neema",
            "role": Role.FINANCE,
            "site_scope": [str(site.pk)],
            "password": NEW_PASSWORD,
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    neema = User.objects.get(username="neema")
    assert neema.role == Role.FINANCE and list(neema.site_scope.all()) == [site]
    detail = client.get(f"/people/user/{neema.pk}/detail/")
    assert detail.status_code == 200 and "Mwenge" in detail.content.decode()
    assert "Superuser status" not in detail.content.decode()

    client.post(f"/people/user/{neema.pk}/active/", {"is_active": "0"})
    neema.refresh_from_db()
    assert not neema.is_active
    # the service's rule holds on the page too: no deactivating oneself
    client.post(f"/people/user/{admin.pk}/active/", {"is_active": "0"})
    admin.refresh_from_db()
    assert admin.is_active
    client.force_login(users[Role.AGENT])
    client.post(f"/people/user/{neema.pk}/active/", {"is_active": "1"})
    neema.refresh_from_db()
    assert not neema.is_active
