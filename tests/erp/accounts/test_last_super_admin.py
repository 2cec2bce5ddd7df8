"""The last active Super Admin can be neither demoted nor deactivated, by anyone (400, and
nothing changes); with a second one, both are allowed again."""

from __future__ import annotations

import pytest

from erp.accounts.models import User
from erp.accounts.roles import Role

MESSAGE = "This is the last active Super Admin"


@pytest.fixture
def boss(make_user):
    return make_user(Role.SUPER_ADMIN, "boss")


def _state(user):
    user = User.objects.get(pk=user.pk)
    return user.is_active, sorted(user.role_names), user.is_staff


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field",
    [({"role": Role.FINANCE}, "role"), ({"is_active": False}, "is_active")],
    ids=["demote", "deactivate"],
)
def test_last_super_admin_cannot_demote_or_deactivate_themselves(api, boss, change, field):
    before = _state(boss)
    response = api(boss).patch(f"/api/v1/users/{boss.pk}/", change, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _state(boss) == before


@pytest.mark.django_db
def test_last_super_admin_cannot_be_demoted_or_deactivated_by_another(api, boss, make_user):
    from django.contrib.auth.models import Permission

    manager = make_user(Role.FINANCE, "manager")  # an individual grant to manage users
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__contains="user")
    )
    manager = User.objects.get(pk=manager.pk)
    before = _state(boss)
    for change in ({"role": Role.SALES}, {"is_active": False}):
        response = api(manager).patch(f"/api/v1/users/{boss.pk}/", change, format="json")
        assert response.status_code == 400, response.content
        assert MESSAGE in str(response.json())
    assert _state(boss) == before


@pytest.mark.django_db
def test_service_refuses_for_any_actor(boss, make_user):
    from django.core.exceptions import ValidationError

    from erp.accounts.services import update_user

    other = make_user(Role.TECHNICAL)
    for actor in (boss, other):
        with pytest.raises(ValidationError, match=MESSAGE):
            update_user(actor=actor, user=boss, role=Role.MARKETING)
    with pytest.raises(ValidationError, match=MESSAGE):
        update_user(actor=other, user=boss, is_active=False)
    assert _state(boss) == (True, [Role.SUPER_ADMIN], True)


@pytest.mark.django_db
def test_with_a_second_super_admin_demotion_is_allowed(api, boss, make_user):
    second = make_user(Role.SUPER_ADMIN, "second")
    response = api(boss).patch(f"/api/v1/users/{boss.pk}/", {"role": Role.FINANCE}, format="json")
    assert response.status_code == 200, response.content
    assert _state(boss) == (True, [Role.FINANCE], False)
    # now `second` is the last one
    refused = api(second).patch(
        f"/api/v1/users/{second.pk}/", {"role": Role.FINANCE}, format="json"
    )
    assert refused.status_code == 400 and MESSAGE in str(refused.json())
    inactive_admin = make_user(Role.SUPER_ADMIN, "gone", is_active=False)
    assert inactive_admin.is_active is False
    refused = api(second).patch(
        f"/api/v1/users/{second.pk}/", {"role": Role.FINANCE}, format="json"
    )
    assert refused.status_code == 400  # an inactive Super Admin does not count


@pytest.mark.django_db
def test_admin_form_refuses_too(client, boss):
    from django.contrib.auth.models import Group

    client.force_login(boss)
    page = client.get(f"/admin/accounts/user/{boss.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(
        {
            "username": boss.username,
            "groups": [Group.objects.get(name=Role.FINANCE).pk],
            "site_scope": [],
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": boss.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": boss.date_joined.strftime("%H:%M:%S"),
        }
    )
    data = {k: v for k, v in data.items() if k not in {"date_joined", "last_login"}}
    response = client.post(f"/admin/accounts/user/{boss.pk}/change/", data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert _state(boss) == (True, [Role.SUPER_ADMIN], True)
    del data["is_active"]
    data["groups"] = [Group.objects.get(name=Role.SUPER_ADMIN).pk]
    response = client.post(f"/admin/accounts/user/{boss.pk}/change/", data)
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert _state(boss)[0] is True
