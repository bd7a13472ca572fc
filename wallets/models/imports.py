"""Bulk grant imports at region scale: a file (or a rule) staged, validated, then posted.

`GrantImport` is the job and its checkpoint; `GrantImportRow` is the staging table the file
is copied into (PostgreSQL COPY) and validated in, set-based, before any money moves.
See wallets/services/imports.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from wallets.models.programmes import FundingProgramme


class GrantImport(models.Model):
    class Source(models.TextChoices):
        FILE = "file", "CSV file"
        RULE = "rule", "Every eligible applicant of a region"

    class Status(models.TextChoices):
        VALIDATING = "validating", "Validating"
        INVALID = "invalid", "Invalid (nothing granted)"
        POSTING = "posting", "Posting"
        STOPPED = "stopped", "Stopped (can be resumed)"
        DONE = "done", "Done"
        CANCELLING = "cancelling", "Cancelling"
        CANCELLED = "cancelled", "Cancelled (every grant reversed)"

    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.PROTECT, related_name="grant_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    filename = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALIDATING)
    status_reason = models.CharField(max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first errors, by line.")
    total_amount = models.BigIntegerField(default=0)
    # The checkpoint: rows with a line up to `posted_through` are posted (or were skipped).
    posted_through = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    posted_amount = models.BigIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    # Cancelling walks the posted rows again; rows up to `reversed_through` are reversed.
    reversed_through = models.PositiveIntegerField(default=0)
    rows_reversed = models.PositiveIntegerField(default=0)
    reversed_amount = models.BigIntegerField(default=0)
    posting_started_at = models.DateTimeField(null=True, blank=True)
    posting_seconds = models.FloatField(default=0, help_text="Time spent posting, all runs.")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["programme", "-id"])]

    def __str__(self) -> str:
        return f"Grant import {self.pk} ({self.status})"


class GrantImportRow(models.Model):
    """One line of an import: staged by COPY, validated set-based, posted in batches."""

    grant_import = models.ForeignKey(GrantImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    email = models.CharField(max_length=254, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    learner_id = models.BigIntegerField(null=True, blank=True)
    application_id = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant_import", "line"], name="grant_import_row_line")
        ]

    def __str__(self) -> str:
        return f"Line {self.line} of import {self.grant_import_id}"
