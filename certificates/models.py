"""Certificates: what a provider certified about a completed enrolment, frozen at issue.

A certificate copies what it says (learner name, course, provider and UKPRN, dates, skills)
from the enrolment when it is issued, so later edits to a course or a name never change a
certificate someone already holds; a correction is a new version (docs/certificates.md).
Certificates are never deleted: revoked and superseded ones stay, and say so.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from enrolments.models import Enrolment
from providers.models import Provider


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        REVOKED = "revoked", "Revoked"
        SUPERSEDED = "superseded", "Superseded by a newer version"

    # The public identifier: random (122 bits), never the primary key, never reused.
    verification_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="certificates")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="certificates")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)

    # What the certificate says, copied at issue.
    learner_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    course_level = models.PositiveSmallIntegerField()
    guided_learning_hours = models.PositiveIntegerField()
    skills = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    provider_name = models.CharField(max_length=200)
    provider_ukprn = models.CharField("UKPRN", max_length=8)
    cohort_start_date = models.DateField()
    cohort_end_date = models.DateField()
    completed_on = models.DateField()
    grade = models.CharField(max_length=100, blank=True)

    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A new version after a correction points to the one it replaces.
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    reissue_reason = models.CharField(max_length=500, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revocation_reason = models.CharField(max_length=500, blank=True)

    # The Open Badges 3.0 credential, signed at issue (certificates/openbadges.py).
    credential_jwt = models.TextField()
    # The PDF, rendered once after commit by a task; the download is always this file.
    pdf = models.FileField(upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        permissions = [("revoke_certificate", "Can revoke a certificate")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(status="valid"),
                name="one_valid_certificate_per_enrolment",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "version"], name="certificate_version_unique"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="revoked", revoked_at__isnull=False)
                    & ~models.Q(revocation_reason="")
                )
                | (~models.Q(status="revoked") & models.Q(revoked_at__isnull=True)),
                name="certificate_revoked_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="superseded", superseded_at__isnull=False)
                | (~models.Q(status="superseded") & models.Q(superseded_at__isnull=True)),
                name="certificate_superseded_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(pdf="", pdf_sha256="")
                | (~models.Q(pdf="") & models.Q(pdf_sha256__regex=r"^[0-9a-f]{64}$")),
                name="certificate_pdf_has_hash",
            ),
        ]
        indexes = [models.Index(fields=["provider", "status"])]

    def __str__(self) -> str:
        return f"{self.learner_name}: {self.course_title} (v{self.version}, {self.status})"

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.verification_id}"
