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


@pytest.mark.django_db
def test_limits_for_the_app_and_the_session_kept_alive_while_it_is_used(client, field, settings):
    """The app learns the push limits and the PIN rule; each online start and each pull moves
    the session's end ahead (a phone in use does not get signed out after two weeks)."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    settings.SYNC_MAX_BODY_BYTES = 1_000_000
    settings.FIELD_APP_PIN_MIN_DIGITS = 8
    client.force_login(field["agent"])
    key = client.session.session_key
    soon = timezone.now() + timedelta(hours=1)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    body = client.get(KEY).json()
    assert (body["max_push_bytes"], body["max_push_ops"]) == (1_000_000, settings.SYNC_MAX_OPS)
    assert body["pin_min_digits"] == 8
    ahead = Session.objects.get(session_key=key).expire_date
    assert ahead > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get("/api/v1/sync/pull").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > soon + timedelta(days=1)
