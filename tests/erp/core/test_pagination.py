"""UI lists count at most COUNT_LIMIT rows and say so."""

import pytest

from erp.core.pagination import BoundedPaginator
from erp.sites.models import Site


@pytest.mark.django_db
def test_bounded_paginator_caps_the_count(make_site, monkeypatch):
    for _ in range(5):
        make_site()
    monkeypatch.setattr(BoundedPaginator, "COUNT_LIMIT", 3)
    paginator = BoundedPaginator(Site.objects.order_by("code"), 2)
    assert paginator.count == 4 and paginator.is_capped
    assert paginator.count_display == "3+"
    assert [s.code for s in paginator.page(1)] == ["S-001", "S-002"]

    monkeypatch.setattr(BoundedPaginator, "COUNT_LIMIT", 10)
    exact = BoundedPaginator(Site.objects.all(), 2)
    assert exact.count == 5 and exact.count_display == "5"


@pytest.mark.django_db
def test_list_page_uses_the_bounded_count(client, admin_user, make_client, monkeypatch):
    for _ in range(4):
        make_client()
    monkeypatch.setattr(BoundedPaginator, "COUNT_LIMIT", 2)
    client.force_login(admin_user)
    body = client.get("/customers/client/").content.decode()
    assert "of 2+" in " ".join(body.split())
