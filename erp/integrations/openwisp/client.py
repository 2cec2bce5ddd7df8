"""The OpenWISP adapter: controller devices and monitoring health over OpenWISP's REST API.

- ``POST /api/v1/users/token/`` (username + password) → a token sent as
  ``Authorization: Bearer <token>``; a 401 later (token expired or revoked) logs in again once
  and repeats the call.
- ``GET /api/v1/controller/device/``: DRF page-number pagination, ``page_size`` at most 100,
  ``next`` followed. A list is bounded: at most ``max_pages`` pages, a ``next`` seen before
  (a loop), a ``next`` on another host (the token would leave for it), or more rows than the
  ``count`` announced is an error, never an endless loop.
- ``GET /api/v1/monitoring/device/?monitoring__status=…`` and
  ``GET /api/v1/monitoring/device/<id>/`` (``related_metrics`` with ``is_healthy``).

Every call is bounded in time as a whole (connect + read of the full body within
``timeout`` seconds) and in size. Errors are ``OpenWispError`` subclasses whose text names
what went wrong and where, never the password, the token or a device ``key`` (the device
key is an OpenWISP secret: it is dropped on reading and never stored).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext_noop

from erp.core.texts import Text

log = logging.getLogger(__name__)

TOKEN_PATH = "/api/v1/users/token/"  # noqa: S105 (a path, not a secret)
DEVICES_PATH = "/api/v1/controller/device/"
MONITORING_PATH = "/api/v1/monitoring/device/"
HEALTH_STATUSES = ("unknown", "ok", "problem", "critical", "deactivated")
MAX_PAGE_SIZE = 100
MAX_BODY_BYTES = 5 * 1024 * 1024


class OpenWispError(Exception):
    """OpenWISP could not be used; the text (a ``Text``, read in the reader's language) is safe
    for people and the log (no secret)."""


class OpenWispUnreachable(OpenWispError):
    """Nothing answered (refused, reset, DNS)."""


class OpenWispTimeout(OpenWispError):
    """The answer did not arrive in time."""


class OpenWispBadResponse(OpenWispError):
    """An answer that is not what OpenWISP's API gives (HTML, wrong types, endless pages)."""


class OpenWispAuthError(OpenWispError):
    """The credentials were refused."""


@dataclass(frozen=True)
class RemoteDevice:
    """A device as the controller lists it, without its ``key``."""

    id: str
    name: str
    mac_address: str
    model: str
    os: str
    system: str
    last_ip: str
    management_ip: str
    config_status: str
    created: str
    modified: str
    hardware_id: str = ""  # the serial, on servers with OPENWISP_CONTROLLER_HARDWARE_ID_ENABLED


@dataclass(frozen=True)
class RemoteHealth:
    """A device's monitoring status and, from its detail, the health of its metrics."""

    id: str
    name: str
    status: str
    related_metrics: tuple[tuple[str, bool], ...] = field(default=())

    @property
    def is_healthy(self) -> bool | None:
        """False when any related metric is unhealthy; None without metrics."""
        if not self.related_metrics:
            return None
        return all(healthy for _name, healthy in self.related_metrics)


def _text(
    row: dict[str, Any], key: str, where: str, *, required: bool = False, within: str = ""
) -> str:
    """``row[key]`` as text; ``within`` names the object ``row`` is in (``config``)."""
    value = row.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise OpenWispBadResponse(
            Text(
                gettext_noop(
                    "OpenWISP answered %(where)s with '%(field)s' of type %(kind)s, expected text"
                ),
                where=where,
                field=f"{within}.{key}" if within else key,
                kind=type(value).__name__,
            )
        )
    return value


def _not_an_object(row: Any, where: str) -> OpenWispBadResponse:
    return OpenWispBadResponse(
        Text(
            gettext_noop("OpenWISP answered %(where)s with a %(kind)s instead of an object"),
            where=where,
            kind=type(row).__name__,
        )
    )


def _bad_field(msgid: str, where: str, field: str) -> OpenWispBadResponse:
    """An answer whose ``field`` is missing or of the wrong kind (``msgid`` says which)."""
    return OpenWispBadResponse(Text(msgid, where=where, field=field))


def parse_device(row: Any, where: str) -> RemoteDevice:
    if not isinstance(row, dict):
        raise _not_an_object(row, where)
    config = row.get("config")
    if config is not None and not isinstance(config, dict):
        raise _bad_field(
            gettext_noop("OpenWISP answered %(where)s with '%(field)s' that is not an object"),
            where,
            "config",
        )
    return RemoteDevice(
        id=_text(row, "id", where, required=True),
        name=_text(row, "name", where, required=True),
        mac_address=_text(row, "mac_address", where, required=True),
        model=_text(row, "model", where),
        os=_text(row, "os", where),
        system=_text(row, "system", where),
        last_ip=_text(row, "last_ip", where),
        management_ip=_text(row, "management_ip", where),
        config_status=_text(config or {}, "status", where, within="config"),
        created=_text(row, "created", where),
        modified=_text(row, "modified", where),
        hardware_id=_text(row, "hardware_id", where),
    )


def parse_health(row: Any, where: str) -> RemoteHealth:
    if not isinstance(row, dict):
        raise _not_an_object(row, where)
    monitoring = row.get("monitoring")
    if not isinstance(monitoring, dict):
        raise _bad_field(
            gettext_noop("OpenWISP answered %(where)s without a '%(field)s' object"),
            where,
            "monitoring",
        )
    status = _text(monitoring, "status", where, required=True, within="monitoring")
    if status not in HEALTH_STATUSES:
        raise OpenWispBadResponse(
            Text(
                gettext_noop("OpenWISP answered %(where)s with an unknown status %(status)s"),
                where=where,
                status=repr(status)[:40],
            )
        )
    metrics = monitoring.get("related_metrics") or []
    if not isinstance(metrics, list):
        raise _bad_field(
            gettext_noop("OpenWISP answered %(where)s with '%(field)s' not a list"),
            where,
            "related_metrics",
        )
    parsed = []
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("is_healthy"), bool | None):
            raise OpenWispBadResponse(
                Text(
                    gettext_noop("OpenWISP answered %(where)s with a malformed metric"),
                    where=where,
                )
            )
        parsed.append((str(metric.get("name", "")), metric.get("is_healthy") is not False))
    return RemoteHealth(
        id=_text(row, "id", where, required=True),
        name=_text(row, "name", where),
        status=status,
        related_metrics=tuple(parsed),
    )


class OpenWispClient:
    """One OpenWISP server, with the credentials of one API user."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int = 200,
        session: requests.Session | None = None,
    ):
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise OpenWispError(
                Text(gettext_noop("The OpenWISP address must start with http:// or https://"))
            )
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self._origin = (parts.scheme, parts.netloc)
        self.username = username
        self._password = password
        self.timeout = float(timeout)
        self.page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        self.max_pages = max_pages
        self._session = session or requests.Session()
        self._token: str | None = None
        self.calls = 0
        self.elapsed = 0.0  # seconds spent waiting on OpenWISP, summed (measured)

    def __repr__(self) -> str:  # never the password or the token
        return f"<OpenWispClient {self.base_url} as {self.username}>"

    # --- transport ------------------------------------------------------------------------
    def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        """One HTTP exchange, bounded in time as a whole; (status, parsed JSON)."""
        path = urlsplit(url).path
        started = time.monotonic()
        deadline = started + self.timeout
        self.calls += 1
        try:
            response = self._session.request(
                method, url, timeout=(self.timeout, self.timeout), stream=True, **kwargs
            )
            try:
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body.extend(chunk)
                    if len(body) > MAX_BODY_BYTES:
                        raise OpenWispBadResponse(
                            Text(
                                gettext_noop(
                                    "OpenWISP's answer to %(path)s is larger than %(limit)s bytes"
                                ),
                                path=path,
                                limit=MAX_BODY_BYTES,
                            )
                        )
                    if time.monotonic() > deadline:
                        raise requests.Timeout()
            finally:
                response.close()
        except requests.Timeout:
            raise OpenWispTimeout(
                Text(
                    gettext_noop(
                        "OpenWISP did not answer %(method)s %(path)s within %(timeout)s s"
                    ),
                    method=method,
                    path=path,
                    timeout=f"{self.timeout:g}",
                )
            ) from None
        except requests.ConnectionError:
            raise OpenWispUnreachable(
                Text(
                    gettext_noop("OpenWISP at %(url)s is unreachable (%(method)s %(path)s)"),
                    url=self.base_url,
                    method=method,
                    path=path,
                )
            ) from None
        except requests.RequestException as exc:
            raise OpenWispUnreachable(
                Text(
                    gettext_noop("OpenWISP at %(url)s failed (%(method)s %(path)s: %(error)s)"),
                    url=self.base_url,
                    method=method,
                    path=path,
                    error=type(exc).__name__,
                )
            ) from None
        finally:
            self.elapsed += time.monotonic() - started
        status = response.status_code
        if status == 401:
            return status, None
        content_type = response.headers.get("Content-Type", "")
        if "json" not in content_type:
            kind = content_type.split(";")[0].strip()
            raise OpenWispBadResponse(
                Text(
                    gettext_noop(
                        "OpenWISP answered %(method)s %(path)s with %(status)s %(content_type)s "
                        "instead of JSON (is the address the OpenWISP server?)"
                    )
                    if kind
                    else gettext_noop(
                        "OpenWISP answered %(method)s %(path)s with %(status)s and no content "
                        "type instead of JSON (is the address the OpenWISP server?)"
                    ),
                    method=method,
                    path=path,
                    status=status,
                    content_type=kind,
                )
            )
        try:
            data = json.loads(bytes(body))
        except ValueError:
            raise OpenWispBadResponse(
                Text(
                    gettext_noop("OpenWISP answered %(method)s %(path)s with invalid JSON"),
                    method=method,
                    path=path,
                )
            ) from None
        return status, data

    def login(self) -> None:
        status, data = self._request(
            "POST",
            self.base_url + TOKEN_PATH,
            data={"username": self.username, "password": self._password},
        )
        if status in (400, 401, 403):
            self._token = None
            raise OpenWispAuthError(
                Text(
                    gettext_noop(
                        "OpenWISP refused the login of API user '%(user)s': "
                        "check the username and password"
                    ),
                    user=self.username,
                )
            )
        token = data.get("token") if isinstance(data, dict) else None
        if status != 200 or not isinstance(token, str) or not token:
            raise OpenWispBadResponse(
                Text(
                    gettext_noop("OpenWISP answered the login with %(status)s and no token"),
                    status=status,
                )
            )
        self._token = token

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """GET with the Bearer token; a 401 logs in again once."""
        if not url.startswith("http"):
            url = self.base_url + url
        for attempt in (1, 2):
            if self._token is None:
                self.login()
            status, data = self._request(
                "GET", url, params=params, headers={"Authorization": f"Bearer {self._token}"}
            )
            if status == 401:
                self._token = None
                if attempt == 2:
                    raise OpenWispAuthError(
                        Text(
                            gettext_noop(
                                "OpenWISP refused API user '%(user)s' on %(path)s right after "
                                "a fresh login: check the user's permissions"
                            ),
                            user=self.username,
                            path=urlsplit(url).path,
                        )
                    )
                log.info("openwisp: token refused on %s, logging in again", urlsplit(url).path)
                continue
            if status == 404:
                raise OpenWispBadResponse(
                    Text(gettext_noop("OpenWISP has no %(path)s (404)"), path=urlsplit(url).path)
                )
            if status >= 400:
                raise OpenWispBadResponse(
                    Text(
                        gettext_noop("OpenWISP answered GET %(path)s with %(status)s"),
                        path=urlsplit(url).path,
                        status=status,
                    )
                )
            return data
        raise AssertionError("unreachable")

    def pages(self, path: str, params: dict[str, Any] | None = None):
        """Yield each result of a DRF page-number list, following ``next`` within bounds."""
        url: str | None = self.base_url + path
        query: dict[str, Any] | None = {**(params or {}), "page_size": self.page_size}
        seen: set[str] = set()
        yielded = 0
        for page in range(1, self.max_pages + 2):
            if url is None:
                return
            if page > self.max_pages:
                raise OpenWispBadResponse(
                    Text(
                        gettext_noop("OpenWISP's list %(path)s did not end within %(pages)s pages"),
                        path=path,
                        pages=self.max_pages,
                    )
                )
            key = url + "?" + json.dumps(query, sort_keys=True) if query else url
            if key in seen:
                raise OpenWispBadResponse(
                    Text(
                        gettext_noop(
                            "OpenWISP's list %(path)s points back to a page already read "
                            "(page %(page)s)"
                        ),
                        path=path,
                        page=page,
                    )
                )
            seen.add(key)
            data = self.get(url, query)
            where = Text(gettext_noop("%(path)s page %(page)s"), path=path, page=page)
            if not isinstance(data, dict) or not isinstance(data.get("results"), list):
                raise _bad_field(
                    gettext_noop("OpenWISP answered %(where)s without a '%(field)s' list"),
                    where,
                    "results",
                )
            count = data.get("count")
            if not isinstance(count, int) or isinstance(count, bool):
                raise _bad_field(
                    gettext_noop("OpenWISP answered %(where)s without an integer '%(field)s'"),
                    where,
                    "count",
                )
            for row in data["results"]:
                yielded += 1
                if yielded > count:
                    raise OpenWispBadResponse(
                        Text(
                            gettext_noop(
                                "OpenWISP's list %(path)s gave more rows than its count (%(count)s)"
                            ),
                            path=path,
                            count=count,
                        )
                    )
                yield row, where
            next_url = data.get("next")
            if next_url is not None and not isinstance(next_url, str):
                raise _bad_field(
                    gettext_noop("OpenWISP answered %(where)s with a '%(field)s' not a URL"),
                    where,
                    "next",
                )
            if next_url:
                target = urlsplit(next_url)
                if (target.scheme, target.netloc) != self._origin:
                    raise OpenWispBadResponse(
                        Text(
                            gettext_noop(
                                "OpenWISP's list %(path)s points to another server (%(host)s); "
                                "not followed"
                            ),
                            path=path,
                            host=target.netloc,
                        )
                    )
            url, query = next_url or None, None

    # --- the API --------------------------------------------------------------------------
    def devices(self) -> list[RemoteDevice]:
        """Every device of the controller (their keys dropped)."""
        return [parse_device(row, where) for row, where in self.pages(DEVICES_PATH)]

    def monitoring(self, status: str | None = None) -> list[RemoteHealth]:
        """Devices with their monitoring status, optionally only those in ``status``."""
        if status is not None and status not in HEALTH_STATUSES:
            raise ValueError(f"unknown monitoring status {status!r}")
        params = {"monitoring__status": status} if status else None
        return [parse_health(row, where) for row, where in self.pages(MONITORING_PATH, params)]

    def device_health(self, device_id: str) -> RemoteHealth:
        """One device's status with its related metrics (``is_healthy``)."""
        path = f"{MONITORING_PATH}{device_id}/"
        return parse_health(self.get(path), path)
