"""An openNDS router with FAS level 3, as seen from the FAS server: it sends clients to the
FAS URL with an encrypted ``fas`` string, and its authmon daemon polls that URL over HTTP.

- ``arrive(mac, ip)``: a client joins the WiFi; returns the URL openNDS redirects it to
  (``faspath?fas=<base64(base64(AES-256-CBC))>&iv=<16 hex>``), its ``hid`` kept as openNDS
  keeps it.
- ``poll()``: one turn of authmon's loop (level 3: POST): ``auth_get=view`` with payload
  base64("*"); each listed line (URL-decoded: ``rhid sessionlength uploadrate downloadrate
  uploadquota downloadquota custom``) authorises the client whose ``sha256(hid + faskey)``
  is the rhid (``ndsctl auth``), then the taken rhids are acknowledged with payload base64("*
  rhid1 rhid2 …"), which must be answered "ack".
- ``deauth(mac, incoming, outgoing)``: a session ends; authmon reports it with
  ``auth_get=deauthed`` and the URL-encoded client record.
- ``ndsctl_json()``: the clients as ``ndsctl json`` lists them (state, session end, bytes).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlencode

import requests

from erp.portal import opennds


@dataclass
class NdsClient:
    mac: str
    ip: str
    hid: str
    token: str
    state: str = "Preauthenticated"
    session_end: int | None = None
    upload_rate: int = 0
    download_rate: int = 0
    custom: str = ""


@dataclass
class OpenNDSRouter:
    faskey: str
    fas_url: str  # http://erp/portal/<site>/nds/
    gatewayname: str = "openNDS Site"
    gatewayaddress: str = "192.168.8.1:2050"
    clients: dict[str, NdsClient] = field(default_factory=dict)
    polls: list[dict] = field(default_factory=list)

    @property
    def gatewayname_encoded(self) -> str:
        return quote(self.gatewayname)  # openNDS sends it URL-encoded

    @property
    def gatewayhash(self) -> str:
        return hashlib.sha256(self.gatewayname_encoded.encode()).hexdigest()

    def arrive(self, mac: str, ip: str, originurl: str = "http://example.com/") -> str:
        token = secrets.token_hex(4)
        hid = hashlib.sha256((token + self.gatewayname).encode()).hexdigest()
        self.clients[mac] = NdsClient(mac=mac, ip=ip, hid=hid, token=token)
        fields = ", ".join(
            [
                f"hid={hid}",
                f"clientip={ip}",
                f"clientmac={mac}",
                "client_type=cpd_can",
                f"gatewayname={self.gatewayname_encoded}",
                "gatewayurl=http%3A%2F%2Fstatus.client",
                "version=10.3.0",
                f"gatewayaddress={self.gatewayaddress}",
                "gatewaymac=02:00:00:00:00:aa",
                f"originurl={quote(originurl, safe='')}",
                "clientif=br-lan",
                "themespec=none",
                "cpi_query=none",
                "authdir=opennds_auth",
            ]
        )
        iv = secrets.token_hex(8)  # 16 hex characters
        fas = opennds.encrypt(fields, faskey=self.faskey, iv=iv)
        return f"{self.fas_url}?{urlencode({'fas': fas, 'iv': iv})}"

    def _post(self, auth_get: str, payload: str) -> requests.Response:
        response = requests.post(
            self.fas_url,
            data={
                "auth_get": auth_get,
                "gatewayhash": self.gatewayhash,
                "payload": base64.b64encode(payload.encode()).decode(),
            },
            timeout=10,
        )
        self.polls.append({"auth_get": auth_get, "status": response.status_code})
        return response

    def poll(self) -> list[str]:
        """One authmon turn; returns the rhids authorised (and acknowledged)."""
        response = self._post("view", "*")
        response.raise_for_status()
        words = response.text.strip().split()
        if words[:1] != ["*"]:
            raise RuntimeError(f"authmon: unexpected answer {response.text[:80]!r}")
        by_rhid = {
            hashlib.sha256((c.hid + self.faskey).encode()).hexdigest(): c
            for c in self.clients.values()
        }
        taken = []
        for encoded in words[1:]:
            parts = unquote(encoded).split()
            if len(parts) < 7:
                continue
            rhid, minutes, up, down = parts[0], int(parts[1]), int(parts[2]), int(parts[3])
            client = by_rhid.get(rhid)
            if client is not None:  # ndsctl auth
                client.state = "Authenticated"
                client.session_end = int(time.time()) + minutes * 60
                client.upload_rate, client.download_rate = up, down
                client.custom = parts[6]
            taken.append(rhid)
        if taken:
            ack = self._post("view", "* " + " ".join(taken))
            if ack.text.strip() != "ack":
                raise RuntimeError(f"authmon: no ack ({ack.text[:40]!r})")
        return taken

    def deauth(self, mac: str, *, incoming: int, outgoing: int) -> str:
        client = self.clients[mac]
        client.state = "Deauthenticated"
        rhid = hashlib.sha256((client.hid + self.faskey).encode()).hexdigest()
        record = (
            f"method=timeout clientmac={mac} clientip={client.ip} rhid={rhid} "
            f"token={client.token} incoming={incoming} outgoing={outgoing}"
        )
        return self._post("deauthed", quote(record, safe="")).text

    def ndsctl_json(self) -> dict:
        return {
            "gatewayname": self.gatewayname,
            "client_list_length": len(self.clients),
            "clients": {
                c.mac: {
                    "ip": c.ip,
                    "mac": c.mac,
                    "token": c.token,
                    "state": c.state,
                    "session_end": c.session_end,
                    "download_rate_limit": c.download_rate,
                    "upload_rate_limit": c.upload_rate,
                    "custom": c.custom,
                }
                for c in self.clients.values()
            },
        }
