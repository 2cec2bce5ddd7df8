"""The product's own face: its name (ERP_SITE_TITLE), the organisation running it
(ORGANISATION_NAME), its colours, and what e-mails and printouts say about both.

Read from settings on each call (tests and a reconfigured install change them); nothing here
touches the database, so the 500 page can use it too.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import lazy

PRIMARY_COLOR = "#0d47a1"
SECONDARY_COLOR = "#00897b"


def product_name() -> str:
    return settings.ERP_SITE_TITLE


def organisation_name() -> str:
    return settings.ORGANISATION_NAME


# For names set once at import (the admin's header, viewflow's site title): read when shown.
product_name_lazy = lazy(product_name, str)


def signature() -> str:
    """ "ViorNet, Kilimo WiFi Ltd"; only the one name when the organisation is the product."""
    product, organisation = product_name(), organisation_name()
    if not organisation or organisation == product:
        return product
    return f"{product}, {organisation}"


def email_subject(subject: str) -> str:
    """The subject with the organisation in front, as "[Kilimo WiFi Ltd] …" (once)."""
    organisation = organisation_name()
    subject = str(subject)
    if not organisation or subject.startswith((organisation, f"[{organisation}]")):
        return subject
    return f"[{organisation}] {subject}"


def email_body(body: str) -> str:
    """The body with the footer every e-mail ends with: "— ViorNet, Kilimo WiFi Ltd"."""
    return f"{str(body).rstrip()}\n\n— {signature()}\n"
