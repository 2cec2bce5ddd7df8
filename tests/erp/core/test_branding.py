"""What the organisation hands out carries its name: receipts, voucher cards, asset labels and
report PDFs show ORGANISATION_NAME; every e-mail has it in the subject and ends signed with
the product's and the organisation's names (erp.core.branding)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from erp.accounts.roles import Role
from erp.core import branding

ORG = "Kilimo WiFi Ltd"
FOOTER = f"— ViorNet, {ORG}"


@pytest.fixture(autouse=True)
def organisation(settings):
    settings.ORGANISATION_NAME = ORG
    settings.ERP_SITE_TITLE = "ViorNet"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- the helpers ------------------------------------------------------------------------------
def test_signature_subject_and_footer(settings):
    assert branding.signature() == f"ViorNet, {ORG}"
    assert branding.email_subject("Warranties") == f"[{ORG}] Warranties"
    assert branding.email_subject(f"{ORG}: Sales") == f"{ORG}: Sales"  # not twice
    assert branding.email_body("Hello.\n\n") == f"Hello.\n\n{FOOTER}\n"
    settings.ORGANISATION_NAME = "ViorNet"  # an install that did not set its own name
    assert branding.signature() == "ViorNet"
    assert branding.email_body("Hello.").endswith("\n\n— ViorNet\n")


# --- printouts --------------------------------------------------------------------------------
@pytest.fixture
def stock(agent_with_stock):
    """An agent holding five 1 Hour vouchers at a site."""
    return agent_with_stock


@pytest.mark.django_db
def test_receipt_shows_the_organisation(stock):
    from erp.sales import receipts, services

    sale, _ = services.sell(
        seller=stock["agent"],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=stock["package"],
    )
    lines = receipts.receipt_lines(sale, width=32)
    assert lines[0] == ORG.center(32) and lines[1] == sale.site.name.center(32)
    text = _text(receipts.receipt_pdf(sale, layout="58mm"))
    assert ORG in text and sale.voucher.code in text


@pytest.mark.django_db
def test_a_long_organisation_name_is_wrapped_on_the_receipt_not_cut(stock, settings):
    from erp.sales import receipts, services

    settings.ORGANISATION_NAME = "Kilimo Wireless Internet Services Company Ltd"
    sale, _ = services.sell(
        seller=stock["agent"],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=stock["package"],
    )
    lines = receipts.receipt_lines(sale, width=32)
    assert [line.strip() for line in lines[:2]] == [
        "Kilimo Wireless Internet",
        "Services Company Ltd",
    ]
    assert all(len(line) <= 32 for line in lines)


@pytest.mark.django_db
@pytest.mark.parametrize("layout,pages", [("a4", 1), ("58mm", 5), ("80mm", 5)])
def test_voucher_cards_show_the_organisation(stock, layout, pages):
    from erp.vouchers.printing import cards_pdf

    vouchers = list(stock["batch"].vouchers.select_related("package", "site").order_by("code"))
    pdf = cards_pdf(vouchers, layout=layout)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages  # one card a page on a roll: the name did not overflow
    for page, voucher in zip(reader.pages, vouchers if layout != "a4" else [], strict=False):
        assert ORG in page.extract_text() and voucher.code in page.extract_text()
    assert _text(pdf).count(ORG) == 5


@pytest.mark.django_db
def test_a_card_template_may_show_the_organisation(stock):
    from erp.vouchers.card_templates import check_card_template
    from erp.vouchers.printing import cards_html

    body = "<p>{{ organisation }}</p><p>{{ code }}</p>"
    check_card_template(body)
    vouchers = list(stock["batch"].vouchers.select_related("package", "site"))
    assert cards_html(vouchers, template_body=body).count(f"<p>{ORG}</p>") == 5


@pytest.mark.django_db
def test_asset_labels_show_the_organisation(users, asset_types):
    from erp.assets.labels import labels_pdf
    from erp.assets.services import create_asset

    asset = create_asset(
        actor=users[Role.SUPER_ADMIN],
        asset_type=asset_types["router"],
        site=None,
        reason="",
        serial_number="LBL-ORG-1",
        model="hAP ax2",
        vendor="MikroTik",
        purchase_cost=Decimal("150000.00"),
        purchase_date=dt.date(2026, 1, 10),
    )
    text = _text(labels_pdf([asset], base_url="http://127.0.0.1:8000/"))
    assert ORG in text and "LBL-ORG-1" in text


@pytest.mark.django_db
def test_report_pdf_header_names_the_organisation(users):
    from analytics import exports, reports

    today = timezone.localdate()
    report = reports.build_report(
        "expenses", actor=users[Role.FINANCE], start=today, end=today + dt.timedelta(days=1)
    )
    reader = PdfReader(io.BytesIO(exports.pdf(report)))
    first = reader.pages[0].extract_text()
    assert f"{ORG} — {report.title}" in first  # the heading
    assert f"{ORG} · {report.title}" in first  # the running header of every page


# --- e-mails ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_warranty_notice_email(users, asset_types, make_user, mailoutbox):
    from erp.assets.services import create_asset, notify_warranty_ending

    tech = make_user(Role.TECHNICAL, username="asha", email="asha@example.com")
    today = dt.date(2026, 11, 23)
    create_asset(
        actor=tech,
        asset_type=asset_types["router"],
        site=None,
        reason="",
        serial_number="SOON-1",
        purchase_cost=Decimal("1"),
        purchase_date=dt.date(2026, 1, 10),
        warranty_end=today,
    )
    assert notify_warranty_ending(today=today, days=30) == 1
    [mail] = mailoutbox
    assert mail.to == ["asha@example.com"]
    assert mail.subject == f"[{ORG}] Warranties ending soon"
    assert "SOON-1" in mail.body and mail.body.endswith(f"\n\n{FOOTER}\n")


@pytest.mark.django_db
def test_sla_escalation_email(users, make_site, mailoutbox, django_capture_on_commit_callbacks):
    from erp.maintenance.services import escalate_fault, report_fault

    admin = users[Role.SUPER_ADMIN]
    admin.email = "boss@example.com"
    admin.save()
    fault = report_fault(
        actor=admin,
        site=make_site(name="Kigamboni"),
        description="Mast down",
        severity="critical",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_fault(fault=fault, url="/faults/1/")
    [mail] = mailoutbox
    assert mail.subject.startswith(f"[{ORG}] SLA missed") and "Kigamboni" in mail.subject
    assert "/faults/1/" in mail.body and mail.body.endswith(f"\n\n{FOOTER}\n")


@pytest.mark.django_db
def test_scheduled_export_email(users, settings, tmp_path, mailoutbox):
    from analytics import services

    settings.MEDIA_ROOT = tmp_path
    finance = users[Role.FINANCE]
    schedule = services.save_schedule(
        actor=finance,
        report="expenses",
        frequency="daily",
        format="pdf",
        recipients="a@example.com",
    )
    services.run_schedule(schedule_id=schedule.pk, today=dt.date(2026, 11, 24))
    [mail] = mailoutbox
    assert mail.subject.startswith(f"{ORG}: ")
    assert f"Sent by {ORG} because" in mail.body and mail.body.endswith(f"\n\n{FOOTER}\n")
    [(name, content, mimetype)] = mail.attachments
    assert mimetype == "application/pdf" and ORG in _text(content)


@pytest.mark.django_db
def test_the_receipt_tells_the_time_of_its_site(stock):
    """A sale at a site in Dakar (UTC) is printed at Dakar's hour, not the server's (UTC+3)."""
    from erp.sales import receipts, services

    site = stock["site"]
    site.time_zone = "Africa/Dakar"
    site.save(update_fields=["time_zone"])
    sale, _ = services.sell(
        seller=stock["agent"],
        idempotency_key=uuid.uuid4(),
        payment_method="cash",
        package=stock["package"],
    )
    text = "\n".join(receipts.receipt_lines(sale, width=40))
    dakar = sale.sold_at.astimezone(dt.UTC)
    dar = timezone.localtime(sale.sold_at)
    assert f"{dakar:%Y-%m-%d %H:%M}" in text
    assert f"{dar:%H:%M}" not in text
