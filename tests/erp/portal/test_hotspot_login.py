"""The login.html a MikroTik hotspot serves: downloaded per site, and, once the router has
filled in its variables, it hands the device over to that site's portal with every hotspot
variable the portal needs (the router's side is played here by substituting them)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest

from erp.portal.models import PortalSettings

# What RouterOS puts in for a device (CHAP on: octal-escaped id and challenge)
ROUTER_VARIABLES = {
    "link-login-only": "http://10.5.50.1/login",
    "link-orig": "http://example.com/",
    "mac": "02:AA:BB:CC:DD:07",
    "ip": "10.5.50.77",
    "chap-id": "\\247",
    "chap-challenge": (
        "\\315\\042\\001\\377\\100\\033\\334\\210\\010\\123\\033\\175\\316\\064\\266\\146"
    ),
    "error": "",
}


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.method, self.fields = "", "", {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action, self.method = attrs["action"], attrs["method"]
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")


def _as_the_router_serves_it(template: str) -> str:
    """RouterOS's substitution: $(if chap-id)…$(endif) kept (CHAP is on), $(var) filled."""
    text = template.replace("$(if chap-id)", "").replace("$(if error)", "<!--")
    text = text.replace("$(endif)", "-->", 1).replace("$(endif)", "", 1)  # error's, then CHAP's
    for name, value in ROUTER_VARIABLES.items():
        text = text.replace(f"$({name})", value)
    return text


@pytest.mark.django_db
def test_the_login_html_hands_the_device_to_the_sites_portal(client, make_site, settings):
    settings.PUBLIC_BASE_URL = "https://erp.viornet.example"
    site = make_site(code="KKO")
    response = client.get(f"/portal/{site.code.lower()}/hotspot/login.html")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="login.html"'
    template = response.content.decode()
    assert "$(link-login-only)" in template and "$(chap-challenge)" in template
    form = _Form()
    form.feed(_as_the_router_serves_it(template))
    assert form.method == "get"
    assert form.action == f"https://erp.viornet.example/portal/{site.code}/"
    assert form.fields == {k: v for k, v in ROUTER_VARIABLES.items() if k != "error"}
    # the browser follows the form: the portal page carries the device's variables on
    page = client.get(urlsplit(form.action).path + "?" + urlencode(form.fields))
    assert page.status_code == 200
    html = page.content.decode()
    assert ROUTER_VARIABLES["mac"] in html and "10.5.50.1/login" in html


@pytest.mark.django_db
def test_no_login_html_for_a_site_whose_portal_is_off(client, make_site):
    site = make_site(code="OFF")
    PortalSettings.objects.create(site=site, is_enabled=False)
    assert client.get(f"/portal/{site.code}/hotspot/login.html").status_code == 404
    assert client.get("/portal/NOPE/hotspot/login.html").status_code == 404
