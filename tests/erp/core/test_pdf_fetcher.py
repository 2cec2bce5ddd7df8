"""Rendering HTML to PDF fetches nothing: no file:// (read back: no attachment, no file content
in any stream) and no network (a loopback HTTP server receives no request) — for every
renderer: voucher cards (card template, its preview, an agent's cards), receipts, asset labels
and report PDFs."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader

from erp.accounts.roles import Role
from erp.core.pdf import render_pdf

MARKER = "TOPSECRET-7f3a9c"


@pytest.fixture
def listener():
    """A tiny HTTP server on loopback that records every request it gets."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.path)
            body = f"body {{ color: red }} /* {MARKER} */".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text(f"{MARKER}\n")
    return path


@pytest.fixture
def evil(listener, secret_file):
    """HTML naming the secret file and the loopback server every way WeasyPrint fetches."""
    port, _seen = listener
    url = secret_file.as_uri()
    base = f"http://127.0.0.1:{port}"
    return (
        f'<link rel="attachment" href="{url}">'
        f'<link rel="stylesheet" href="{base}/link.css">'
        f"<style>@import url({base}/import.css); "
        f".bg {{ background: url({base}/bg.png) }}</style>"
        f'<img src="{url}"><img src="{base}/img.png">'
        f'<a rel="attachment" href="{url}">attached</a>'
        f'<a rel="attachment" href="{base}/attached.txt">net</a>'
        '<div class="bg">x</div>'
    )


def assert_nothing_fetched(pdf: bytes, listener) -> None:
    _port, seen = listener
    assert seen == [], f"the renderer made requests: {seen}"
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    for number in list(reader.xref.get(0, {})):
        obj = reader.get_object(number)
        if hasattr(obj, "get_data"):
            assert MARKER.encode() not in obj.get_data()
        assert MARKER not in str(obj)
    assert MARKER not in "".join(page.extract_text() for page in reader.pages)


def test_render_pdf_serves_data_uris_and_refuses_the_rest(listener, evil):
    dot = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    pdf = render_pdf(f'<html><body>{evil}<img src="{dot}"></body></html>')
    assert_nothing_fetched(pdf, listener)
    assert b"/Image" in pdf  # the data: image is drawn


@pytest.fixture
def sample_batch(make_router, users, admin_user):
    from erp.vouchers import services

    router = make_router()
    router.site.agents.add(users[Role.AGENT])
    package = services.save_package(
        actor=admin_user,
        name="1 Day",
        price=Decimal("1000"),
        validity_seconds=86400,
        sites=[router.site],
    )
    batch = services.request_batch(
        actor=None,
        package=package,
        router=router,
        quantity=2,
        preapproved=True,
        agent=users[Role.AGENT],
    )
    services.generate_batch(batch)
    return batch


@pytest.mark.django_db
def test_card_template_preview_and_cards_fetch_nothing(
    client, api, users, evil, listener, sample_batch
):
    from erp.vouchers import services
    from erp.vouchers.models import Voucher

    template = services.save_card_template(
        actor=users[Role.SUPER_ADMIN], name="Evil", body="{{ code }}" + evil, is_active=True
    )
    client.force_login(users[Role.SUPER_ADMIN])
    preview = client.get(f"/vouchers/cardtemplate/{template.pk}/preview/")
    assert preview.status_code == 200
    assert_nothing_fetched(preview.content, listener)

    voucher = Voucher.objects.filter(batch=sample_batch).first()
    cards = api(users[Role.AGENT]).post(
        "/api/v1/vouchers/cards/", {"vouchers": [str(voucher.pk)]}, format="json"
    )
    assert cards.status_code == 200, cards.content[:300]
    assert_nothing_fetched(cards.content, listener)
    assert voucher.code in PdfReader(io.BytesIO(cards.content)).pages[0].extract_text().replace(
        " ", ""
    )


def test_receipt_pdf_fetches_nothing(monkeypatch, evil, listener):
    from erp.sales import receipts

    monkeypatch.setattr(receipts, "receipt_html", lambda sale, layout: f"<pre>x</pre>{evil}")
    assert_nothing_fetched(receipts.receipt_pdf(None), listener)


def test_labels_pdf_fetches_nothing(monkeypatch, evil, listener):
    from erp.assets import labels

    monkeypatch.setattr(labels, "labels_html", lambda assets, base_url="": evil)
    assert_nothing_fetched(labels.labels_pdf([]), listener)


def test_report_pdf_fetches_nothing(monkeypatch, evil, listener):
    from analytics import exports
    from analytics.reports import Column, Report, Section

    monkeypatch.setattr(exports, "render_to_string", lambda name, context: evil)
    report = Report(
        key="expenses",
        title="Expenses",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 1),
        sections=[Section("Expenses", [Column("Payee")], [["x"]])],
    )
    assert_nothing_fetched(exports.pdf(report), listener)
