"""Finding 8: a megabyte of notes or address is a 400 naming the field, nothing saved; a
value at the limit is kept; a card template keeps its own, larger limit."""

from __future__ import annotations

import pytest

from erp.clients.models import Client
from erp.core.parsers import _check_text_lengths
from erp.sites.models import Site

MEGABYTE = "n" * 1_000_000


@pytest.mark.django_db
def test_api_json_notes_of_a_megabyte_refused(api, admin_user, make_site):
    site = make_site()
    response = api(admin_user).post(
        "/api/v1/clients/",
        {"site": str(site.pk), "phone": "0754111222", "notes": MEGABYTE},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"notes": ["The field “notes” is longer than 10000 characters."]}
    assert not Client.objects.exists()
    at_limit = api(admin_user).post(
        "/api/v1/clients/",
        {"site": str(site.pk), "phone": "0754111222", "notes": "n" * 10_000},
        format="json",
    )
    assert at_limit.status_code == 201, at_limit.json()
    assert len(Client.objects.get().notes) == 10_000


@pytest.mark.django_db
def test_api_multipart_refused(api, admin_user, make_site):
    site = make_site()
    response = api(admin_user).post(
        "/api/v1/clients/",
        {"site": str(site.pk), "phone": "0754111222", "notes": MEGABYTE},
        format="multipart",
    )
    assert response.status_code == 400
    assert "notes" in response.json()
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_page_form_address_of_a_megabyte_refused(client, admin_user):
    client.force_login(admin_user)
    before = Site.objects.count()
    response = client.post("/sites/site/add/", {"name": "Big", "code": "BIG", "address": MEGABYTE})
    assert response.status_code == 400
    assert "“address” is longer than 10000 characters" in response.content.decode()
    assert Site.objects.count() == before


def test_nested_values_and_the_card_template_limit(settings):
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        _check_text_lengths({"items": [{"note": "x" * 10_001}]})
    assert "note" in refused.value.detail
    _check_text_lengths({"body": "<div>" + "x" * 100_000 + "</div>"})  # a card template
    with pytest.raises(ValidationError):
        _check_text_lengths({"body": "x" * (settings.LONG_TEXT_FIELDS["body"] + 1)})
