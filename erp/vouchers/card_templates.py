"""Card templates (a Super Admin's HTML for the printed voucher card): the engine they render
with and the check a template must pass before it is saved. Apart from printing so the model
can validate a template without importing what renders cards."""

from __future__ import annotations

from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _

_ENGINE = None
SAMPLE_CARD = {
    "organisation": "Sample WiFi Ltd",
    "code": "7KQ2M9XHT4A",
    "password": "",
    "site": "Kariakoo Market",
    "package": "1 Day",
    "price": "TSh\u00a01,000",
    "validity": "1 d",
    "qr": "",
}


def card_engine():
    """A bare engine: no loaders (no {% include %} of files), only the built-in tags."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine(loaders=[], autoescape=True)
    return _ENGINE


def check_card_template(body: str) -> None:
    """Compile and render the template on a sample card; ValueError says what is wrong."""
    if len(body) > 20_000:
        raise ValueError(_("A card template is at most 20,000 characters."))
    try:
        html = card_engine().from_string(body).render(Context({**SAMPLE_CARD, "qr": "data:,"}))
    except TemplateSyntaxError as exc:
        raise ValueError(_("The template does not compile: %(error)s") % {"error": exc}) from None
    except Exception as exc:  # noqa: BLE001 - any failure to render is the template's
        raise ValueError(
            _("The template does not render: %(error)s") % {"error": type(exc).__name__}
        ) from None
    if "7KQ2M9XHT4A" not in html:
        raise ValueError(_("The card must show the code: put {{ code }} in it."))
