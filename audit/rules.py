"""The anomaly rules: each reads one programme's data and returns what it finds (`Hit`s).

Thresholds are constants here and documented, with the reasoning, in docs/audit-controls.md.
A rule states its figures in the reason, so an officer sees why without running a query.
`audit.services.flags_recompute` turns hits into flags, daily.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, Subquery

from audit.models import AnomalyFlag
from enrolments.models import Enrolment, EnrolmentEvent, MilestonePayment
from enrolments.services.starts import START_CONFIRMATION_WINDOW
from wallets.models import FundingProgramme

Rule = AnomalyFlag.Rule

# Claims jump: the provider's milestone claims in the last 7 days against its weekly average
# over the 8 weeks before them.
CLAIMS_RECENT_DAYS = 7
CLAIMS_TRAILING_WEEKS = 8
CLAIMS_MIN_RECENT = 20  # fewer claims in a week is too little volume to call a jump
CLAIMS_JUMP_FACTOR = 3  # recent ≥ 3 × the trailing weekly average (any, when it is 0)
# Many enrolments from one address or device (application origin, enrolments/origin.py).
SHARED_LOOKBACK = dt.timedelta(days=90)
SHARED_ADDRESS_MIN_LEARNERS = 5
SHARED_DEVICE_MIN_LEARNERS = 3
# Completion with very low attendance: below this percent of the sessions held.
LOW_ATTENDANCE_PERCENT = 50
# Learners who never sign in after their place is taken, this long after.
NEVER_SIGNED_IN_AFTER = dt.timedelta(days=30)
# Repeated withdrawals just after a milestone pays.
WITHDRAWAL_LOOKBACK = dt.timedelta(days=90)
WITHDRAWAL_AFTER_PAYMENT_WITHIN = dt.timedelta(days=14)
WITHDRAWAL_MIN_COUNT = 3
# Rejected outcomes (the same window as the sampling's risk rate, enrolments/sampling.py).
REJECTION_LOOKBACK = dt.timedelta(days=90)


@dataclass(frozen=True)
class Hit:
    rule: str
    subject: str
    reason: str
    evidence_at: dt.datetime  # the newest fact behind it: a flag cleared after this stays cleared
    provider_id: int | None = None
    enrolment_id: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def _enrolments(programme: FundingProgramme) -> Any:
    return Enrolment.objects.filter(programme=programme)


def claims_jump(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    recent_from = now - dt.timedelta(days=CLAIMS_RECENT_DAYS)
    trailing_from = recent_from - dt.timedelta(weeks=CLAIMS_TRAILING_WEEKS)
    rows = (
        MilestonePayment.objects.filter(
            enrolment__programme=programme, created_at__gte=trailing_from, created_at__lt=now
        )
        .values(provider_id=F("enrolment__cohort__course__provider_id"))
        .annotate(
            recent=Count("pk", filter=Q(created_at__gte=recent_from)),
            trailing=Count("pk", filter=Q(created_at__lt=recent_from)),
            latest=Max("created_at"),
        )
    )
    for row in rows:
        recent, trailing = row["recent"], row["trailing"]
        weekly = trailing / CLAIMS_TRAILING_WEEKS
        if recent < CLAIMS_MIN_RECENT or recent < CLAIMS_JUMP_FACTOR * weekly:
            continue
        yield Hit(
            Rule.CLAIMS_JUMP,
            f"provider:{row['provider_id']}",
            f"{recent} milestone claims in the last {CLAIMS_RECENT_DAYS} days against a weekly "
            f"average of {weekly:.1f} over the {CLAIMS_TRAILING_WEEKS} weeks before "
            f"(flagged from {CLAIMS_MIN_RECENT} claims and {CLAIMS_JUMP_FACTOR}× the average).",
            row["latest"],
            provider_id=row["provider_id"],
            figures={"recent": recent, "trailing_weekly_average": round(weekly, 2)},
        )


def unconfirmed_start(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    lapsed_at = Subquery(
        EnrolmentEvent.objects.filter(enrolment=OuterRef("pk"), action="start_lapsed")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    rows = (
        _enrolments(programme)
        .filter(
            Q(start_lapses__gt=0)
            | Q(
                provider_recorded_start_at__lt=now - START_CONFIRMATION_WINDOW,
                learner_confirmed_start_at__isnull=True,
                start_disputed_at__isnull=True,
            )
        )
        .annotate(lapsed_at=lapsed_at)
        .select_related("cohort__course")
    )
    days = START_CONFIRMATION_WINDOW.days
    for enrolment in rows:
        if enrolment.start_lapses:
            reason = (
                f"The provider's start record lapsed unconfirmed by the learner "
                f"{enrolment.start_lapses} time(s) (each after {days} days)."
            )
        else:
            reason = (
                f"Start recorded on {enrolment.provider_recorded_start_at:%d %B %Y}; the learner "
                f"has not confirmed it in the {days}-day window."
            )
        evidence = [t for t in (enrolment.provider_recorded_start_at, enrolment.lapsed_at) if t]
        yield Hit(
            Rule.UNCONFIRMED_START,
            f"enrolment:{enrolment.pk}",
            reason,
            max(evidence) if evidence else now,
            provider_id=enrolment.cohort.course.provider_id,
            enrolment_id=enrolment.pk,
            figures={"start_lapses": enrolment.start_lapses},
        )


def shared_address(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    recent = _enrolments(programme).filter(created_at__gte=now - SHARED_LOOKBACK)
    for column, kind, minimum in (
        ("applied_ip_hash", "address", SHARED_ADDRESS_MIN_LEARNERS),
        ("applied_device_hash", "device", SHARED_DEVICE_MIN_LEARNERS),
    ):
        rows = (
            recent.exclude(**{column: ""})
            .values(column)
            .annotate(
                learners=Count("learner", distinct=True),
                enrolments=Count("pk"),
                latest=Max("created_at"),
            )
            .filter(learners__gte=minimum)
        )
        for row in rows:
            yield Hit(
                Rule.SHARED_ADDRESS,
                f"{kind}:{row[column][:32]}",
                f"{row['learners']} learners applied from one {kind} "
                f"({row['enrolments']} applications in {SHARED_LOOKBACK.days} days; flagged "
                f"from {minimum} learners).",
                row["latest"],
                figures={"learners": row["learners"], "enrolments": row["enrolments"]},
            )


def low_attendance_completion(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:  # noqa: ARG001
    rows = (
        _enrolments(programme)
        .filter(completed_at__isnull=False, attendance_planned__gt=0)
        # present ÷ planned < 50 %, compared as exact integers: present × 100 < 50 × planned
        .alias(present_100=F("attendance_present") * 100)
        .filter(present_100__lt=F("attendance_planned") * LOW_ATTENDANCE_PERCENT)
        .select_related("cohort__course")
    )
    for enrolment in rows:
        assert enrolment.completed_at is not None  # noqa: S101 (filtered above)
        yield Hit(
            Rule.LOW_ATTENDANCE_COMPLETION,
            f"enrolment:{enrolment.pk}",
            f"Completion recorded with attendance at {enrolment.attendance_present} of "
            f"{enrolment.attendance_planned} sessions (flagged below {LOW_ATTENDANCE_PERCENT} %).",
            enrolment.completed_at,
            provider_id=enrolment.cohort.course.provider_id,
            enrolment_id=enrolment.pk,
            figures={
                "present": enrolment.attendance_present,
                "planned": enrolment.attendance_planned,
            },
        )


def never_signed_in(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    accepted_at = Subquery(
        EnrolmentEvent.objects.filter(
            enrolment=OuterRef("pk"), action="accept", to_status=Enrolment.Status.ACCEPTED
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = (
        _enrolments(programme)
        .filter(
            status__in=[
                Enrolment.Status.ACCEPTED,
                Enrolment.Status.STARTED,
                Enrolment.Status.COMPLETED,
            ]
        )
        .annotate(accepted_at=accepted_at)
        .filter(accepted_at__lt=now - NEVER_SIGNED_IN_AFTER)
        .filter(Q(learner__last_login__isnull=True) | Q(learner__last_login__lt=F("accepted_at")))
        .select_related("cohort__course", "learner")
    )
    for enrolment in rows:
        last = enrolment.learner.last_login
        yield Hit(
            Rule.NEVER_SIGNED_IN,
            f"enrolment:{enrolment.pk}",
            f"The learner has not signed in since the place was taken on "
            f"{enrolment.accepted_at:%d %B %Y} (last sign-in: "
            f"{f'{last:%d %B %Y}' if last else 'never'}; flagged after "
            f"{NEVER_SIGNED_IN_AFTER.days} days). Status: {enrolment.get_status_display()}.",
            enrolment.accepted_at,
            provider_id=enrolment.cohort.course.provider_id,
            enrolment_id=enrolment.pk,
            figures={"days_since_accepted": (now - enrolment.accepted_at).days},
        )


def withdrawal_after_payment(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    withdrawals = list(
        EnrolmentEvent.objects.filter(
            enrolment__programme=programme,
            action="withdraw",
            created_at__gte=now - WITHDRAWAL_LOOKBACK,
        )
        .select_related("enrolment__cohort__course")
        .order_by("created_at")
    )
    paid: dict[int, list[dt.datetime]] = defaultdict(list)
    for payment in MilestonePayment.objects.filter(
        enrolment_id__in={event.enrolment_id for event in withdrawals}, amount__gt=0
    ).values("enrolment_id", "created_at"):
        paid[payment["enrolment_id"]].append(payment["created_at"])
    per_provider: dict[int, list[EnrolmentEvent]] = defaultdict(list)
    for event in withdrawals:
        if any(
            dt.timedelta(0) <= event.created_at - at <= WITHDRAWAL_AFTER_PAYMENT_WITHIN
            for at in paid[event.enrolment_id]
        ):
            per_provider[event.enrolment.cohort.course.provider_id].append(event)
    for provider_id, events in per_provider.items():
        if len(events) < WITHDRAWAL_MIN_COUNT:
            continue
        yield Hit(
            Rule.WITHDRAWAL_AFTER_PAYMENT,
            f"provider:{provider_id}",
            f"{len(events)} learners withdrew within {WITHDRAWAL_AFTER_PAYMENT_WITHIN.days} days "
            f"of a milestone paying, in the last {WITHDRAWAL_LOOKBACK.days} days (flagged from "
            f"{WITHDRAWAL_MIN_COUNT}).",
            events[-1].created_at,
            provider_id=provider_id,
            figures={"withdrawals": len(events), "enrolments": [e.enrolment_id for e in events]},
        )


def rejected_outcome(programme: FundingProgramme, now: dt.datetime) -> Iterable[Hit]:
    rows = (
        EnrolmentEvent.objects.filter(
            enrolment__programme=programme,
            action="reject_outcome",
            created_at__gte=now - REJECTION_LOOKBACK,
        )
        .values(provider_id=F("enrolment__cohort__course__provider_id"))
        .annotate(rejected=Count("pk"), latest=Max("created_at"))
    )
    for row in rows:
        yield Hit(
            Rule.REJECTED_OUTCOME,
            f"provider:{row['provider_id']}",
            f"{row['rejected']} outcome(s) rejected by the funder in the last "
            f"{REJECTION_LOOKBACK.days} days; the provider's outcomes are sampled at 100 % "
            "until 10 in a row are verified.",
            row["latest"],
            provider_id=row["provider_id"],
            figures={"rejected": row["rejected"]},
        )


RULES: list[Callable[[FundingProgramme, dt.datetime], Iterable[Hit]]] = [
    claims_jump,
    unconfirmed_start,
    shared_address,
    low_attendance_completion,
    never_signed_in,
    withdrawal_after_payment,
    rejected_outcome,
]
