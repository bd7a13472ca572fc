"""The start milestone: the provider records it, the learner confirms it (or disputes it),
a funder officer confirms it on evidence or decides a dispute; unconfirmed records lapse.

The rules are in docs/enrolments.md ("Start confirmation"). Every service locks the cohort
then the enrolment (`lock_enrolment`) and checks who acts.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from core.jobs import enqueue_on_commit
from enrolments.errors import InvalidTransition, StartDisputed, StartNotRecorded, TooEarly
from enrolments.models import Enrolment
from enrolments.services.money import milestone_share, release_milestone
from enrolments.services.transitions import (
    S,
    lock_enrolment,
    lock_for_provider,
    record_event,
    require_funder_officer,
    require_learner,
    require_provider_active,
    require_status,
)
from enrolments.tasks import notify_start_to_confirm
from users.models import User

START_CONFIRMATION_WINDOW = dt.timedelta(days=14)


# --- Start: the provider records it, the learner (or an officer on evidence) confirms ---------


def _require_first_session_held(enrolment: Enrolment, today: dt.date) -> None:
    first = enrolment.cohort.first_session
    if first is None or today < first:
        raise TooEarly(
            "The cohort's first session is on "
            + (f"{first:%d %B %Y}" if first else "no date yet")
            + "; a start can be recorded or confirmed from that day.",
            first_session=first.isoformat() if first else None,
        )


def _start_lapsed(enrolment: Enrolment, now: dt.datetime) -> bool:
    recorded = enrolment.provider_recorded_start_at
    return (
        recorded is not None
        and enrolment.start_confirmed_by_id is None
        and enrolment.start_disputed_at is None
        and not enrolment.milestone_payments.filter(milestone="start").exists()
        and now - recorded > START_CONFIRMATION_WINDOW
    )


def lapse_start(enrolment: Enrolment) -> None:
    """A start record not confirmed within 14 days lapses: the provider may record it again.

    Caller holds the enrolment's lock. Kept on the enrolment (`start_lapses`) and as an
    event, because repeated lapses are a sign the funder watches for.
    """
    enrolment.provider_recorded_start_at = None
    if enrolment.start_confirmed_by is None:
        enrolment.learner_confirmed_start_at = None
    enrolment.status = S.ACCEPTED
    enrolment.start_lapses += 1
    enrolment.save(
        update_fields=[
            "provider_recorded_start_at",
            "learner_confirmed_start_at",
            "status",
            "start_lapses",
            "updated_at",
        ]
    )
    record_event(
        enrolment,
        None,
        "start_lapsed",
        S.STARTED,
        "Not confirmed within 14 days: the provider may record the start again.",
    )


def _pay_start_if_evidenced(enrolment: Enrolment, actor: User | None) -> None:
    """Start pays once the provider recorded it and the learner (or an officer on evidence)
    confirmed it, unless the learner disputes it."""
    if (
        enrolment.provider_recorded_start_at is None
        or enrolment.learner_confirmed_start_at is None
        or enrolment.start_disputed_at is not None
        or enrolment.milestone_payments.filter(milestone="start").exists()
    ):
        return
    amount = milestone_share(enrolment, "start")
    release_milestone(actor=actor, enrolment=enrolment, milestone="start", amount=amount)
    record_event(enrolment, actor, "milestone_paid", enrolment.status, "Start confirmed.", amount)


def enrolment_record_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The provider records that the learner started, from the cohort's first session on.

    Recording it again changes nothing (the original time and its 14-day window stand),
    unless the first record lapsed unconfirmed.
    """
    with transaction.atomic():
        locked = lock_for_provider(enrolment, actor)
        require_status(locked, S.ACCEPTED, S.STARTED)
        now = timezone.now()
        _require_first_session_held(locked, timezone.localdate())
        if _start_lapsed(locked, now):
            lapse_start(locked)
        if locked.provider_recorded_start_at is not None:
            return locked
        before = locked.status
        locked.status, locked.provider_recorded_start_at = S.STARTED, now
        locked.save(update_fields=["status", "provider_recorded_start_at", "updated_at"])
        record_event(locked, actor, "record_start", before)
        _pay_start_if_evidenced(locked, actor)
        if locked.start_confirmed_by_id is None:
            enqueue_on_commit(notify_start_to_confirm, locked.pk)
    return locked


def enrolment_confirm_start(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """The learner confirms they started (from the first session on). Confirming after
    disputing withdraws the dispute. A confirmation before the provider's record waits for it."""
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_learner(locked, actor)
        require_provider_active(locked.cohort.course)
        require_status(locked, S.ACCEPTED, S.STARTED)
        now = timezone.now()
        _require_first_session_held(locked, timezone.localdate())
        if _start_lapsed(locked, now):
            lapse_start(locked)
        if locked.start_confirmed_by_id is None or locked.start_disputed_at is not None:
            locked.learner_confirmed_start_at, locked.start_confirmed_by = now, actor
            withdrew = locked.start_disputed_at is not None
            locked.start_disputed_at, locked.start_dispute_reason = None, ""
            locked.save(
                update_fields=[
                    "learner_confirmed_start_at",
                    "start_confirmed_by",
                    "start_disputed_at",
                    "start_dispute_reason",
                    "updated_at",
                ]
            )
            record_event(
                locked,
                actor,
                "confirm_start",
                locked.status,
                "Dispute withdrawn by the learner." if withdrew else "",
            )
        _pay_start_if_evidenced(locked, actor)
    return locked


def enrolment_dispute_start(*, actor: User, enrolment: Enrolment, reason: str) -> Enrolment:
    """The learner says the recorded start did not happen: its payment is frozen until a
    funder officer decides."""
    if not reason.strip():
        raise InvalidInput("Say what is wrong with the start.", fields={"reason": "Required."})
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_learner(locked, actor)
        require_status(locked, S.STARTED)
        if locked.milestone_payments.filter(milestone="start").exists():
            raise InvalidTransition(
                "The start was confirmed and paid; report a problem instead.",
                status=locked.status,
            )
        if locked.start_disputed_at is not None:
            raise StartDisputed()
        locked.start_disputed_at, locked.start_dispute_reason = timezone.now(), reason.strip()
        locked.learner_confirmed_start_at = locked.start_confirmed_by = None
        locked.save(
            update_fields=[
                "start_disputed_at",
                "start_dispute_reason",
                "learner_confirmed_start_at",
                "start_confirmed_by",
                "updated_at",
            ]
        )
        record_event(locked, actor, "dispute_start", locked.status, reason.strip())
    return locked


def enrolment_confirm_start_on_evidence(
    *, actor: User, enrolment: Enrolment, evidence: str
) -> Enrolment:
    """A funder officer confirms a recorded start on evidence when the learner does not answer."""
    if not evidence.strip():
        raise InvalidInput("Describe the evidence.", fields={"evidence": "Required."})
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_funder_officer(locked, actor)
        require_provider_active(locked.cohort.course)
        require_status(locked, S.STARTED)
        if _start_lapsed(locked, timezone.now()):
            lapse_start(locked)
        if locked.provider_recorded_start_at is None:
            raise StartNotRecorded()
        if locked.start_disputed_at is not None:
            raise StartDisputed("The learner disputes this start: decide the dispute instead.")
        if locked.start_confirmed_by_id is not None:
            raise InvalidTransition("The start is already confirmed.", status=locked.status)
        locked.learner_confirmed_start_at, locked.start_confirmed_by = timezone.now(), actor
        locked.save(
            update_fields=["learner_confirmed_start_at", "start_confirmed_by", "updated_at"]
        )
        record_event(locked, actor, "confirm_start_on_evidence", locked.status, evidence.strip())
        _pay_start_if_evidenced(locked, actor)
    return locked


def start_dispute_decide(
    *, actor: User, enrolment: Enrolment, upheld: bool, reason: str
) -> Enrolment:
    """A funder officer decides a disputed start. Upheld: the start did not happen, the
    record is removed and nothing is paid. Not upheld: the start stands and is paid."""
    if not reason.strip():
        raise InvalidInput("Give the reason for the decision.", fields={"reason": "Required."})
    with transaction.atomic():
        locked = lock_enrolment(enrolment)
        require_funder_officer(locked, actor)
        if locked.start_disputed_at is None:
            raise InvalidTransition("No dispute is open on this start.", status=locked.status)
        if not upheld:
            require_provider_active(locked.cohort.course)
        locked.start_disputed_at, locked.start_dispute_reason = None, ""
        if upheld:
            locked.provider_recorded_start_at = None
            locked.status = S.ACCEPTED
        else:
            locked.learner_confirmed_start_at, locked.start_confirmed_by = timezone.now(), actor
        locked.save()
        record_event(
            locked,
            actor,
            "start_dispute_upheld" if upheld else "start_dispute_rejected",
            S.STARTED,
            reason.strip(),
        )
        if not upheld:
            _pay_start_if_evidenced(locked, actor)
    return locked


def starts_lapse_due(*, now: dt.datetime | None = None) -> int:
    """Lapse every start record left unconfirmed past its window; returns how many."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        status=S.STARTED,
        provider_recorded_start_at__lt=now - START_CONFIRMATION_WINDOW,
        start_confirmed_by__isnull=True,
        start_disputed_at__isnull=True,
    ).values_list("pk", flat=True)
    count = 0
    for enrolment_id in list(due):
        with transaction.atomic():
            locked = lock_enrolment(Enrolment.objects.get(pk=enrolment_id))
            if _start_lapsed(locked, now):
                lapse_start(locked)
                count += 1
    return count
