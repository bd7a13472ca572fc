"""Deferral and repayment under real concurrency: the deferral budget is never overdrawn and
a month is never charged twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from payments.errors import DeferralBudgetExhausted
from payments.models import RepaymentAgreement, RepaymentCharge
from payments.services import agreement_activate, income_declare, repayments_assess_due
from tests.concurrency import run_concurrently
from tests.payments.helpers import balance, deferral_hold, make_deferral_world
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_activations_racing_for_the_last_of_the_deferral_budget() -> None:
    world = make_deferral_world(deferral_budget=1_000_000)
    agreements = [world.signed(800_000) for _ in range(2)]
    holds = [deferral_hold(a).account for a in agreements]

    def activate(agreement: RepaymentAgreement, hold_id: int) -> Callable[[], Any]:
        return lambda: agreement_activate(
            actor=None, agreement=agreement, enrolment=agreement.enrolment, hold_account_id=hold_id
        )

    results = run_concurrently([activate(a, h.pk) for a, h in zip(agreements, holds, strict=True)])
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1
    assert isinstance(refused[0], DeferralBudgetExhausted)
    statuses = sorted(
        RepaymentAgreement.objects.filter(pk__in=[a.pk for a in agreements]).values_list(
            "status", flat=True
        )
    )
    assert statuses == ["active", "signed"]
    assert balance(world.deferral.budget_account_id) == 200_000
    assert sorted(balance(h.pk) for h in holds) == [0, 800_000]
    assert ledger_verify().ok


def test_two_assessment_runs_at_once_charge_each_month_once() -> None:
    world = make_deferral_world()
    agreement = world.activated(1_000_000)
    RepaymentAgreement.objects.filter(pk=agreement.pk).update(
        status="repaying",
        repayment_starts_on=dt.date(2027, 1, 1),
        write_off_on=dt.date(2032, 1, 1),
    )
    agreement.refresh_from_db()
    for month in (1, 2, 3):
        income_declare(
            actor=agreement.learner,
            agreement=agreement,
            period=dt.date(2027, month, 1),
            gross_income=900_000,
            today=dt.date(2027, 4, 1),
        )
    results = run_concurrently(
        [lambda: repayments_assess_due(today=dt.date(2027, 4, 1)) for _ in range(3)]
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert sum(r.charges for r in results) == 3
    assert (
        list(RepaymentCharge.objects.filter(agreement=agreement).values_list("amount", flat=True))
        == [153_000] * 3
    )
    assert balance(agreement.owed_account_id) == 459_000
    assert ledger_verify().ok
