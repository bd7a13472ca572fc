"""Demo certificate: the learner who completed the Software Testing bootcamp holds one.
Idempotent; the PDF renders at commit (inline without Redis)."""

from __future__ import annotations

from certificates.models import Certificate
from certificates.openbadges import verification_url
from certificates.services import certificate_issue
from demo.people import DEMO_DOMAIN
from enrolments.models import Enrolment
from users.models import User


def load_certificates(users: dict[str, User]) -> Certificate | None:
    """Certify the demo's completed enrolment once; returns its certificate."""
    enrolment = (
        Enrolment.objects.filter(
            learner__email__endswith=f"@{DEMO_DOMAIN}", status=Enrolment.Status.COMPLETED
        )
        .order_by("pk")
        .first()
    )
    if enrolment is None:
        return None
    existing = enrolment.certificates.order_by("-version").first()
    if existing is not None:
        return existing
    return certificate_issue(actor=users["provider_staff"], enrolment=enrolment, grade="Merit")


def certificate_line(certificate: Certificate) -> str:
    return (
        f"Certificate of {certificate.learner_name} ({certificate.course_title}): "
        f"{verification_url(certificate)}"
    )
