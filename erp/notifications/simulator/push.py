"""A Web Push service on loopback that speaks the real protocol, for tests.

It plays both ends a browser would: ``new_subscription()`` makes a device's P-256 key pair and
auth secret and returns what ``PushSubscription.toJSON()`` gives the server. A push is an HTTP
POST to the subscription's endpoint (RFC 8030) that must carry

- a VAPID ``Authorization: vapid t=<JWT>, k=<public key>`` (RFC 8292; the older
  ``WebPush <JWT>`` with ``Crypto-Key: p256ecdsa=`` too): the JWT's ES256 signature is checked
  against ``k``, its ``aud`` must be this service's origin, ``exp`` in the future and at most
  24 h ahead, ``sub`` a mailto: or https: contact;
- a ``TTL`` header and ``Content-Encoding: aes128gcm`` (RFC 8188/8291): the body is decrypted
  with the device's private key and auth secret.

Accepted pushes land in ``received`` (the decrypted payload, the claims, the key used); refused
ones in ``rejected`` with the reason, answered 400/401/404/410 as a push service would. A
subscription marked ``gone`` answers 410 (the device unsubscribed).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass
class Push:
    device: str
    payload: bytes
    claims: dict[str, Any]
    vapid_key: str
    ttl: int
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.payload)


class PushServiceSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.devices: dict[str, Device] = {}
        self.gone: set[str] = set()
        self.received: list[Push] = []
        self.rejected: list[str] = []
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.host, self.port = self.server.server_address[:2]
        self.origin = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> PushServiceSimulator:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_subscription(self) -> dict[str, Any]:
        """A new device: its subscription as the browser hands it to the server."""
        device = Device(
            id=uuid.uuid4().hex,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.devices[device.id] = device
        public = device.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{device.id}",
            "keys": {"p256dh": _b64(public), "auth": _b64(device.auth)},
        }

    # --- the protocol -----------------------------------------------------------------------
    def _vapid(self, headers) -> tuple[dict[str, Any], str]:
        """The checked claims and the signing key, or ValueError with the reason."""
        auth = headers.get("Authorization", "")
        if auth.startswith("vapid "):
            parts = dict(
                item.strip().split("=", 1)
                for item in auth[len("vapid ") :].split(",")
                if "=" in item
            )
            token, key = parts.get("t", ""), parts.get("k", "")
        elif auth.startswith("WebPush "):
            token = auth[len("WebPush ") :].strip()
            crypto = dict(
                item.strip().split("=", 1)
                for item in headers.get("Crypto-Key", "").split(";")
                if "=" in item
            )
            key = crypto.get("p256ecdsa", "")
        else:
            raise ValueError("no VAPID authorization")
        try:
            head_b64, claims_b64, sig_b64 = token.split(".")
            header = json.loads(_unb64(head_b64))
            claims = json.loads(_unb64(claims_b64))
            signature = _unb64(sig_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"malformed VAPID token: {exc}") from None
        if header.get("alg") != "ES256" or len(signature) != 64:
            raise ValueError("VAPID token not ES256")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ValueError("VAPID signature does not verify") from None
        now = time.time()
        if claims.get("aud") != self.origin:
            raise ValueError(f"VAPID aud {claims.get('aud')!r} is not {self.origin}")
        if not (now < int(claims.get("exp", 0)) <= now + 24 * 3600):
            raise ValueError("VAPID exp not within the next 24 h")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            raise ValueError("VAPID sub is not a mailto: or https: contact")
        return claims, key

    def _handler(self):
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, reason: str = "") -> None:
                if reason:
                    sim.rejected.append(reason)
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{sim.origin}/message/{uuid.uuid4().hex}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                device_id = self.path.rstrip("/").rsplit("/", 1)[-1]
                device = sim.devices.get(device_id)
                if not self.path.startswith("/push/") or device is None:
                    return self._answer(404, f"unknown subscription {self.path}")
                if device_id in sim.gone:
                    return self._answer(410, "subscription gone")
                try:
                    claims, key = sim._vapid(self.headers)
                except ValueError as exc:
                    return self._answer(401, str(exc))
                if self.headers.get("TTL") is None:
                    return self._answer(400, "no TTL header")
                if self.headers.get("Content-Encoding") != "aes128gcm":
                    return self._answer(400, "content is not aes128gcm")
                try:
                    payload = http_ece.decrypt(
                        body,
                        private_key=device.private_key,
                        auth_secret=device.auth,
                        version="aes128gcm",
                    )
                except Exception as exc:  # noqa: BLE001 - any decryption failure is a 400
                    return self._answer(400, f"payload does not decrypt: {exc}")
                sim.received.append(
                    Push(
                        device=device_id,
                        payload=payload,
                        claims=claims,
                        vapid_key=key,
                        ttl=int(self.headers["TTL"]),
                        headers=dict(self.headers),
                    )
                )
                return self._answer(201)

        return Handler
