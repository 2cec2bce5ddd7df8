"""Besides in the app, a user is told on the channels chosen in My profile: e-mail, SMS
(through erp.messaging's outbound queue to the SMS gateway, here its Android simulator) and Web
Push to their devices, sent with pywebpush to a push service simulator that checks the VAPID
JWT and decrypts the aes128gcm payload with the device's private key (issue 23)."""

from __future__ import annotations

import io
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.core import mail
from django.core.management import call_command
from py_vapid import Vapid

from erp.accounts.roles import Role
from erp.messaging import pump
from erp.messaging import services as messaging
from erp.messaging.models import Message
from erp.messaging.simulator.android import AndroidGatewaySimulator
from erp.notifications import services
from erp.notifications.models import Channels, PushSubscription
from erp.notifications.push import b64url
from erp.notifications.simulator.push import PushServiceSimulator

pytestmark = pytest.mark.django_db

PUSH_PORT = 9531  # this helper's port range (9500-9599)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


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
    sim = PushServiceSimulator(port=PUSH_PORT).start()
    yield sim
    sim.stop()


def test_channels_are_chosen_in_my_profile(client, users):
    agent = users[Role.AGENT]
    agent.email, agent.phone = "", ""
    agent.save()
    client.force_login(agent)
    page = client.get("/accounts/profile/").content.decode()
    assert 'id="channels-form"' in page and 'name="by_sms"' in page

    # SMS without a phone number is refused, and nothing is saved
    response = client.post("/notifications/channels/", {"by_sms": "on"}, follow=True)
    assert "Add your phone number" in response.content.decode()
    assert not Channels.objects.filter(user=agent).exists()

    agent.phone = "+255713000222"
    agent.save()
    response = client.post("/notifications/channels/", {"by_sms": "on", "by_push": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#channels")
    channels = Channels.objects.get(user=agent)
    assert (channels.by_email, channels.by_sms, channels.by_push) == (False, True, True)
    assert channels.history.count() == 1


def test_email_and_sms_only_to_who_chose_them(run, users, db):
    phone_sim = AndroidGatewaySimulator(send_delay=0.0).start()
    try:
        gateway = messaging.create_gateway(
            name="Phone",
            base_url=phone_sim.url,
            username=phone_sim.username,
            password=phone_sim.password,
            webhook_key=phone_sim.signing_key,
            is_default=True,
        )
        finance, sales, agent = users[Role.FINANCE], users[Role.SALES], users[Role.AGENT]
        for user, phone in ((finance, "+255713000301"), (sales, "+255713000302"), (agent, "")):
            user.email, user.phone = f"{user.username}@viornet.example", phone
            user.save()
        services.set_channels(user=finance, by_email=True, by_sms=True, by_push=False)
        services.set_channels(user=sales, by_email=False, by_sms=True, by_push=False)
        # the agent chose nothing: in the app only

        [note, *_] = run(
            services.notify,
            users=[finance, sales, agent],
            text="Expense waiting for your approval: TZS 15,000.00",
            url="/finance/expense/1/detail/",
        )
        assert [m.to for m in mail.outbox] == [[finance.email]]
        assert "TZS 15,000.00" in mail.outbox[0].body
        assert "/finance/expense/1/detail/" in mail.outbox[0].body
        sms = Message.objects.order_by("phone")
        assert [m.phone for m in sms] == ["+255713000301", "+255713000302"]
        assert all("TZS 15,000.00" in m.text for m in sms)
        pump.pump(gateway.pk)
        assert len(phone_sim.accepted) == 2  # the gateway took both

        # a caller that e-mails itself (an escalation) is not e-mailed twice
        mail.outbox.clear()
        run(services.escalate_to, users=[finance], text="SLA missed", url="/faults/")
        assert [m.to for m in mail.outbox] == [[finance.email]]
    finally:
        phone_sim.stop()


def test_web_push_end_to_end(client, run, users, vapid, push_service):
    technician, other = users[Role.TECHNICAL], users[Role.AGENT]
    phone = push_service.new_subscription()
    laptop = push_service.new_subscription()
    client.force_login(technician)
    for device in (phone, laptop):
        response = client.post(
            "/notifications/push/",
            data=device,
            content_type="application/json",
            HTTP_USER_AGENT="ViorNet field app",
        )
        assert response.status_code == 201
    assert PushSubscription.objects.filter(user=technician).count() == 2
    assert Channels.objects.get(user=technician).by_push  # the first device turned it on
    # the profile offers it, with the server's public key
    assert vapid["WEBPUSH_VAPID_PUBLIC_KEY"] in client.get("/accounts/profile/").content.decode()

    [note, _other] = run(
        services.notify,
        users=[technician, other],
        text="Fault to repair at Mbezi (Major): Mast AP dead",
        url="/faults/12/repair/34/",
    )
    assert push_service.rejected == []
    assert sorted(p.device for p in push_service.received) == sorted(
        d["endpoint"].rsplit("/", 1)[-1] for d in (phone, laptop)
    )
    for push in push_service.received:
        assert push.json() == {
            "title": "ViorNet",
            "body": "Fault to repair at Mbezi (Major): Mast AP dead",
            "url": "/faults/12/repair/34/",
            "tag": str(note.pk),
        }
        assert push.vapid_key == vapid["WEBPUSH_VAPID_PUBLIC_KEY"]
        assert push.claims["sub"] == "mailto:ops@viornet.example"
        assert push.ttl > 0

    # the user turned push off: nothing pushed
    push_service.received.clear()
    services.set_channels(user=technician, by_email=False, by_sms=False, by_push=False)
    run(services.notify, users=[technician], text="x")
    assert push_service.received == []

    # a device that unsubscribed (410 Gone) is forgotten; the other still receives
    services.set_channels(user=technician, by_email=False, by_sms=False, by_push=True)
    push_service.gone.add(laptop["endpoint"].rsplit("/", 1)[-1])
    run(services.notify, users=[technician], text="Repaired at Mbezi")
    assert [p.json()["body"] for p in push_service.received] == ["Repaired at Mbezi"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [phone["endpoint"]]


def test_the_push_service_refuses_a_bad_vapid_signature_or_audience(vapid, push_service):
    """The simulator checks what a real push service checks, so the test above proves that
    pywebpush's requests were valid: a JWT signed with one key but presenting another, or for
    another origin, is refused (401) and nothing is delivered."""
    device = push_service.new_subscription()
    signer, other = Vapid.from_string(vapid["WEBPUSH_VAPID_PRIVATE_KEY"]), Vapid()
    other.generate_keys()
    claims = {"sub": "mailto:ops@viornet.example", "exp": int(time.time()) + 3600}
    cases = {
        "signature does not verify": (
            signer.sign({**claims, "aud": push_service.origin})["Authorization"].rsplit(",k=", 1)[0]
            + ",k="
            + b64url(
                other.public_key.public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            )
        ),
        "aud": signer.sign({**claims, "aud": "https://push.example.com"})["Authorization"],
    }
    for reason, authorization in cases.items():
        response = requests.post(
            device["endpoint"],
            data=b"x",
            headers={"Authorization": authorization, "TTL": "60", "Content-Encoding": "aes128gcm"},
            timeout=5,
        )
        assert response.status_code == 401 and reason in push_service.rejected[-1]
    assert push_service.received == []


def test_the_field_app_offers_push_and_its_service_worker_shows_it(client, users, settings):
    """The installed field app (PWA) is where pushes land: its service worker shows them and a
    tap opens the link; the app offers to turn them on once VAPID keys are set."""
    client.force_login(users[Role.AGENT])
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    assert 'id="push-enable"' not in client.get("/app/").content.decode()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = "BPublicKeyForTheTest"
    shell = client.get("/app/").content.decode()
    assert 'id="push-enable"' in shell and 'data-key="BPublicKeyForTheTest"' in shell
    assert 'data-url="/notifications/push/"' in shell
    worker = client.get("/app/sw.js").content.decode()
    assert 'addEventListener("push"' in worker and "showNotification" in worker
    assert 'addEventListener("notificationclick"' in worker and "openWindow" in worker
    assert "notifications/push.js" in worker  # cached with the shell (offline)
