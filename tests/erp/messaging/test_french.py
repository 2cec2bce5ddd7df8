"""French SMS texts: every seeded template has one, with known placeholders only, and stays
GSM-7 (one ç or ê would double the parts); a client whose language is French gets it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from erp.messaging import encoding, services
from erp.messaging.models import Template
from erp.messaging.rendering import placeholders_in, render

SEEDED = [
    "sale-receipt",
    "access-ending",
    "offer",
    "fault-reported",
    "fault-closed",
    "remittance-receipt",
    "portal-code",
]


@pytest.mark.django_db
def test_every_seeded_template_has_a_gsm7_french_text():
    templates = {t.code: t for t in Template.objects.filter(code__in=SEEDED)}
    assert sorted(templates) == sorted(SEEDED)
    for code, template in templates.items():
        text = template.text_for("fr")
        assert text and text == template.text_fr != template.text_en, code
        names = placeholders_in(text)
        assert set(names) == set(placeholders_in(template.text_en)), code
        rendered = render(text, dict.fromkeys(names, "Asha"))
        assert encoding.count(rendered).encoding == encoding.GSM7, code
        # money placeholders carry their currency: no seeded text writes it before them
        for field in ("text_en", "text_sw", "text_fr"):
            assert "TSh {" not in getattr(template, field), (code, field)


@pytest.mark.django_db
def test_a_french_preview_and_a_template_without_french_falls_back_to_english(admin_user):
    receipt = Template.objects.get(code="sale-receipt")
    shown = services.preview(template=receipt, language="fr", values={"client_name": "Awa"})
    assert shown["text"].startswith("Merci Awa !")
    plain = services.save_template(
        actor=admin_user, code="plain", name="Plain", kind="marketing", text_en="Hello {site}"
    )
    assert plain.text_for("fr") == "Hello {site}"
    with pytest.raises(ValidationError, match="nope"):
        services.save_template(actor=admin_user, template=plain, text_fr="Bonjour {nope}")
