"""The certificate PDF: WeasyPrint renders templates/certificates/certificate.html with the
fonts shipped in static/fonts/ and the QR code drawn inline as SVG.

Nothing is fetched over the network: the URL fetcher serves `data:` URLs and files under
static/fonts/ only, and any other URL stops the rendering (a certificate is never rendered
with a missing font or image). Rendering is slow and runs in a task after commit
(certificates/tasks.py), never in a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from certificates.models import Certificate
from certificates.openbadges import verification_url

TEMPLATE = "certificates/certificate.html"


def fonts_dir() -> Path:
    return (Path(settings.BASE_DIR) / "static" / "fonts").resolve()


class ResourceRefused(ValueError):
    """A URL the certificate template may not load (remote, or a file outside static/fonts)."""


class LocalFilesOnlyFetcher(URLFetcher):
    """Serves `data:` URLs and the shipped fonts; refuses everything else, fatally."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file"), fail_on_errors=True, timeout=1)

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if not (path.is_relative_to(fonts_dir()) and path.is_file()):
                raise ResourceRefused(f"Only the shipped fonts may be loaded, not {url!r}.")
        elif scheme != "data":
            raise ResourceRefused(f"The certificate loads nothing over the network: {url!r}.")
        return super().fetch(url, headers)


def qr_svg(url: str) -> str:
    """The QR code for `url` as inline SVG (error correction M, the standard quiet zone)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")


def render_html(html: str, *, identifier: str) -> bytes:
    """PDF bytes for `html` whose relative URLs resolve in static/fonts/."""
    document = HTML(
        string=html,
        base_url=fonts_dir().as_uri() + "/",
        url_fetcher=LocalFilesOnlyFetcher(),
    )
    pdf: bytes = document.write_pdf(
        font_config=FontConfiguration(),
        pdf_identifier=identifier.encode(),
    )
    return pdf


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    url = verification_url(certificate)
    html = render_to_string(
        TEMPLATE,
        {
            "certificate": certificate,
            "verification_url": url,
            "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308 (segno's own SVG, no user input)
            "issuer_name": settings.CERTIFICATE_ISSUER_NAME,
        },
    )
    return render_html(html, identifier=certificate.verification_id.hex)
