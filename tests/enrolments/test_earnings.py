"""Providers see their earnings, read from the ledger; nobody else does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_record_start,
    enrolment_withdraw,
)
from tests.enrolments.helpers import make_world
from tests.factories import ProviderMembershipFactory
from tests.helpers import client_for
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def test_a_provider_sees_what_is_paid_held_and_payable_on_which_milestone() -> None:
    world = make_world(price=400_000, allowance=400_000)
    staff = world.provider_staff.user
    done, leaver, waiting = world.offered(), world.offered(), world.offered()
    for enrolment in (done, leaver, waiting):
        enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    for enrolment in (done, leaver):
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
        enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
    done.refresh_from_db()
    done = attendance_record(actor=staff, enrolment=done, sessions=[(timezone.localdate(), True)])
    enrolment_complete(actor=staff, enrolment=done)
    leaver.refresh_from_db()
    enrolment_withdraw(actor=leaver.learner, enrolment=leaver)

    provider = client_for(staff, mfa=True)
    body = provider.get(f"/api/v1/providers/{world.course.provider_id}/earnings").json()
    assert body["payable"] == {"GBP": 180_000 + 140_000 + 180_000}
    assert body["totals"] == {
        "held": 80_000 + 400_000,  # done's outcome share, waiting's whole price
        "released": 500_000,
        "clawed_back": 0,
        "paid": 500_000,
        "returned_to_learners": 220_000,
    }
    [cohort] = body["cohorts"]
    assert (cohort["cohort_id"], cohort["paid"]) == (world.cohort.pk, 500_000)

    rows = {
        row["enrolment_id"]: row
        for row in provider.get(f"/api/v1/provider/cohorts/{world.cohort.pk}/earnings").json()[
            "enrolments"
        ]
    }
    assert rows[done.pk]["paid_per_milestone"] == {
        "start": 180_000,
        "completion": 140_000,
        "outcome": None,
    }
    assert rows[done.pk]["payable_on"] == [{"milestone": "outcome", "amount": 80_000}]
    assert rows[waiting.pk]["payable_on"] == [
        {"milestone": "start", "amount": 180_000},
        {"milestone": "completion", "amount": 140_000},
        {"milestone": "outcome", "amount": 80_000},
    ]
    assert rows[leaver.pk]["payable_on"] == []
    assert rows[leaver.pk]["returned_to_learners"] == 220_000
    assert ledger_verify().ok


def test_earnings_are_for_the_providers_own_people_only() -> None:
    world = make_world()
    outsider = client_for(ProviderMembershipFactory.create().user, mfa=True)
    assert outsider.get(f"/api/v1/providers/{world.course.provider_id}/earnings").status_code == 404
    assert outsider.get(f"/api/v1/provider/cohorts/{world.cohort.pk}/earnings").status_code == 404
    learner = client_for(world.learner())
    assert learner.get(f"/api/v1/providers/{world.course.provider_id}/earnings").status_code in (
        403,
        404,
    )
    officer = client_for(world.officer, mfa=True)
    assert officer.get(f"/api/v1/provider/cohorts/{world.cohort.pk}/earnings").status_code == 404
