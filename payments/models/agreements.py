"""Repayment agreements and what happens under them: the disclosure the learner signs,
income declarations (with optional evidence), monthly assessments and the charges they raise.

Agreement states: draft (disclosure issued) → signed → active (deferred part drawn into the
enrolment's hold) → repaying → closed (cap, balance or payments reached) or written_off
(term ended); superseded (a newer disclosure replaced it before activation) and cancelled
(nothing was paid out of the deferred part) end an agreement that owes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from enrolments.models import Enrolment
from payments.models.deferrals import ProgrammeDeferral
from payments.models.plans import RepaymentPlan
from wallets.models import LedgerAccount, LedgerTransaction


class RepaymentAgreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Disclosure issued, awaiting signature"
        SIGNED = "signed", "Signed, awaiting acceptance of the place"
        ACTIVE = "active", "Deferred part drawn; course under way"
        REPAYING = "repaying", "In repayment"
        CLOSED = "closed", "Closed: nothing more to pay"
        WRITTEN_OFF = "written_off", "Term ended: the rest written off"
        SUPERSEDED = "superseded", "Replaced by a newer disclosure"
        CANCELLED = "cancelled", "Cancelled: nothing owed"

    class CloseReason(models.TextChoices):
        CAP_REACHED = "cap_reached", "The cap (or the balance) was reached"
        PAYMENTS_COMPLETE = "payments_complete", "The maximum number of payments was made"
        TERM_ENDED = "term_ended", "The term ended"
        NOTHING_OWED = "nothing_owed", "Nothing of the deferred part was paid out"

    LIVE = (Status.SIGNED, Status.ACTIVE, Status.REPAYING)
    OPEN = (Status.DRAFT, Status.SIGNED, Status.ACTIVE, Status.REPAYING)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="repayment_agreements"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="repayment_agreements"
    )
    deferral = models.ForeignKey(
        ProgrammeDeferral, on_delete=models.PROTECT, related_name="agreements"
    )
    plan = models.ForeignKey(RepaymentPlan, on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)
    amount_agreed = models.BigIntegerField(help_text="The amount deferred when signed.")
    amount = models.BigIntegerField(
        help_text="The amount deferred now: lowered on exit to what was paid out."
    )
    # The terms signed on (copied from the plan: editing the plan changes no agreement).
    basis = models.CharField(max_length=20, choices=RepaymentPlan.BasisChoice.choices)
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    cap = models.BigIntegerField(help_text="The most the learner can ever pay, minor units.")
    max_payments = models.PositiveIntegerField(null=True, blank=True)
    term_years = models.PositiveSmallIntegerField()
    write_off_rule = models.CharField(max_length=32, choices=RepaymentPlan.WriteOff.choices)
    threshold_rule = models.CharField(max_length=20, choices=RepaymentPlan.ThresholdRule.choices)
    fixed_annual_threshold = models.BigIntegerField(
        null=True, blank=True, help_text="For plans whose threshold is fixed at signing."
    )
    # The disclosure: its content (JSON), the SHA-256 of its canonical form, the PDF.
    disclosure = models.JSONField()
    disclosure_sha256 = models.CharField(max_length=64)
    disclosure_expires_at = models.DateTimeField()
    disclosure_pdf = models.BinaryField(null=True, blank=True, editable=False)
    disclosure_pdf_sha256 = models.CharField(max_length=64, blank=True)
    # Signing
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_document_sha256 = models.CharField(max_length=64, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    # Money on the ledger (see ADR 0006)
    hold_account = models.ForeignKey(
        LedgerAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receivable_account = models.OneToOneField(
        LedgerAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receivable_of",
    )
    owed_account = models.OneToOneField(
        LedgerAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="owed_of"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    draw_transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    paid_out_on_exit = models.BigIntegerField(null=True, blank=True)
    # Repayment
    repayment_starts_on = models.DateField(null=True, blank=True)
    write_off_on = models.DateField(null=True, blank=True)
    written_off_amount = models.BigIntegerField(default=0)
    declaration_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    declaration_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="Flagged to the funder: declarations missing."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=models.Q(status__in=["draft", "signed", "active", "repaying"]),
                name="one_open_agreement_per_enrolment",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_agreed__gt=0, amount__gte=0, cap__gte=0),
                name="agreement_amounts",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__lte=models.F("amount_agreed")),
                name="agreement_amount_never_grows",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | ~models.Q(signed_document_sha256=""),
                name="agreement_signature_has_hash",
            ),
            models.CheckConstraint(
                condition=models.Q(activated_at__isnull=True) | models.Q(signed_at__isnull=False),
                name="agreement_active_only_when_signed",
            ),
        ]
        indexes = [models.Index(fields=["status", "repayment_starts_on"])]

    def __str__(self) -> str:
        return f"Agreement {self.pk}: {self.amount} {self.currency} ({self.status})"


class IncomeDeclaration(models.Model):
    """The learner's gross income for one calendar month of repayment."""

    agreement = models.ForeignKey(
        RepaymentAgreement, on_delete=models.PROTECT, related_name="declarations"
    )
    period = models.DateField(help_text="The first day of the month declared.")
    gross_income = models.BigIntegerField(help_text="Minor units, before tax.")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "period"], name="one_declaration_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(gross_income__gte=0), name="declared_income_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="declaration_period_is_a_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}: {self.gross_income}"


class IncomeEvidence(models.Model):
    """A payslip or statement backing a declaration (PDF, PNG or JPEG, at most 5 MB)."""

    declaration = models.OneToOneField(
        IncomeDeclaration, on_delete=models.CASCADE, related_name="evidence"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes)"


class RepaymentAssessment(models.Model):
    """One month assessed by the rules: due (a charge was raised) or paused (nothing due)."""

    class Outcome(models.TextChoices):
        DUE = "due", "A payment is due"
        PAUSED = "paused", "Below the threshold: nothing due, repayment paused"

    agreement = models.ForeignKey(
        RepaymentAgreement, on_delete=models.PROTECT, related_name="assessments"
    )
    period = models.DateField()
    declaration = models.OneToOneField(
        IncomeDeclaration, on_delete=models.PROTECT, related_name="assessment"
    )
    tax_year = models.PositiveSmallIntegerField()
    gross_income = models.BigIntegerField()
    annual_threshold = models.BigIntegerField()
    period_threshold = models.BigIntegerField()
    due_by_rule = models.BigIntegerField()
    due = models.BigIntegerField()
    limited_by = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    working = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "period"], name="one_assessment_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(due__gte=0, due__lte=models.F("due_by_rule")),
                name="assessment_due_within_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m}: {self.outcome} {self.due}"


class RepaymentCharge(models.Model):
    """An amount due under an agreement, recorded on the ledger as owed.

    States: `owed` (recorded; waiting for collection) → `collecting` (a card payment was
    started through the payments gateway) → `collected` (the gateway confirmed it; the money
    is in the deferral budget) or `failed` (the attempt failed; it is owed again and may be
    retried). Until the gateway exists every charge stays `owed`.
    """

    class Status(models.TextChoices):
        OWED = "owed", "Owed, awaiting collection"
        COLLECTING = "collecting", "Card collection in progress"
        COLLECTED = "collected", "Collected"
        FAILED = "failed", "Collection failed; still owed"

    agreement = models.ForeignKey(
        RepaymentAgreement, on_delete=models.PROTECT, related_name="charges"
    )
    assessment = models.OneToOneField(
        RepaymentAssessment, on_delete=models.PROTECT, related_name="charge"
    )
    number = models.PositiveIntegerField(help_text="1 for the first payment, and so on.")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OWED)
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="repayment_charge"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="charge_number_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="charge_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.number}: {self.amount} {self.currency} ({self.status})"
