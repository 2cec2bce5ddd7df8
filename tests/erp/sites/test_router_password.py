"""Router passwords: encrypted at rest, rotatable, never returned, logged or echoed."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from erp.core import crypto
from erp.sites.models import Router

SECRET = "S3cret-R0uter-Pass!"


@pytest.fixture
def key1():
    return Fernet.generate_key().decode()


@pytest.mark.django_db
def test_stored_ciphertext_differs_and_decrypts(make_router):
    router = make_router(password=SECRET)
    stored = Router.objects.filter(pk=router.pk).values_list("password_encrypted", flat=True).get()
    assert SECRET not in stored
    assert Router.objects.get(pk=router.pk).get_password() == SECRET


@pytest.mark.django_db
def test_rotation_old_key_then_new_key(settings, make_router, key1):
    key2 = Fernet.generate_key().decode()
    settings.FERNET_KEYS = [key1]
    router = make_router(password=SECRET)
    old_ciphertext = router.password_encrypted

    # A new key first: the old ciphertext still decrypts
    settings.FERNET_KEYS = [key2, key1]
    assert Router.objects.get(pk=router.pk).get_password() == SECRET

    call_command("rotate_fernet_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    router.refresh_from_db()
    assert router.password_encrypted != old_ciphertext

    # The old key removed: the rotated ciphertext decrypts with the new key alone
    settings.FERNET_KEYS = [key2]
    assert router.get_password() == SECRET
    # ...and the old ciphertext no longer does (the key really changed)
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt(old_ciphertext)
    assert key1 not in str(excinfo.value) and old_ciphertext not in str(excinfo.value)


def test_history_table_has_no_password_column():
    fields = {f.name for f in Router.history.model._meta.fields}
    assert "password_encrypted" not in fields and "host" in fields


@pytest.mark.django_db
def test_password_absent_from_api_logs_and_errors(api, admin_user, make_site, caplog):
    site = make_site()
    client = api(admin_user)
    caplog.set_level(logging.DEBUG)

    created = client.post(
        "/api/v1/routers/",
        {
            "site": str(site.pk),
            "name": "r1",
            "host": "10.0.0.1",
            "username": "api",
            "password": SECRET,
        },
        format="json",
    )
    assert created.status_code == 201
    router_id = created.json()["id"]
    assert created.json()["has_password"] is True
    assert "password" not in created.json()

    fetched = client.get(f"/api/v1/routers/{router_id}/")
    listed = client.get("/api/v1/routers/")
    bad = client.post(
        "/api/v1/routers/",
        {
            "site": str(site.pk),
            "name": "r2",
            "host": "not a host!",
            "api_port": 70000,
            "username": "api",
            "password": SECRET,
        },
        format="json",
    )
    bad_update = client.patch(
        f"/api/v1/routers/{router_id}/", {"api_port": -1, "password": SECRET}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"host", "api_port"}
    assert bad_update.status_code == 400 and "api_port" in bad_update.json()
    assert Router.objects.count() == 1

    for response in (created, fetched, listed, bad, bad_update):
        assert SECRET not in response.content.decode()
    for record in caplog.records:
        text = record.getMessage() + str(record.args) + str(getattr(record, "exc_text", ""))
        assert SECRET not in text


@pytest.mark.django_db
def test_update_without_password_keeps_it(api, admin_user, make_router):
    router = make_router(password=SECRET)
    response = api(admin_user).patch(
        f"/api/v1/routers/{router.pk}/", {"name": "renamed", "password": ""}, format="json"
    )
    assert response.status_code == 200
    router.refresh_from_db()
    assert router.name == "renamed" and router.get_password() == SECRET


@pytest.mark.django_db
def test_router_form_never_renders_the_password(client, admin_user, make_router):
    router = make_router(password=SECRET)
    client.force_login(admin_user)
    page = client.get(f"/network/router/{router.pk}/change/")
    detail = client.get(f"/network/router/{router.pk}/detail/")
    assert page.status_code == 200 and detail.status_code == 200
    for response in (page, detail):
        body = response.content.decode()
        assert SECRET not in body and router.password_encrypted not in body
