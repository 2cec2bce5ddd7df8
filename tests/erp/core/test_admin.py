"""Super Admin reaches the Django admin, including the beat schedules; others do not."""

import pytest

from erp.accounts.roles import Role


@pytest.mark.django_db
def test_super_admin_edits_beat_schedules_in_admin(client, users):
    client.force_login(users[Role.SUPER_ADMIN])
    page = client.get("/admin/django_celery_beat/periodictask/")
    assert page.status_code == 200
    assert "Router health" in page.content.decode()
    assert client.get("/admin/sites/router/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SUPER_ADMIN])
def test_other_roles_are_kept_out_of_admin(client, users, role):
    client.force_login(users[role])
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
