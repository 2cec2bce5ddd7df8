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


RETARGET_MESSAGE = "Give the router's password again to change where it connects."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [{"host": "10.9.9.9"}, {"api_port": 8000}, {"username": "other"}, {"use_tls": True}],
    ids=["host", "api_port", "username", "use_tls"],
)
@pytest.mark.parametrize("role", ["Technical", "Super Admin"])
def test_retargeting_a_router_needs_the_password_again(api, users, make_router, change, role):
    """Given a router with a stored password, when someone (Super Admin included) changes
    where it connects without the password, then 400 and nothing changed; with the password
    the change goes through and the new password is stored."""
    router = make_router(password=SECRET)
    before = Router.objects.values().get(pk=router.pk)
    client = api(users[role])
    refused = client.patch(f"/api/v1/routers/{router.pk}/", change, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"password": [RETARGET_MESSAGE]}
    empty = client.patch(f"/api/v1/routers/{router.pk}/", {**change, "password": ""}, format="json")
    assert empty.status_code == 400 and empty.json() == {"password": [RETARGET_MESSAGE]}
    assert Router.objects.values().get(pk=router.pk) == before

    given = client.patch(
        f"/api/v1/routers/{router.pk}/", {**change, "password": "N3w-pass"}, format="json"
    )
    assert given.status_code == 200, given.content
    router.refresh_from_db()
    field, value = next(iter(change.items()))
    assert getattr(router, field) == value and router.get_password() == "N3w-pass"


@pytest.mark.django_db
def test_unchanged_target_in_a_full_put_keeps_the_password(api, admin_user, make_router):
    router = make_router(password=SECRET)
    data = api(admin_user).get(f"/api/v1/routers/{router.pk}/").json()
    data = {k: v for k, v in data.items() if k not in {"password", "has_password"}}
    response = api(admin_user).put(
        f"/api/v1/routers/{router.pk}/", {**data, "name": "same-place"}, format="json"
    )
    assert response.status_code == 200, response.content
    router.refresh_from_db()
    assert router.name == "same-place" and router.get_password() == SECRET


@pytest.mark.django_db
def test_router_form_retarget_needs_the_password(client, users, make_router):
    router = make_router(password=SECRET)
    client.force_login(users["Technical"])
    form = {
        "site": router.site_id,
        "name": router.name,
        "host": "10.8.8.8",
        "api_port": router.api_port,
        "username": router.username,
        "hotspot_server": router.hotspot_server,
        "password": "",
    }
    page = client.post(f"/network/router/{router.pk}/change/", form)
    assert page.status_code in (200, 422)
    assert "change where it connects" in page.content.decode().replace("&#x27;", "'")
    router.refresh_from_db()
    assert router.host == "127.0.0.1" and router.get_password() == SECRET
    ok = client.post(f"/network/router/{router.pk}/change/", {**form, "password": "N3w-pass"})
    assert ok.status_code == 302
    router.refresh_from_db()
    assert router.host == "10.8.8.8" and router.get_password() == "N3w-pass"


@pytest.mark.django_db
def test_retargeted_router_errors_do_not_scan_the_network(
    api, users, make_router, eager_celery, django_capture_on_commit_callbacks
):
    """Connection errors read the same for a closed port, a filtered one and a non-router,
    and never name the new address."""
    import socket

    from erp.mikrotik.client import UNREACHABLE

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    open_port = listener.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    router = make_router(password=SECRET)
    client = api(users["Technical"])
    seen = set()
    try:
        for port in (closed_port, open_port):
            assert (
                client.patch(
                    f"/api/v1/routers/{router.pk}/",
                    {"api_port": port, "password": "guess"},
                    format="json",
                ).status_code
                == 200
            )
            # the test runs as a job on a worker (here eagerly, once committed); poll it
            with django_capture_on_commit_callbacks(execute=True):
                started = client.post(f"/api/v1/routers/{router.pk}/test/").json()
            job = client.get(started["status_url"]).json()
            report = job["result"]
            assert job["error"] == report["error"]
            router.refresh_from_db()
            assert report["ok"] is False
            for text in (report["error"], router.last_error):
                assert str(port) not in text and "refused" not in text.lower()
                seen.add(text)
    finally:
        listener.close()
    assert seen == {UNREACHABLE}


@pytest.mark.django_db
def test_admin_shows_where_a_router_connects_read_only(client, admin_user, make_router):
    router = make_router(password=SECRET)
    client.force_login(admin_user)
    page = client.get(f"/admin/sites/router/{router.pk}/change/").content.decode()
    for field in ("host", "api_port", "username", "use_tls"):
        assert f'name="{field}"' not in page
    assert 'name="name"' in page
    assert 'name="host"' in client.get("/admin/sites/router/add/").content.decode()
