"""Issue 23: the Super Admin resets another user's password from People → Users."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from erp.accounts.roles import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "Kariakoo-2026-ok"


def _revoked(token) -> bool:
    return OutstandingToken.objects.filter(
        jti=token["jti"], blacklistedtoken__isnull=False
    ).exists()


@pytest.mark.django_db
def test_super_admin_sets_a_password_twice_typed(client, users, make_user):
    admin = users[Role.SUPER_ADMIN]
    agent = make_user(Role.AGENT, "halima", first_name="Halima", last_name="Said")
    token = RefreshToken.for_user(agent)
    client.force_login(admin)
    detail = client.get(f"/people/user/{agent.pk}/detail/").content.decode()
    assert f'href="/people/user/{agent.pk}/password/"' in detail
    page = client.get(f"/people/user/{agent.pk}/password/")
    assert page.status_code == 200 and "Password of Halima Said" in page.content.decode()

    done = client.post(
        f"/people/user/{agent.pk}/password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done.url == f"/people/user/{agent.pk}/detail/"
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    assert _revoked(token)
    # audited: the user's history names the admin and says what was done
    record = agent.history.order_by("-history_date").first()
    assert record.history_user == admin
    assert "password set by" in record.history_change_reason
    history = client.get(f"/people/user/{agent.pk}/detail/").content.decode()
    assert "password set by" in history


@pytest.mark.django_db
def test_bad_password_is_a_clear_error_and_changes_nothing(client, users, make_user):
    agent = make_user(Role.AGENT, "halima")
    token = RefreshToken.for_user(agent)
    before = agent.history.count()
    client.force_login(users[Role.SUPER_ADMIN])
    weak = client.post(
        f"/people/user/{agent.pk}/password/", {"new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200
    errors = weak.context["form"].errors["new_password1"]
    assert any("too short" in error or "too common" in error for error in errors)
    differ = client.post(
        f"/people/user/{agent.pk}/password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    assert differ.context["form"].errors["new_password2"] == ["The two new passwords differ."]
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert not _revoked(token)
    assert agent.history.count() == before


@pytest.mark.django_db
def test_refused_for_anyone_but_the_super_admin(client, users, make_user):
    agent = make_user(Role.AGENT, "halima")
    for role in (Role.FINANCE, Role.SALES, Role.AGENT):
        client.force_login(users[role])
        assert client.get(f"/people/user/{agent.pk}/password/").status_code == 403
        refused = client.post(
            f"/people/user/{agent.pk}/password/",
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert refused.status_code == 403
        assert (
            client.post(f"/people/user/{agent.pk}/password/", {"send_email": "1"}).status_code
            == 403
        )
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert mail.outbox == []
    client.logout()
    anonymous = client.get(f"/people/user/{agent.pk}/password/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


@pytest.mark.django_db
def test_super_admin_sends_the_reset_email(client, users, make_user):
    admin = users[Role.SUPER_ADMIN]
    agent = make_user(Role.AGENT, "halima", email="halima@example.com")
    other = make_user(Role.AGENT, "halima2", email="halima@example.com")
    token = RefreshToken.for_user(agent)
    client.force_login(admin)
    sent = client.post(f"/people/user/{agent.pk}/password/", {"send_email": "1"})
    assert sent.status_code == 302
    assert [m.to for m in mail.outbox] == [["halima@example.com"]]  # one user, not the address's
    assert "/accounts/reset/" in mail.outbox[0].body or "reset" in mail.outbox[0].body
    assert _revoked(token)
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)  # unchanged until the user follows the link
    record = agent.history.order_by("-history_date").first()
    assert record.history_user == admin and "e-mail" in record.history_change_reason
    assert other.history.filter(history_user=admin).count() == 0

    nomail = make_user(Role.AGENT, "juma")
    page = client.post(f"/people/user/{nomail.pk}/password/", {"send_email": "1"})
    assert page.status_code == 200 and "has no e-mail address" in page.content.decode()
    assert len(mail.outbox) == 1
