"""Clients: phone normalised to E.164, MAC validated and normalised, bad input refused."""

from __future__ import annotations

import pytest

from erp.clients.models import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given,stored",
    [
        ("0754 111 222", "+255754111222"),
        ("+255 754-111-222", "+255754111222"),
        ("255754111222", "+255754111222"),
    ],
)
def test_phone_is_normalised_to_e164(api, admin_user, make_site, given, stored):
    site = make_site()
    response = api(admin_user).post(
        "/api/v1/clients/", {"site": str(site.pk), "phone": given}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == stored
    assert str(Client.objects.get().phone) == stored


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["a4:5e:60:01:02:0f", "A4-5E-60-01-02-0F", "a45e.6001.020f"])
def test_mac_is_normalised(api, admin_user, make_site, given):
    site = make_site()
    response = api(admin_user).post(
        "/api/v1/clients/",
        {"site": str(site.pk), "phone": "0754111222", "mac_address": given},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["mac_address"] == "A4:5E:60:01:02:0F"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload,field",
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"phone": "0754111222", "mac_address": "zz:zz:zz:zz:zz:zz"}, "mac_address"),
        ({"phone": "0754111222", "mac_address": "12"}, "mac_address"),
        ({"phone": "0754111222", "mac_address": "a4:5e:60:01:02"}, "mac_address"),
        ({"phone": "0754111222", "name": "n" * 1000}, "name"),
    ],
)
def test_bad_client_is_400_and_nothing_saved(api, admin_user, make_site, payload, field):
    site = make_site()
    response = api(admin_user).post(
        "/api/v1/clients/", {"site": str(site.pk), **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Client.objects.count() == 0


@pytest.mark.django_db
def test_same_phone_twice_at_a_site_is_400(api, admin_user, make_site):
    site = make_site()
    client = api(admin_user)
    first = client.post(
        "/api/v1/clients/", {"site": str(site.pk), "phone": "0754111222"}, format="json"
    )
    again = client.post(
        "/api/v1/clients/", {"site": str(site.pk), "phone": "+255754111222"}, format="json"
    )
    assert first.status_code == 201 and again.status_code == 400
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_bad_client_form_shows_errors(client, admin_user, make_site):
    site = make_site()
    client.force_login(admin_user)
    response = client.post(
        "/customers/client/add/", {"site": str(site.pk), "phone": "12", "mac_address": "nope"}
    )
    assert response.status_code in (200, 422)
    body = response.content.decode()
    assert "Enter a valid MAC address" in body
    assert "phone" in body.lower()
    assert Client.objects.count() == 0


@pytest.mark.django_db
def test_client_search_by_phone(api, admin_user, make_client):
    make_client(phone="+255754111222", name="Said")
    make_client(phone="+255754999888", name="Grace")
    found = api(admin_user).get("/api/v1/clients/", {"search": "+255754111222"}).json()
    assert [c["name"] for c in found["results"]] == ["Said"]
