"""Finds text a person reads that is not marked for translation (issue 21).

Two scanners, both pure functions over source text so the test can check them on a small
sample as well as on the project:

* ``python_findings`` walks a module's AST for literals handed straight to what users read:
  flash messages, ValidationError / PermissionDenied / Http404 / DRF exception messages,
  form and model ``label`` / ``verbose_name`` / ``help_text``, ``choices`` labels (lists of
  pairs and ``TextChoices`` members), Meta ``verbose_name``, and in the Dash pages the
  children of ``html.*`` components and ``label`` / ``title`` / ``placeholder`` and option
  labels. A literal inside ``_()`` / ``gettext*()`` / ``pgettext*()`` is a call argument of
  those, not of the user-facing call, so it is never reported.
* ``template_findings`` lexes a Django template, blanks what is translated
  (``{% translate %}``, ``{% blocktranslate %}…{% endblocktranslate %}``), tags, variables and
  comments, then parses the HTML left: text nodes and the ``title`` / ``placeholder`` / ``alt``
  / ``aria-label`` attributes with letters are reported; script and style content is not.

Product names and unit symbols are not words to translate (``NOT_WORDS``); the rest of what
may stay bare is listed in ``ALLOWED`` with the reason. Not scanned: migrations (history),
management commands (an operator's console, in English like the logs) and simulators (test
doubles of routers, modems and providers).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
PY_DIRS = ("erp", "workflows", "analytics", "dashboards")

# Names of products, networks, protocols and unit symbols, and languages' own names: the
# same in every language, removed (as whole words) before the "has letters" test.
NOT_WORDS = sorted(
    [
        "ViorNet", "MikroTik", "RouterOS", "M-Pesa", "Tigo Pesa", "Mixx by Yas", "Airtel Money",
        "HaloPesa", "Selcom", "AzamPay", "OpenWISP", "PortaBilling", "WiFi", "Wi-Fi", "SMS",
        "USSD", "API", "JWT", "TZS", "KES", "UGX", "USD", "PDF", "CSV", "XLSX", "QR", "IP",
        "MAC", "SSID", "IMAP", "SMTP", "VAPID", "OK", "ID", "GB", "MB", "KB", "TB", "ms",
        "E.164", "RADIUS", "PPPoE", "WireGuard", "Celery", "Redis", "Django", "Sentry",
        "Prometheus", "Kiswahili", "Français", "Hotspot", "GSM-7",
        "BPMN", "UCS-2", "s", "min", "h",
    ],
    key=len,
    reverse=True,
)  # fmt: skip

# (path relative to the project, the text) → why it may stay as it is. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    ("erp/portal/templates/portal/mikrotik_login.html", "Continue / Endelea / Continuer"): (
        "served by the router, outside Django and any language: the one button says it in all three"
    ),
    ("erp/sales/templates/sales/pos.html", "07xx xxx xxx"): "a phone number's shape, not words",
}

MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error", "add_message"}
EXCEPTIONS = {
    "ValidationError", "PermissionDenied", "Http404", "NotFound", "ParseError",
    "AuthenticationFailed", "NotAuthenticated", "APIException", "SuspiciousOperation",
}  # fmt: skip
# Ours whose first argument a person reads (a router's, an SMS gateway's, a payment
# provider's); their ``detail=`` is for the server's log.
OWN_EXCEPTIONS = {
    "RouterError", "RouterUnreachable", "RouterAuthFailed", "RouterProtocolError",
    "GatewayError", "Unavailable", "Rejected", "Throttled", "ProviderError", "ProviderRefused",
    "OpenWispError", "OpenWispUnreachable", "OpenWispTimeout", "OpenWispBadResponse",
    "OpenWispAuthError", "PortaError", "PortaUnreachable", "PortaTimeout", "PortaProtocolError",
    "PortaAuthFailed",
}  # fmt: skip
FIELD_WORDS = {"label", "verbose_name", "verbose_name_plural", "help_text", "empty_label"}
DASH_WORDS = {"label", "title", "placeholder", "children", "xaxis_title", "yaxis_title"}
# Class attributes a person reads: Meta and AppConfig names, a view's title or success
# message, a DRF exception's default message.
CLASS_WORDS = {
    "verbose_name", "verbose_name_plural", "title", "page_title", "success_message",
    "default_detail",
}  # fmt: skip
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}
ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
_LETTER = re.compile(r"[^\W\d_]")
_NOT_WORDS = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in NOT_WORDS) + r")(?!\w)")
# In templates: CSS classes, icon ligatures and API field names (erp-tile--alert,
# navigate_before, i_customer) are code, not words.
_CODE = re.compile(r"(?<![\w-])[a-z0-9]+(?:(?:_|--?)[a-z0-9]+)+(?![\w-])")
# MikroTik's own template language in the router's login page: $(if error) … $(endif).
_MIKROTIK = re.compile(r"\$\([^)]*\)")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def has_words(text: str) -> bool:
    """Letters left once product names, unit symbols, placeholders and entities are out."""
    text = _NOT_WORDS.sub(" ", text)
    text = re.sub(r"%\(\w+\)[sdf]|\{\w*\}|&\w+;", " ", text)
    return bool(_LETTER.search(text))


def _literal(node: ast.AST) -> str | None:
    """The text of a bare literal: a string, or an f-string's fixed parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _literal(node.left)  # "…%s" % x and "a" + b: the literal part is still bare
    return None


def _texts(node: ast.AST):
    """Bare literals in a message argument: the literal itself, or inside a list/tuple/dict."""
    text = _literal(node)
    if text is not None:
        yield node, text
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _texts(item)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)


def _name(func: ast.AST) -> tuple[str, str]:
    """(receiver, attribute) of a call: messages.success → ("messages", "success")."""
    if isinstance(func, ast.Attribute):
        owner = func.value
        receiver = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        return receiver, func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


class _Walker(ast.NodeVisitor):
    def __init__(self, path: str, dash: bool):
        self.path, self.dash = path, dash
        self.found: list[Finding] = []
        self.classes: list[ast.ClassDef] = []

    def _report(self, node: ast.AST, text: str) -> None:
        if has_words(text):
            self.found.append(Finding(self.path, node.lineno, text))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        bases = {_name(b)[1] for b in node.bases}
        for item in node.body:
            if not isinstance(item, ast.Assign):
                continue
            targets = {getattr(t, "id", "") for t in item.targets}
            if targets & CLASS_WORDS:  # Meta, AppConfig, views: what their pages are called
                for sub, text in _texts(item.value):
                    self._report(sub, text)
            # X = "x", "Label": the last is the label
            value = item.value
            if bases & CHOICES_BASES and isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                for sub, text in _texts(value.elts[-1]):
                    self._report(sub, text)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        receiver, name = _name(node.func)
        args: list[ast.AST] = []
        if receiver == "messages" and name in MESSAGE_LEVELS:
            args = node.args[1:]
            args += [k.value for k in node.keywords if k.arg == "message"]
        elif name in OWN_EXCEPTIONS:
            args = node.args[:1]
        elif name in EXCEPTIONS:
            args = node.args[:1] + [
                k.value for k in node.keywords if k.arg in {"message", "detail"}
            ]
        for arg in args:
            for sub, text in _texts(arg):
                self._report(sub, text)
        words = FIELD_WORDS | (DASH_WORDS if self.dash else set())
        for keyword in node.keywords:
            if keyword.arg in words:
                for sub, text in _texts(keyword.value):
                    self._report(sub, text)
            elif keyword.arg == "choices":
                self._choices(keyword.value)
            elif self.dash and keyword.arg == "options":
                self._options(keyword.value)
        if self.dash and receiver == "html" and node.args:
            for sub, text in _texts(node.args[0]):
                self._report(sub, text)
        self.generic_visit(node)

    def _choices(self, node: ast.AST) -> None:
        if isinstance(node, ast.List | ast.Tuple):
            for pair in node.elts:
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                    label = _literal(pair.elts[1])
                    if label is not None:
                        self._report(pair.elts[1], label)

    def _options(self, node: ast.AST) -> None:
        if isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                if isinstance(item, ast.Dict):
                    for key, value in zip(item.keys, item.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "label":
                            for sub, text in _texts(value):
                                self._report(sub, text)


def python_findings(source: str, path: str = "<sample>", dash: bool = False) -> list[Finding]:
    """Bare user-facing literals in a module's source."""
    walker = _Walker(path, dash)
    walker.visit(ast.parse(source))
    return walker.found


# What a tag, variable or translated text becomes: a space, so that "<td{% if %} class=…"
# still parses as a tag and "{{ n }} s" as a number and a unit.
_BLANK = " "
ICON_CLASSES = ("material-icons", "material-symbols")
CODE_TAGS = {"code", "kbd", "samp", "pre"}


class _Html(HTMLParser):
    def __init__(self, path: str, lines: list[int]):
        super().__init__(convert_charrefs=True)
        self.path, self.lines = path, lines
        self.raw_tags: list[str] = []
        self.found: list[Finding] = []

    def _line(self) -> int:
        return self.getpos()[0]

    def handle_starttag(self, tag, attrs):
        css = dict(attrs).get("class") or ""
        if tag in {"script", "style"} | CODE_TAGS or any(c in css for c in ICON_CLASSES):
            self.raw_tags.append(tag)
        for name, value in attrs:
            if name in ATTRIBUTES and value and _template_words(value):
                self.found.append(Finding(self.path, self._line(), " ".join(value.split())))

    def handle_endtag(self, tag):
        if tag in self.raw_tags:
            while self.raw_tags and self.raw_tags.pop() != tag:
                pass

    def handle_data(self, data):
        if self.raw_tags:
            return
        text = " ".join(data.split())
        if text and _template_words(text):
            self.found.append(Finding(self.path, self._line(), text))


def _blanked(source: str) -> str:
    """The template with every tag, variable, comment and translated text turned into a
    blank mark (newlines kept, so lines still count)."""
    out: list[str] = []
    depth = 0  # inside {% blocktranslate %} or {% comment %}
    for token in Lexer(source).tokenize():
        text = token.contents
        if token.token_type == TokenType.TEXT and not depth:
            out.append(text)
            continue
        if token.token_type == TokenType.BLOCK:
            word = text.split()[0] if text.split() else ""
            if word in {"blocktranslate", "blocktrans", "comment"}:
                depth += 1
            elif word in {"endblocktranslate", "endblocktrans", "endcomment"}:
                depth = max(0, depth - 1)
        out.append(_BLANK + "\n" * text.count("\n"))
    return "".join(out)


def _template_words(text: str) -> bool:
    return has_words(_CODE.sub(" ", _MIKROTIK.sub(" ", text)))


def template_findings(source: str, path: str = "<sample>") -> list[Finding]:
    """Bare text in a Django template (HTML, or plain text for .txt mail bodies)."""
    blanked = _blanked(source)
    if path.endswith(".txt"):
        return [
            Finding(path, n, " ".join(line.split()))
            for n, line in enumerate(blanked.splitlines(), 1)
            if _template_words(line)
        ]
    parser = _Html(path, [])
    parser.feed(blanked)
    parser.close()
    return parser.found


def project_findings() -> list[Finding]:
    """Every bare text in the project, less the allowed ones."""
    found: list[Finding] = []
    for folder in PY_DIRS:
        for file in sorted((ROOT / folder).rglob("*.py")):
            rel = file.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or "/management/" in rel or "/simulator/" in rel:
                continue
            found += python_findings(file.read_text(), rel, dash=rel.startswith("dashboards/"))
    for folder in PY_DIRS:
        for file in sorted((ROOT / folder).rglob("templates/**/*")):
            if file.suffix not in {".html", ".txt"}:
                continue
            rel = file.relative_to(ROOT).as_posix()
            found += template_findings(file.read_text(), rel)
    return [f for f in found if (f.path, f.text) not in ALLOWED and (f.path, "*") not in ALLOWED]
