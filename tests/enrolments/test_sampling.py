"""Outcome sampling an auditor can reproduce: a keyed hash of the programme's seed and the
enrolment id against the effective rate (100 % for a provider with a recent rejection)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from enrolments.models import Enrolment, EnrolmentEvent
from enrolments.sampling import Reason, decide, sampling_draw, sampling_verify
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_outcome,
    enrolment_record_start,
    outcome_verify,
)
from tests.enrolments.helpers import World, make_world
from wallets.models import FundingProgramme
from wallets.models.programmes import new_sampling_seed

pytestmark = pytest.mark.django_db

SEED_A = "a" * 64
SEED_B = "b" * 64


def test_the_same_seed_and_id_give_the_same_draw_and_another_seed_another_pattern() -> None:
    assert sampling_draw(SEED_A, 42) == sampling_draw(SEED_A, 42)
    pattern_a = [sampling_draw(SEED_A, i) < Fraction(1, 2) for i in range(200)]
    pattern_b = [sampling_draw(SEED_B, i) < Fraction(1, 2) for i in range(200)]
    assert pattern_a != pattern_b
    # Unrelated patterns agree about half the time, not always or never.
    agree = sum(a == b for a, b in zip(pattern_a, pattern_b, strict=True))
    assert 60 < agree < 140
    assert all(0 <= sampling_draw(SEED_A, i) < 1 for i in range(200))


def test_the_rate_is_honoured_over_many_ids() -> None:
    for rate in (Fraction(1, 10), Fraction(1, 4)):
        sampled = sum(sampling_draw(SEED_A, i) < rate for i in range(20_000))
        assert abs(sampled / 20_000 - rate) < 0.01, (rate, sampled)


def test_a_decision_is_pure_given_seed_id_and_rate() -> None:
    at = timezone.now()
    first = decide(seed=SEED_A, enrolment_id=7, provider_id=0, base_rate=Decimal("0.5"), at=at)
    again = decide(seed=SEED_A, enrolment_id=7, provider_id=0, base_rate=Decimal("0.5"), at=at)
    assert first == again
    assert first.reason == Reason.BASE_RATE
    assert first.rate == Decimal("0.5")
    never = decide(seed=SEED_A, enrolment_id=7, provider_id=0, base_rate=Decimal("0"), at=at)
    always = decide(seed=SEED_A, enrolment_id=7, provider_id=0, base_rate=Decimal("1"), at=at)
    assert (never.sampled, always.sampled) == (False, True)


def test_every_programme_gets_its_own_secret_seed_that_the_programme_api_never_shows() -> None:
    world = make_world()
    other = make_world()
    assert len(world.programme.sampling_seed) == 64
    assert world.programme.sampling_seed != other.programme.sampling_seed
    assert new_sampling_seed() != new_sampling_seed()
    from tests.helpers import client_for

    officer = client_for(world.officer, mfa=True)
    body = officer.get(f"/api/v1/funder/programmes/{world.programme.pk}").content.decode()
    assert world.programme.sampling_seed not in body
    assert "sampling_seed" not in body


def _completed(world: World, count: int) -> list[Enrolment]:
    """`count` enrolments on the world's cohort, started, attended and completed today."""
    accepted = []
    for _ in range(count):
        offered = world.offered()
        accepted.append(enrolment_accept(actor=offered.learner, enrolment=offered))
    world.run_cohort(days_ago=0)
    staff = world.provider_staff.user
    done = []
    for enrolment in accepted:
        started = enrolment_record_start(actor=staff, enrolment=enrolment)
        started = enrolment_confirm_start(actor=started.learner, enrolment=started)
        started = attendance_record(
            actor=staff, enrolment=started, sessions=[(timezone.localdate(), True)]
        )
        done.append(enrolment_complete(actor=staff, enrolment=started))
    return done


def _record(world: World, enrolment: Enrolment) -> Enrolment:
    return enrolment_record_outcome(
        actor=world.provider_staff.user,
        enrolment=enrolment,
        outcome="employment",
        evidence="Contract seen",
        outcome_date=timezone.localdate(),
    )


def _decision(enrolment: Enrolment) -> dict[str, str]:
    event = EnrolmentEvent.objects.get(enrolment=enrolment, action="record_outcome")
    return event.detail["sampling"]


def _set_rate(world: World, rate: str) -> None:
    FundingProgramme.objects.filter(pk=world.programme.pk).update(outcome_sample_rate=Decimal(rate))


def test_a_rejection_samples_the_provider_at_100_percent_until_ten_verified_in_a_row() -> None:
    world = make_world(capacity=20, sample_rate="1")
    enrolments = _completed(world, 12)
    first = _record(world, enrolments[0])
    assert _decision(first)["reason"] == Reason.BASE_RATE
    outcome_verify(actor=world.officer, enrolment=first, verified=False, reason="No contract")

    # The programme now samples nobody; the provider's rejection overrides that.
    _set_rate(world, "0")
    for enrolment in enrolments[1:11]:
        recorded = _record(world, enrolment)
        decision = _decision(recorded)
        assert (decision["sampled"], decision["rate"], decision["reason"]) == (
            True,
            "1",
            Reason.RISK_REJECTED_OUTCOME,
        )
        assert recorded.outcome_verification == "pending"
        outcome_verify(actor=world.officer, enrolment=recorded, verified=True)

    # Ten verified in a row since the rejection: back to the programme's rate (0: not sampled).
    back = _record(world, enrolments[11])
    assert _decision(back) | {"draw": ""} == _decision(back) | {
        "sampled": False,
        "rate": "0.000",
        "reason": Reason.BASE_RATE,
        "draw": "",
    }
    assert back.outcome_verification == "not_sampled"

    # Every decision re-derives from the seed; a wrong seed does not.
    audit = sampling_verify(programme_id=world.programme.pk, seed=world.programme.sampling_seed)
    assert (audit.checked, audit.sampled, audit.mismatches) == (12, 11, [])
    wrong = sampling_verify(programme_id=world.programme.pk, seed=SEED_A)
    assert len(wrong.mismatches) == 12


def test_a_rejection_older_than_90_days_no_longer_raises_the_rate() -> None:
    world = make_world(capacity=5, sample_rate="1")
    first, second = _completed(world, 2)
    outcome_verify(
        actor=world.officer, enrolment=_record(world, first), verified=False, reason="Forged"
    )
    _set_rate(world, "0")
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        # The outcome window is six months: still open 91 days on.
        later = _record(world, second)
    assert _decision(later)["reason"] == Reason.BASE_RATE
    assert later.outcome_verification == "not_sampled"


def test_sampling_verify_reports_a_tampered_decision() -> None:
    world = make_world(capacity=5, sample_rate="1")
    (enrolment,) = _completed(world, 1)
    enrolment = _record(world, enrolment)
    call_command("sampling_verify", "--programme", str(world.programme.pk))

    event = EnrolmentEvent.objects.get(enrolment=enrolment, action="record_outcome")
    event.detail["sampling"]["sampled"] = False
    event.save(update_fields=["detail"])
    with pytest.raises(CommandError, match="1 decisions do not match"):
        call_command("sampling_verify", "--programme", str(world.programme.pk))

    # A decision consistent with itself but not with what happened is reported too.
    event.detail["sampling"]["sampled"] = True
    event.save(update_fields=["detail"])
    Enrolment.objects.filter(pk=enrolment.pk).update(outcome_verification="not_sampled")
    audit = sampling_verify(programme_id=world.programme.pk, seed=world.programme.sampling_seed)
    assert [m.enrolment_id for m in audit.mismatches] == [enrolment.pk]
