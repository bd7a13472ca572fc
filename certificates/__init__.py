"""Certificates for completed enrolments: issuing, the PDF, public verification, Open Badges 3.0
credentials and revocation (docs/certificates.md)."""
