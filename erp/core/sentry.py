"""Error tracking with Sentry (or any Sentry-compatible server: GlitchTip, self-hosted), optional.

With ``SENTRY_DSN`` set, :func:`init` (called by settings) reports unhandled exceptions of the
web processes and the Celery tasks, and error log lines. Nothing personal or secret leaves:

- ``send_default_pii=False``: no user e-mail, username, address, cookies or request bodies;
  no local variables of the frames (they hold passwords, codes, tokens);
- :func:`scrub_event` (``before_send``) walks the whole event and replaces the value of every
  key that names a secret or a person (password, token, code, phone, e-mail …), the values of
  a query string, and inside every string: the configured secrets themselves (SECRET_KEY, the
  Fernet keys, the database password, API keys), bearer tokens, ``password=…`` pairs, the
  RouterOS login's ``=password=…`` word, age identities and phone numbers.

The event keeps the exception type, the stack (file, function, line), the request's method and
path, the request id and the user's id: enough to find the bug, nothing to abuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FILTERED = "[Filtered]"

# Keys whose value is never sent: any key containing one of these (compared lower-case)…
SENSITIVE_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "authorization",
    "cookie",
    "session",
    "csrf",
    "fernet",
    "signature",
    "credential",
    "private",
    "forwarded_for",
    "real_ip",
    "remote_addr",
    "msisdn",
    "email",
    "username",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "client_name",
    "agent_name",
    "customer_name",
)
# … or having one of these as a word of its name (``voucher_code``, ``client_ip``, ``pin``).
SENSITIVE_WORDS = {
    "auth",
    "code",  # voucher codes, one-time SMS codes: each one is internet access or an account
    "codes",
    "pin",
    "dsn",
    "ip",
    "mac",
    "iban",
    "card",
    "address",
}
# Names holding one of the words above that are not sensitive.
SAFE_KEYS = {
    "status_code",
    "error_code",
    "country_code",
    "exit_code",
    "type",
    "module",
    "function",
    "filename",
    "abs_path",
    "lineno",
    "logger",
    "level",
    "url_name",
    "view_name",
    "site_code",
    "server_name",
}

_PATTERNS = [
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + FILTERED),
    (
        re.compile(
            r"(?i)((?:pass(?:word|wd)?|secret|token|api[_-]?key|pin|code)\s*[=:]\s*)[^\s&,;'\"]+"
        ),
        r"\1" + FILTERED,
    ),
    (re.compile(r"=password=\S+"), "=password=" + FILTERED),  # a RouterOS /login word
    (re.compile(r"AGE-SECRET-KEY-1[0-9A-Z]+"), FILTERED),
    (re.compile(r"(?<![\w.:/-])\+?\d[\d ]{8,14}\d(?![\w.:/-])"), FILTERED),  # phone numbers
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), FILTERED),  # e-mail addresses
]

_secrets: list[str] = []


def _sensitive(key: Any) -> bool:
    name = str(key).lower().replace("-", "_")
    if name in SAFE_KEYS:
        return False
    if any(part in name for part in SENSITIVE_PARTS):
        return True
    return any(word in SENSITIVE_WORDS for word in re.split(r"[^a-z0-9]+", name))


def scrub_text(text: str) -> str:
    for secret in _secrets:
        if secret and secret in text:
            text = text.replace(secret, FILTERED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, dict):
        return {
            k: (FILTERED if _sensitive(k) and v not in (None, "", [], {}) else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        # [key, value] pairs (headers, cookies as lists)
        if len(value) == 2 and isinstance(value[0], str) and _sensitive(value[0]):
            return [value[0], FILTERED]
        return [_scrub(v, depth + 1) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _query_values(query: Any) -> Any:
    """``a=1&code=XYZ`` → ``a=[Filtered]&code=[Filtered]``: a query's values are user input."""
    if isinstance(query, str):
        return "&".join(
            f"{part.split('=', 1)[0]}={FILTERED}" if "=" in part else part
            for part in query.split("&")
            if part
        )
    if isinstance(query, list | dict):
        return _scrub(query) if isinstance(query, dict) else [[k, FILTERED] for k, *_ in query]
    return query


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """``before_send``: the event with every secret and personal value replaced."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)  # bodies: forms with passwords, codes, phone numbers
        request.pop("cookies", None)
        if "query_string" in request:
            request["query_string"] = _query_values(request["query_string"])
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    scrubbed = _scrub(event)
    if isinstance(scrubbed.get("user"), dict) and "id" in (event.get("user") or {}):
        scrubbed["user"] = {"id": event["user"]["id"]}
    return scrubbed


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    """``before_breadcrumb``: SQL parameters and log messages scrubbed the same way."""
    return _scrub(crumb)


def secrets_in(environ: dict[str, str]) -> list[str]:
    """The values of the environment variables whose names say they are secret (passwords,
    tokens, keys, the URLs that carry a password), to be cut out of any text sent."""
    found = []
    for name, value in environ.items():
        upper = name.upper()
        if any(word in upper for word in ("PASSWORD", "SECRET", "TOKEN", "_KEY", "KEYS")):
            found.extend(v.strip() for v in value.split(","))
        elif upper.endswith("_URL") and "@" in value:  # DATABASE_URL, EMAIL_URL, REDIS_URL
            password = re.search(r"://[^:/@]*:([^@]+)@", value)
            if password:
                found.append(password.group(1))
    return found


def init(
    *,
    dsn: str,
    environment: str,
    release: str = "",
    traces_sample_rate: float = 0.0,
    secrets: Iterable[str] = (),
) -> None:
    """Start the SDK (settings calls this only when ``SENTRY_DSN`` is set)."""
    # Loaded only when a DSN is set: most installs never report to Sentry.
    import sentry_sdk  # noqa: PLC0415
    from sentry_sdk.integrations.celery import CeleryIntegration  # noqa: PLC0415
    from sentry_sdk.integrations.django import DjangoIntegration  # noqa: PLC0415

    # The literal secrets to cut out of any text; short values would match everywhere.
    _secrets[:] = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
