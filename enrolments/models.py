"""Enrolments: the state machine, its events, the escrow hold and the evidence that releases it.

State machine (docs/domain.md): applied → offered → accepted → started → completed →
outcome_recorded, with waitlisted, declined, withdrawn and cancelled. Every transition is a
service in enrolments/services/ that records an EnrolmentEvent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from courses.models import Cohort
from wallets.models import FundingProgramme, LedgerAccount, LedgerTransaction, WalletPot


class Enrolment(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        OFFERED = "offered", "Offered a place"
        WAITLISTED = "waitlisted", "On the waiting list"
        PAYMENT_PENDING = (
            "payment_pending",
            "Accepted, awaiting the co-payment (seat and funds held)",
        )
        ACCEPTED = "accepted", "Accepted (place taken, funds held)"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        EMPLOYMENT = "employment", "New job"
        PROMOTION = "promotion", "Promotion or more responsibility"
        FURTHER_LEARNING = "further_learning", "Further learning"
        NONE = "none", "None yet"

    class Verification(models.TextChoices):
        NOT_SAMPLED = "not_sampled", "Not sampled (paid on record)"
        PENDING = "pending", "Awaiting the funder's check"
        VERIFIED = "verified", "Verified by the funder"
        REJECTED = "rejected", "Rejected by the funder"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPLIED)
    statement = models.TextField(
        blank=True, help_text="The learner's short statement when applying."
    )
    # Where the application came from, for the "many enrolments from one address or device"
    # anomaly rule: keyed hashes (HMAC with SECRET_KEY) of the client's IP address and of
    # IP address + user agent, never the address itself. Blank when not applied over HTTP.
    applied_ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    applied_device_hash = models.CharField(max_length=64, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_answer_by = models.DateField(
        null=True, blank=True, help_text="The last day to accept or decline the offer."
    )
    # The price and co-payment are fixed by the offer; the split between wallet part and
    # deferred part at acceptance (minor units).
    price = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default="GBP")
    wallet_part = models.BigIntegerField(default=0)
    co_payment = models.BigIntegerField(default=0)
    deferred_part = models.BigIntegerField(default=0)
    programme = models.ForeignKey(
        FundingProgramme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        help_text="The programme whose milestone schedule and outcome sampling apply.",
    )
    milestone_start_percent = models.PositiveSmallIntegerField(default=45)
    milestone_completion_percent = models.PositiveSmallIntegerField(default=35)
    milestone_outcome_percent = models.PositiveSmallIntegerField(default=20)
    # Evidence
    provider_recorded_start_at = models.DateTimeField(null=True, blank=True)
    learner_confirmed_start_at = models.DateTimeField(
        null=True, blank=True, help_text="When the learner (or an officer) confirmed the start."
    )
    start_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_disputed_at = models.DateTimeField(null=True, blank=True)
    start_dispute_reason = models.CharField(max_length=500, blank=True)
    start_lapses = models.PositiveSmallIntegerField(
        default=0, help_text="How often a start record lapsed unconfirmed (an anomaly signal)."
    )
    attendance_present = models.PositiveIntegerField(null=True, blank=True)
    attendance_planned = models.PositiveIntegerField(null=True, blank=True)
    attendance_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For display only (rounded down); money uses the counts."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField(null=True, blank=True)
    outcome_evidence = models.TextField(blank=True)
    outcome_verification = models.CharField(max_length=16, choices=Verification.choices, blank=True)
    hold_closed_at = models.DateTimeField(null=True, blank=True)
    # Acceptance with a co-payment: the seat and funds are held until the card payment
    # succeeds, or until `payment_due_at`, when they return (docs/payments.md).
    accepted_at = models.DateTimeField(null=True, blank=True)
    payment_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ACTIVE = (
        Status.APPLIED,
        Status.OFFERED,
        Status.WAITLISTED,
        Status.PAYMENT_PENDING,
        Status.ACCEPTED,
        Status.STARTED,
        Status.COMPLETED,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "cohort"],
                condition=~models.Q(status__in=["declined", "withdrawn", "cancelled"]),
                name="one_live_enrolment_per_cohort",
            ),
            models.CheckConstraint(
                condition=models.Q(wallet_part__gte=0, co_payment__gte=0, deferred_part__gte=0),
                name="enrolment_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    price=models.F("wallet_part")
                    + models.F("co_payment")
                    + models.F("deferred_part")
                ),
                name="enrolment_parts_sum_to_price",
            ),
        ]
        indexes = [
            models.Index(
                fields=["cohort", "status", "waitlisted_at"], name="enrolment_waitlist_order_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.cohort}"


class EnrolmentEvent(models.Model):
    """Who did what to an enrolment, when, from which state to which, and why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    # Structured facts of the event, e.g. the outcome-sampling decision under "sampling".
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class EnrolmentHold(models.Model):
    """One escrow account per enrolment and source of its money (docs/adr: holds per source).

    A programme's grant pots pay into that programme's hold, the learner's own top-up into a
    personal hold, a deferral into a deferral hold, so the ledger itself shows whose money is
    held and whose paid the provider. Milestones are paid from the holds in `position`
    order: money that would expire first is used first.
    """

    class Source(models.TextChoices):
        GRANT = "grant", "Programme grant"
        PERSONAL = "personal", "Learner's own money"
        DEFERRAL = "deferral", "Deferred fee (repayment agreement)"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="holds")
    source = models.CharField(max_length=16, choices=Source.choices)
    programme = models.ForeignKey(
        FundingProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, related_name="enrolment_hold"
    )
    amount = models.BigIntegerField(help_text="What the hold received at acceptance.")
    position = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrolment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "position"], name="enrolment_hold_position_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="enrolment_hold_amount"),
            models.CheckConstraint(
                condition=models.Q(source="personal", programme__isnull=True)
                | (~models.Q(source="personal") & models.Q(programme__isnull=False)),
                name="enrolment_hold_source_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} hold {self.pk} of enrolment {self.enrolment_id}"


class HoldDraw(models.Model):
    """How much of an enrolment's hold came from which pot (returns go back the same way)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="draws")
    hold = models.ForeignKey(EnrolmentHold, on_delete=models.PROTECT, related_name="draws")
    pot = models.ForeignKey(WalletPot, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    returned = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, returned__gte=0, returned__lte=models.F("amount")),
                name="hold_draw_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from pot {self.pot_id}"


class MilestonePayment(models.Model):
    """One release from the hold to the provider; the unique constraint makes each pay once."""

    class Milestone(models.TextChoices):
        START = "start", "Start"
        COMPLETION = "completion", "Completion"
        OUTCOME = "outcome", "Outcome"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="milestone_payments"
    )
    milestone = models.CharField(max_length=16, choices=Milestone.choices)
    amount = models.BigIntegerField()
    transaction = models.OneToOneField(
        LedgerTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestone_payment",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "milestone"], name="milestone_pays_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="milestone_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.amount}"


class AttendanceRecord(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    session_date = models.DateField()
    present = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session_date"], name="one_attendance_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_date}: {'present' if self.present else 'absent'}"


class ProblemReport(models.Model):
    """A learner's report of a problem with an enrolment; kept and visible to the funder."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="problems")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Problem on enrolment {self.enrolment_id}"


class Refund(models.Model):
    """A refund owed to a learner (co-payments on cancellation); card refunds come with Stripe."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending card refund"
        REFUNDED = "refunded", "Refunded"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} on enrolment {self.enrolment_id}"
