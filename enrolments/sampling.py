"""Outcome sampling an auditor can reproduce (docs/audit-controls.md, docs/adr/0009).

Whether the funder checks an outcome is decided by a keyed hash, not a random draw:
HMAC-SHA256 keyed with the programme's secret `sampling_seed`, over the enrolment's id, read
as a number in [0, 1) and compared with the effective rate. Whoever holds the seed (the
funder's auditors) re-derives every decision; a provider, without it, cannot predict one.

The effective rate is the programme's `outcome_sample_rate`, or 100 % for a provider with a
rejected outcome in the last 90 days until it has had 10 outcomes verified in a row since.
The risk state is read from enrolment events dated before the decision, so it too can be
re-derived afterwards from what is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from enrolments.models import Enrolment, EnrolmentEvent

RISK_LOOKBACK = dt.timedelta(days=90)
RISK_CLEARED_AFTER_VERIFIED = 10
FULL_RATE = Decimal("1")


class Reason:
    BASE_RATE = "base_rate"
    RISK_REJECTED_OUTCOME = "risk_rejected_outcome"
    NO_PROGRAMME = "no_programme"


@dataclass(frozen=True)
class SamplingDecision:
    """One decision and everything needed to re-derive it."""

    sampled: bool
    rate: Decimal  # the effective rate used
    reason: str  # Reason.*
    base_rate: Decimal  # the programme's rate at the time
    draw: Fraction  # the keyed hash of the enrolment id, in [0, 1)
    decided_at: dt.datetime

    def as_detail(self) -> dict[str, object]:
        """The decision as stored on the enrolment event (`detail["sampling"]`)."""
        return {
            "sampled": self.sampled,
            "rate": str(self.rate),
            "reason": self.reason,
            "base_rate": str(self.base_rate),
            "draw": f"{float(self.draw):.6f}",
            "decided_at": self.decided_at.isoformat(),
        }


def sampling_draw(seed: str, enrolment_id: int) -> Fraction:
    """HMAC-SHA256(seed, "enrolment:<id>") read as a 64-bit fraction in [0, 1), exactly."""
    digest = hmac.new(seed.encode(), f"enrolment:{enrolment_id}".encode(), hashlib.sha256)
    return Fraction(int.from_bytes(digest.digest()[:8], "big"), 2**64)


def provider_at_risk(provider_id: int, at: dt.datetime) -> bool:
    """A rejected outcome of the provider in the 90 days before `at`, and fewer than 10
    outcomes verified since the latest one."""
    outcome_events = EnrolmentEvent.objects.filter(
        enrolment__cohort__course__provider_id=provider_id, created_at__lt=at
    )
    last_rejection = (
        outcome_events.filter(action="reject_outcome", created_at__gte=at - RISK_LOOKBACK)
        .order_by("-created_at", "-pk")
        .first()
    )
    if last_rejection is None:
        return False
    verified_since = outcome_events.filter(
        action="verify_outcome", created_at__gt=last_rejection.created_at
    ).count()
    return verified_since < RISK_CLEARED_AFTER_VERIFIED


def effective_rate(*, provider_id: int, base_rate: Decimal, at: dt.datetime) -> tuple[Decimal, str]:
    if provider_at_risk(provider_id, at):
        return FULL_RATE, Reason.RISK_REJECTED_OUTCOME
    return base_rate, Reason.BASE_RATE


def decide(
    *,
    seed: str,
    enrolment_id: int,
    provider_id: int,
    base_rate: Decimal,
    at: dt.datetime,
) -> SamplingDecision:
    """The decision for one enrolment: pure given the seed and the events before `at`."""
    rate, reason = effective_rate(provider_id=provider_id, base_rate=base_rate, at=at)
    draw = sampling_draw(seed, enrolment_id)
    sampled = rate > 0 and draw < Fraction(rate)
    return SamplingDecision(sampled, rate, reason, base_rate, draw, at)


def sample_outcome(enrolment: Enrolment, *, at: dt.datetime) -> SamplingDecision:
    """Whether the funder checks this enrolment's outcome (its programme's seed and rate)."""
    programme = enrolment.programme
    if programme is None:
        zero = Decimal("0")
        return SamplingDecision(False, zero, Reason.NO_PROGRAMME, zero, Fraction(0), at)
    return decide(
        seed=programme.sampling_seed,
        enrolment_id=enrolment.pk,
        provider_id=enrolment.cohort.course.provider_id,
        base_rate=programme.outcome_sample_rate,
        at=at,
    )


@dataclass(frozen=True)
class Mismatch:
    enrolment_id: int
    problem: str


@dataclass(frozen=True)
class SamplingAudit:
    checked: int
    sampled: int
    mismatches: list[Mismatch]


SAMPLED_STATES = {
    Enrolment.Verification.PENDING,
    Enrolment.Verification.VERIFIED,
    Enrolment.Verification.REJECTED,
}


def sampling_verify(*, programme_id: int, seed: str) -> SamplingAudit:
    """Re-derive every recorded decision of a programme from `seed` and the kept events.

    For each `record_outcome` event carrying a decision: the draw recomputed from the seed,
    the rate recomputed from the risk rule (with the base rate recorded at the time), the
    decision, and the enrolment's verification state must all agree with what was recorded.
    """
    events = (
        EnrolmentEvent.objects.filter(
            enrolment__programme_id=programme_id,
            action="record_outcome",
            detail__has_key="sampling",
        )
        .select_related("enrolment__cohort__course")
        .order_by("pk")
    )
    mismatches: list[Mismatch] = []
    checked = sampled_count = 0
    for event in events:
        checked += 1
        recorded = event.detail["sampling"]
        enrolment = event.enrolment
        again = decide(
            seed=seed,
            enrolment_id=enrolment.pk,
            provider_id=enrolment.cohort.course.provider_id,
            base_rate=Decimal(recorded["base_rate"]),
            at=dt.datetime.fromisoformat(recorded["decided_at"]),
        )
        sampled_count += again.sampled
        if again.as_detail() != recorded:
            mismatches.append(
                Mismatch(enrolment.pk, f"recorded {recorded}, re-derived {again.as_detail()}")
            )
        elif enrolment.outcome_verification and again.sampled != (
            enrolment.outcome_verification in SAMPLED_STATES
        ):
            mismatches.append(
                Mismatch(
                    enrolment.pk,
                    f"decision sampled={again.sampled} but the outcome is "
                    f"{enrolment.outcome_verification}",
                )
            )
    return SamplingAudit(checked, sampled_count, mismatches)
