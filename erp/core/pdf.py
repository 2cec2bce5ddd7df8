"""HTML to PDF, fetching nothing.

Every printout (voucher cards and card-template previews, receipts, asset labels, report PDFs)
goes through `render_pdf`. Some of the HTML holds text a user wrote (a card template is HTML a
Super Admin writes; names, notes and payees are everywhere), and WeasyPrint would otherwise
fetch whatever the HTML names: `file:///proc/self/environ` embedded as an attachment, an
`<img>` or `@import` on the server's network. So the URL fetcher allows `data:` URIs only —
the QR codes are inline PNG data and the templates use no static files — and refuses every
other scheme before anything is opened. A refused resource is simply left out of the PDF.
"""

from __future__ import annotations

import functools
import re

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
ALLOWED_SCHEMES = frozenset({"data"})


class RefusedURL(ValueError):
    """A printout named a resource other than inline data; nothing was fetched."""


@functools.cache
def _fetcher_class():
    # WeasyPrint needs Pango, which only printing needs: loaded on the first PDF.
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    class DataOnlyURLFetcher(URLFetcher):
        """WeasyPrint's fetcher restricted to `data:` URIs; any other URL raises before it is
        opened (WeasyPrint logs the refusal and leaves the resource out)."""

        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False)

        def fetch(self, url, headers=None):  # noqa: ANN001, ANN201 - WeasyPrint's signature
            match = _SCHEME.match(url or "")
            if match is None or match[1].lower() not in ALLOWED_SCHEMES:
                raise RefusedURL("Printouts may only use inline data: resources.")
            return super().fetch(url, headers)

    return DataOnlyURLFetcher


def safe_url_fetcher():
    """A fresh WeasyPrint URL fetcher that serves `data:` URIs and refuses everything else."""
    return _fetcher_class()()


def render_pdf(html: str) -> bytes:
    """The HTML laid out as PDF with `safe_url_fetcher` and no base URL (so a relative link
    cannot resolve to a file either)."""
    from weasyprint import HTML  # noqa: PLC0415 (see _fetcher_class)

    return HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()
