"""The PortaBilling pages: who may see and change them, the password never shown back, bad
input refused with nothing changed, and the actions queue their work."""

from __future__ import annotations

import pytest

from erp.accounts.roles import Role
from erp.integrations.portabilling.models import PortaBillingSite

from .conftest import LOGIN, PASSWORD


def _form(porta, **overrides):
    data = {
        "enabled": "on",
        "api_url": porta.url,
        "login": LOGIN,
        "password": PASSWORD,
        "verify_tls": "on",
        "timeout_seconds": "3",
        "parallel": "4",
        "i_customer": "1",
        "i_product": "1",
        "i_account_role": "4",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_only_super_admin_and_finance_see_it_and_only_super_admin_changes_it(
    client, users, make_site, porta
):
    site = make_site()
    url = f"/portabilling/{site.pk}/"
    for role in (Role.SALES, Role.AGENT, Role.TECHNICAL, Role.MARKETING):
        client.force_login(users[role])
        assert client.get("/portabilling/").status_code == 403, role
    client.force_login(users[Role.FINANCE])
    page = client.get(url)
    assert page.status_code == 200 and b'id="porta-settings"' not in page.content
    assert client.post(url, _form(porta)).status_code == 403
    assert not PortaBillingSite.objects.exists()

    client.force_login(users[Role.SUPER_ADMIN])
    assert b"not configured" in client.get("/portabilling/").content
    saved = client.post(url, _form(porta))
    assert saved.status_code == 302
    config = PortaBillingSite.objects.get(site=site)
    assert config.enabled and config.enabled_at and config.get_password() == PASSWORD
    page = client.get(url)
    assert PASSWORD.encode() not in page.content
    assert config.password_encrypted.encode() not in page.content


@pytest.mark.django_db
def test_bad_input_is_refused_with_field_errors_and_nothing_changed(
    client, users, make_site, porta
):
    site = make_site()
    url = f"/portabilling/{site.pk}/"
    client.force_login(users[Role.SUPER_ADMIN])
    bad = client.post(url, _form(porta, api_url="not a url", parallel="99", password=None))
    assert bad.status_code == 422
    assert b"Enter a valid URL" in bad.content
    assert not PortaBillingSite.objects.exists()
    no_password = client.post(url, _form(porta, password=""))
    assert no_password.status_code == 422 and b"password" in no_password.content
    assert not PortaBillingSite.objects.exists()


@pytest.mark.django_db
def test_check_and_sync_queue_tasks_whose_result_the_page_shows(
    client, users, porta, porta_site, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.SUPER_ADMIN])
    base = f"/portabilling/{porta_site.site.pk}/"
    porta.state.html_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(base + "check/").status_code == 302
    page = client.get(base).content.decode()
    assert "text/html instead of JSON" in page and PASSWORD not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(base + "check/")
    config = PortaBillingSite.objects.get(pk=porta_site.config.pk)
    assert config.status == "ok"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(base + "sync/").status_code == 302
    config.refresh_from_db()
    assert config.last_sync_at is not None
    assert client.post(base + "explode/").status_code == 404
