"""GET /api/v1/sync/key: the secret wrapping the field app's local key, and the offline window."""

from __future__ import annotations

import base64

import pytest

from erp.accounts.roles import Role

KEY = "/api/v1/sync/key"


@pytest.mark.django_db
def test_agent_gets_a_stable_per_user_secret_and_the_offline_days(api, field, settings):
    settings.FIELD_APP_OFFLINE_DAYS = 3
    first = api(field["agent"]).get(KEY)
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    body = first.json()
    assert len(base64.b64decode(body["secret"])) == 32 and body["offline_days"] == 3
    assert body["technician"] is False
    assert body["sites"] == [{"id": str(field["site"].pk), "name": field["site"].name}]
    assert api(field["agent"]).get(KEY).json()["secret"] == body["secret"]  # unwraps next time
    assert api(field["other"]).get(KEY).json()["secret"] != body["secret"]  # another agent


@pytest.mark.django_db
def test_secret_changes_with_the_password(api, field):
    agent = field["agent"]
    before = api(agent).get(KEY).json()["secret"]
    agent.set_password("a new one 123!")
    agent.save()
    assert api(agent).get(KEY).json()["secret"] != before


@pytest.mark.django_db
def test_only_signed_in_field_users_get_it(api, make_user):
    assert api().get(KEY).status_code == 401
    assert api(make_user(Role.FINANCE)).get(KEY).status_code == 403
