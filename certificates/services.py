"""Every write in certificates/: issue (one or a cohort's), re-issue after a correction,
revoke, and store the rendered PDF.

Issuing locks the enrolment row, so two requests for one enrolment issue once; PostgreSQL
keeps one valid certificate per enrolment whatever happens (a partial unique index). The PDF
is rendered by a task after commit, never in the request.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from certificates.errors import (
    CertificateExists,
    CertificateNotValid,
    CertificateUnchanged,
    EnrolmentNotCompleted,
    LearnerNameMissing,
)
from certificates.models import Certificate
from certificates.openbadges import credential_sign
from certificates.pdf import certificate_pdf_bytes
from core.errors import Forbidden, InvalidInput
from core.jobs import enqueue_on_commit
from core.models import Skill
from courses.models import Cohort
from enrolments.models import Enrolment
from providers.errors import ProviderNotActive
from providers.models import Provider, ProviderMembership
from users.models import User

logger = logging.getLogger(__name__)

COMPLETED = (Enrolment.Status.COMPLETED, Enrolment.Status.OUTCOME_RECORDED)
REASON_MAX = 500
GRADE_MAX = 100
# What a certificate says, copied from the enrolment (a re-issue compares these).
SNAPSHOT_FIELDS = (
    "learner_name",
    "course_title",
    "course_level",
    "guided_learning_hours",
    "skills",
    "provider_name",
    "provider_ukprn",
    "cohort_start_date",
    "cohort_end_date",
    "completed_on",
)


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_detail = f"Give a reason (1 to {REASON_MAX} characters)."


class InvalidGrade(InvalidInput):
    code = "invalid_grade"
    default_detail = f"A grade is at most {GRADE_MAX} characters."


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ReasonRequired()
    return reason


def _grade(grade: str) -> str:
    grade = (grade or "").strip()
    if len(grade) > GRADE_MAX:
        raise InvalidGrade()
    return grade


def _require_provider_member(actor: User, provider_id: int) -> None:
    # Defence in depth behind the views' scoping (which answers 404 first).
    if not ProviderMembership.objects.filter(user=actor, provider_id=provider_id).exists():
        raise Forbidden("Only the provider's people can issue or change its certificates.")


def _require_provider_active(provider: Provider) -> None:
    # A suspended provider is frozen: it certifies nothing until reinstated.
    if provider.status != Provider.Status.APPROVED:
        raise ProviderNotActive(provider_status=provider.status)


def _lock_enrolment(enrolment_id: int) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort__course__provider", "learner")
        .get(pk=enrolment_id)
    )


def _snapshot(enrolment: Enrolment) -> dict[str, Any]:
    """What the certificate will say, or a refusal when the enrolment cannot be certified."""
    if enrolment.status not in COMPLETED or enrolment.completed_at is None:
        raise EnrolmentNotCompleted(status=enrolment.status)
    name = " ".join(enrolment.learner.full_name.split())
    if not name:
        raise LearnerNameMissing()
    course = enrolment.cohort.course
    names = dict(Skill.objects.filter(slug__in=course.skills).values_list("slug", "name"))
    return {
        "learner_name": name,
        "course_title": course.title,
        "course_level": course.level,
        "guided_learning_hours": course.guided_learning_hours,
        "skills": [names.get(slug, slug) for slug in course.skills],
        "provider_name": course.provider.display_name,
        "provider_ukprn": course.provider.ukprn,
        "cohort_start_date": enrolment.cohort.start_date,
        "cohort_end_date": enrolment.cohort.end_date,
        "completed_on": timezone.localdate(enrolment.completed_at),
    }


def _create(
    *,
    actor: User,
    enrolment: Enrolment,
    snapshot: dict[str, Any],
    grade: str,
    supersedes: Certificate | None = None,
    reissue_reason: str = "",
) -> Certificate:
    latest = enrolment.certificates.order_by("-version").values_list("version", flat=True).first()
    certificate = Certificate(
        enrolment=enrolment,
        provider=enrolment.cohort.course.provider,
        version=(latest or 0) + 1,
        grade=grade,
        # Whole seconds: the credential's `nbf` claim and `validFrom` must be equal.
        issued_at=timezone.now().replace(microsecond=0),
        issued_by=actor,
        supersedes=supersedes,
        reissue_reason=reissue_reason,
        **snapshot,
    )
    certificate.credential_jwt = credential_sign(certificate)
    certificate.save()
    # Import here: tasks.py imports this module for the work it runs.
    from certificates.tasks import render_certificate_pdf

    enqueue_on_commit(render_certificate_pdf, certificate.pk)
    return certificate


def certificate_issue(*, actor: User, enrolment: Enrolment, grade: str = "") -> Certificate:
    """Provider staff certify a completed enrolment: one valid certificate per enrolment.

    Locks the enrolment row. The PDF is rendered after commit.
    """
    grade = _grade(grade)
    with transaction.atomic():
        enrolment = _lock_enrolment(enrolment.pk)
        provider = enrolment.cohort.course.provider
        _require_provider_member(actor, provider.pk)
        _require_provider_active(provider)
        snapshot = _snapshot(enrolment)
        current = enrolment.certificates.filter(status=Certificate.Status.VALID).first()
        if current is not None:
            raise CertificateExists(verification_id=str(current.verification_id))
        return _create(actor=actor, enrolment=enrolment, snapshot=snapshot, grade=grade)


@dataclass
class CohortIssue:
    issued: list[Certificate] = field(default_factory=list)
    # Completed enrolments not certified now, with the code that says why.
    skipped: list[tuple[Enrolment, str]] = field(default_factory=list)


def certificates_issue_for_cohort(*, actor: User, cohort: Cohort) -> CohortIssue:
    """Certify every completed enrolment of a cohort that has no valid certificate yet.

    Those already certified, or whose learner has no name on record, are skipped and
    reported; running it again issues nothing twice. Grades are given one by one
    (`certificate_issue`). Locks the enrolment rows in id order.
    """
    result = CohortIssue()
    with transaction.atomic():
        provider = Provider.objects.get(pk=cohort.course.provider_id)
        _require_provider_member(actor, provider.pk)
        _require_provider_active(provider)
        enrolments = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("cohort__course__provider", "learner")
            .filter(cohort=cohort, status__in=COMPLETED)
            .order_by("pk")
        )
        for enrolment in enrolments:
            if enrolment.certificates.filter(status=Certificate.Status.VALID).exists():
                result.skipped.append((enrolment, CertificateExists.code))
                continue
            try:
                snapshot = _snapshot(enrolment)
            except (EnrolmentNotCompleted, LearnerNameMissing) as refusal:
                result.skipped.append((enrolment, refusal.code))
                continue
            result.issued.append(
                _create(actor=actor, enrolment=enrolment, snapshot=snapshot, grade="")
            )
    return result


def certificate_reissue(
    *, actor: User, certificate: Certificate, reason: str, grade: str | None = None
) -> Certificate:
    """A new version after a correction (the learner's name, usually): the old one is marked
    superseded and points to the new one. Refused when nothing would change.

    Locks the enrolment row, then the certificate's.
    """
    reason = _reason(reason)
    with transaction.atomic():
        enrolment = _lock_enrolment(certificate.enrolment_id)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        _require_provider_member(actor, old.provider_id)
        _require_provider_active(enrolment.cohort.course.provider)
        if old.status != Certificate.Status.VALID:
            raise CertificateNotValid(status=old.status)
        snapshot = _snapshot(enrolment)
        new_grade = old.grade if grade is None else _grade(grade)
        unchanged = all(getattr(old, name) == value for name, value in snapshot.items())
        if unchanged and new_grade == old.grade:
            raise CertificateUnchanged()
        old.status = Certificate.Status.SUPERSEDED
        old.superseded_at = timezone.now()
        old.save(update_fields=["status", "superseded_at"])
        return _create(
            actor=actor,
            enrolment=enrolment,
            snapshot=snapshot,
            grade=new_grade,
            supersedes=old,
            reissue_reason=reason,
        )


def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a valid certificate, with a reason shown to anyone who checks it. The
    provider's people or platform staff only; nothing is deleted. Locks the certificate row."""
    reason = _reason(reason)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not actor.is_staff:
            _require_provider_member(actor, locked.provider_id)
        if locked.status != Certificate.Status.VALID:
            raise CertificateNotValid(status=locked.status)
        locked.status = Certificate.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revocation_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    return locked


def certificate_pdf_store(*, certificate_id: int) -> Certificate | None:
    """Render a certificate's PDF and keep it with its SHA-256, once.

    Rendering and the file write happen outside any transaction; the row is then updated
    only if it still has no PDF, so a second run (a retried task) keeps the first file and
    the download stays byte-identical for ever.
    """
    certificate = (
        Certificate.objects.select_related("enrolment__cohort").filter(pk=certificate_id).first()
    )
    if certificate is None or certificate.pdf:
        return certificate
    data = certificate_pdf_bytes(certificate)
    name = default_storage.save(
        f"certificates/{certificate.verification_id}.pdf", ContentFile(data)
    )
    stored = Certificate.objects.filter(pk=certificate.pk, pdf="").update(
        pdf=name, pdf_sha256=hashlib.sha256(data).hexdigest(), pdf_rendered_at=timezone.now()
    )
    if not stored:
        default_storage.delete(name)  # another run stored its file first; keep that one
    certificate.refresh_from_db()
    return certificate
