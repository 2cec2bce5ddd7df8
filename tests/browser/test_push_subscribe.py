"""The push offer in a real Chromium at 360 px, in the field app (/app/, an agent's phone) and
in a technician's profile: the page's own script registers the field app's service worker,
subscribes with the server's VAPID key and sends the subscription to the server; a hand-over
then reaches that device through the push service simulator (VAPID checked, payload
decrypted with the device's keys).

Headless Chromium has no push service to register with (Chrome's is Google's), so only
``PushManager.subscribe`` is stood in for: it answers with a subscription of the simulator's
device and records the options the page passed. Everything else is the real page, worker,
server and protocol."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import call_command

from erp.accounts.roles import Role
from erp.notifications import services
from erp.notifications.models import Channels, PushSubscription
from erp.notifications.simulator.push import PushServiceSimulator
from tests.browser.helpers import login
from tests.browser.test_field_app import open_app
from tests.erp.sync.conftest import field  # noqa: F401 - the agent with stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# PushManager.subscribe answers with the simulator's device; the key the page passed is kept
STAND_IN = """
(() => {
  const device = %s;
  window.__subscribeCalls = [];
  PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__subscribeCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: btoa(String.fromCharCode.apply(null, key)),
    });
    return Promise.resolve({ endpoint: device.endpoint, toJSON: () => device });
  };
})();
"""


@pytest.fixture
def vapid(settings):
    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    keys = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys["WEBPUSH_VAPID_PUBLIC_KEY"]
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys["WEBPUSH_VAPID_PRIVATE_KEY"]
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@viornet.example"
    return keys


@pytest.fixture
def push_service():
    sim = PushServiceSimulator(port=0).start()
    yield sim
    sim.stop()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_technician_turns_on_push_in_chromium_and_a_hand_over_arrives(
    page_for, shot, users, vapid, push_service, eager_celery
):
    technician = users[Role.TECHNICAL]
    device = push_service.new_subscription()
    page = page_for(360, 780)
    page.add_init_script(STAND_IN % json.dumps(device))
    login(page, technician.username)
    page.goto(f"{page.base}/accounts/profile/#channels")
    button = page.locator("#push-enable")
    button.wait_for(state="visible")  # shown only where service workers and push exist
    button.click()
    status = page.locator("#push-status")
    status.filter(has_text="Push notifications are on for this device.").wait_for()
    shot(page, "push-subscribe-technician-360")

    # the page subscribed with the server's public key, for visible notifications only
    [call] = page.evaluate("window.__subscribeCalls")
    assert call["userVisibleOnly"] is True
    assert base64.b64decode(call["key"]) == _unb64url(vapid["WEBPUSH_VAPID_PUBLIC_KEY"])
    # through the field app's service worker, registered by the page for /app/
    scopes = page.evaluate(
        "navigator.serviceWorker.getRegistrations().then(rs => rs.map(r => r.scope))"
    )
    assert f"{page.base}/app/" in scopes
    [sub] = PushSubscription.objects.filter(user=technician)
    assert (sub.endpoint, sub.p256dh, sub.auth) == (
        device["endpoint"],
        device["keys"]["p256dh"],
        device["keys"]["auth"],
    )
    assert "Chrome" in sub.device  # the browser's own User-Agent
    assert Channels.objects.get(user=technician).by_push
    assert page.console_errors == []

    services.notify(
        users=[technician],
        text="Fault to repair at Mbezi (Major): Mast AP dead",
        url="/faults/12/repair/34/",
    )
    assert push_service.rejected == []
    [push] = push_service.received
    assert push.device == device["endpoint"].rsplit("/", 1)[-1]
    assert push.json()["body"] == "Fault to repair at Mbezi (Major): Mast AP dead"
    assert push.vapid_key == vapid["WEBPUSH_VAPID_PUBLIC_KEY"]


def test_the_agent_turns_on_notifications_in_the_field_app(
    page_for,
    shot,
    field,  # noqa: F811 - the fixture imported above
    vapid,
    push_service,
    eager_celery,
):
    agent = field["agent"]
    device = push_service.new_subscription()
    page = page_for(360, 740)
    page.add_init_script(STAND_IN % json.dumps(device))
    open_app(page, agent)
    button = page.locator("#push-enable")
    button.wait_for(state="visible")
    # readable: not the header's white-on-white pill (the offer was invisible on the page)
    colours = button.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours[0] != colours[1] and colours[1] not in ("rgba(255, 255, 255, 0.2)",)
    shot(page, "push-offer-field-app-360")
    button.click()
    page.locator("#push-status").filter(has_text="Notifications are on for this phone.").wait_for()
    shot(page, "push-subscribe-field-app-360")
    [call] = page.evaluate("window.__subscribeCalls")
    assert base64.b64decode(call["key"]) == _unb64url(vapid["WEBPUSH_VAPID_PUBLIC_KEY"])
    [sub] = PushSubscription.objects.filter(user=agent)
    assert sub.endpoint == device["endpoint"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.console_errors == []

    services.notify(users=[agent], text="Your batch of 20 × 1 Day is ready", url="/app/")
    [push] = push_service.received
    assert push.json()["body"] == "Your batch of 20 × 1 Day is ready"
    assert push.json()["url"] == "/app/"
