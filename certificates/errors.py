"""Domain errors of certificates/ (stable codes)."""

from core.errors import Conflict, DomainError, InvalidInput


class EnrolmentNotCompleted(DomainError):
    code = "enrolment_not_completed"
    default_detail = "A certificate is issued only for a completed enrolment."


class CertificateExists(Conflict):
    code = "certificate_exists"
    default_detail = "This enrolment already has a valid certificate; re-issue it to correct it."


class LearnerNameMissing(DomainError):
    code = "learner_name_missing"
    default_detail = "The learner has no name on their account; a certificate needs one."


class CertificateNotValid(Conflict):
    code = "certificate_not_valid"
    default_detail = "Only a valid (current, not revoked) certificate can be changed."


class CertificateUnchanged(DomainError):
    code = "certificate_unchanged"
    default_detail = (
        "Nothing on the certificate would change; a new version is issued only after a "
        "correction (for example to the learner's name)."
    )


class PdfNotReady(Conflict):
    code = "certificate_pdf_pending"
    default_detail = "The PDF is still being rendered; try again in a few seconds."


class UploadTooLarge(InvalidInput):
    code = "file_too_large"
    default_detail = "The file is larger than a certificate PDF can be."


class UploadNotPdf(InvalidInput):
    code = "not_a_pdf"
    default_detail = "The file is not a PDF."
