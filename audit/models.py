"""Anomaly flags: what the daily rules found, shown to the programme's officers with the reason.

A flag is never deleted (a PostgreSQL trigger refuses it); an officer clears it with a note.
At most one open flag per rule and subject (a partial unique index): the daily run updates
the open flag's reason and `last_seen_at` instead of adding another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from enrolments.models import Enrolment
from providers.models import Provider
from wallets.models import FundingProgramme


class AnomalyFlag(models.Model):
    class Rule(models.TextChoices):
        CLAIMS_JUMP = "claims_jump", "Milestone claims well above the provider's usual rate"
        UNCONFIRMED_START = "unconfirmed_start", "Start recorded without learner confirmation"
        SHARED_ADDRESS = "shared_address", "Many enrolments from one address or device"
        LOW_ATTENDANCE_COMPLETION = (
            "low_attendance_completion",
            "Completion with very low attendance",
        )
        NEVER_SIGNED_IN = "never_signed_in", "Learner never signed in after enrolling"
        WITHDRAWAL_AFTER_PAYMENT = (
            "withdrawal_after_payment",
            "Repeated withdrawals just after a milestone pays",
        )
        REJECTED_OUTCOME = "rejected_outcome", "Outcome rejected by the funder"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLEARED = "cleared", "Cleared by an officer"

    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.PROTECT, related_name="anomaly_flags"
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(max_length=32, choices=Rule.choices)
    subject = models.CharField(
        max_length=120,
        help_text="What the flag is about, e.g. provider:3, enrolment:42, ip:<hash>.",
    )
    reason = models.TextField(help_text="Why it was raised, with the figures.")
    figures = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "rule", "subject"],
                condition=models.Q(status="open"),
                name="one_open_flag_per_rule_and_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", cleared_at__isnull=True)
                | models.Q(status="cleared", cleared_at__isnull=False, cleared_by__isnull=False)
                & ~models.Q(clear_note=""),
                name="anomaly_flag_cleared_with_note",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status", "-last_seen_at"], name="flag_list_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject} ({self.status})"
