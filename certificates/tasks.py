"""Certificate jobs (thin: the work is in services): render a PDF after issue, and re-run
renders that never finished."""

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

from certificates.selectors import certificates_missing_pdf
from certificates.services import certificate_pdf_store
from core.jobs import enqueue_on_commit

RENDER_GRACE = dt.timedelta(minutes=10)


@shared_task(
    name="certificates.render_pdf",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def render_certificate_pdf(certificate_id: int) -> None:
    """Render and store a certificate's PDF; does nothing when it is already stored."""
    certificate_pdf_store(certificate_id=certificate_id)


@shared_task(name="certificates.render_missing_pdfs")
def render_missing_pdfs() -> int:
    """Queue a render for certificates issued a while ago that still have no PDF."""
    missing = certificates_missing_pdf(older_than=RENDER_GRACE)
    for certificate_id in missing:
        enqueue_on_commit(render_certificate_pdf, certificate_id)
    return len(missing)
