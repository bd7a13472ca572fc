"""Programmes, eligibility, grants (one and bulk), spending from pots, and pot expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from providers.models import Provider
from tests.factories import ProviderFactory, UserFactory, make_programme
from tests.wallets.ledger_helpers import new_account
from users.models import User
from wallets.balances import programme_money
from wallets.eligibility import EligibilityFacts, check_eligibility
from wallets.errors import (
    AlreadyGranted,
    BudgetExhausted,
    BulkGrantHasErrors,
    InsufficientFunds,
    NotEligible,
    PotExpired,
    ProgrammeNotActive,
)
from wallets.models import FundingProgramme, Grant, LedgerAccount, LedgerEntry, WalletPot
from wallets.services import (
    SpendTarget,
    application_approve,
    application_submit,
    grant_create,
    grants_bulk_create,
    pots_expire_due,
    programme_approve_provider,
    programme_close,
    wallet_get_or_create,
    wallet_spend,
)
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db


def _balance(account_id: int) -> int:
    return LedgerAccount.objects.get(pk=account_id).balance


def _facts(**overrides: object) -> EligibilityFacts:
    values: dict[str, object] = {
        "date_of_birth": dt.date(1990, 5, 17),
        "postcode": "B1 1AA",
        "region": "West Midlands",
        "employment_status": "unemployed",
        "highest_qualification_level": 3,
    }
    values.update(overrides)
    return EligibilityFacts(**values)  # type: ignore[arg-type]


def test_eligibility_lists_every_reason() -> None:
    programme = make_programme(
        min_age=19,
        regions=["West Midlands"],
        postcode_prefixes=["B", "CV", "WS"],
        employment_statuses=["unemployed", "employed"],
        max_prior_qualification_level=5,
    )
    assert check_eligibility(programme, _facts(), timezone.localdate()) == []
    reasons = check_eligibility(
        programme,
        _facts(
            date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 17),
            postcode="TS1 2PE",
            region="Tees Valley",
            employment_status="inactive",
            highest_qualification_level=7,
        ),
        timezone.localdate(),
    )
    assert [r.code for r in reasons] == [
        "too_young",
        "region_not_covered",
        "postcode_not_covered",
        "employment_status_not_eligible",
        "qualification_too_high",
    ]
    # "B" is the Birmingham area; "BA" (Bath) is not inside it.
    assert [
        r.code
        for r in check_eligibility(programme, _facts(postcode="BA1 1AA"), timezone.localdate())
    ] == ["postcode_not_covered"]


def test_ineligible_application_is_refused_with_reasons_and_saves_nothing() -> None:
    programme = make_programme(min_age=25)
    learner = UserFactory.create()
    with pytest.raises(NotEligible) as info:
        application_submit(
            actor=learner, programme=programme, facts=_facts(date_of_birth=dt.date(2005, 1, 1))
        )
    assert info.value.extra["reasons"][0]["code"] == "too_young"
    assert not programme.applications.exists()


def test_approving_an_application_grants_the_allowance_into_a_new_pot() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000, funds_expiry_months=6)
    learner = UserFactory.create()
    officer = programme.funder.memberships.get().user
    application = application_submit(actor=learner, programme=programme, facts=_facts())
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False):
        grant = application_approve(actor=officer, application=application)
    pot = WalletPot.objects.get(grant=grant)
    assert _balance(pot.account_id) == 300_000
    assert pot.expires_at == dt.datetime(2027, 5, 23, 12, tzinfo=dt.UTC)
    assert _balance(programme.budget_account_id) == 700_000
    application.refresh_from_db()
    assert application.status == "approved"
    assert ledger_verify().ok


def test_grants_stop_when_the_budget_is_spent() -> None:
    programme = make_programme(budget=700_000, allowance=300_000)
    officer = programme.funder.memberships.get().user
    learners = UserFactory.create_batch(3)
    grant_create(actor=officer, programme=programme, learner=learners[0])
    grant_create(actor=officer, programme=programme, learner=learners[1])
    with pytest.raises(BudgetExhausted):
        grant_create(actor=officer, programme=programme, learner=learners[2])
    assert _balance(programme.budget_account_id) == 100_000
    assert not Grant.objects.filter(learner=learners[2]).exists()
    assert not WalletPot.objects.filter(wallet__learner=learners[2]).exists()
    with pytest.raises(AlreadyGranted):
        grant_create(actor=officer, programme=programme, learner=learners[0], amount=1)


def test_a_closed_programme_does_not_grant() -> None:
    programme = make_programme()
    officer = programme.funder.memberships.get().user
    programme = programme_close(actor=officer, programme=programme, reason="Ended.")
    with pytest.raises(ProgrammeNotActive):
        grant_create(actor=officer, programme=programme, learner=UserFactory.create())


def test_bulk_grant_reports_every_bad_row_and_grants_nothing() -> None:
    programme = make_programme(budget=2_000_000, allowance=300_000)
    officer = programme.funder.memberships.get().user
    a, b = UserFactory.create(email="a@example.org"), UserFactory.create(email="b@example.org")
    grant_create(actor=officer, programme=programme, learner=b)
    csv_text = (
        "email,amount\n"
        "a@example.org,250000\n"
        "not-an-email,\n"
        "nobody@example.org,\n"
        "b@example.org,\n"
        "A@example.org,\n"
        "a2@example.org,-5\n"
        "a3@example.org,999999999\n"
    )
    with pytest.raises(BulkGrantHasErrors) as info:
        grants_bulk_create(actor=officer, programme=programme, csv_text=csv_text)
    report = info.value.extra["report"]
    assert [(e["line"], e["reason"]) for e in report["errors"]] == [
        (3, "not a valid email address"),
        (4, "no learner has this email"),
        (5, "already granted by this programme"),
        (6, "duplicate of line 2"),
        (7, "amount must be a whole number of pence from 1 to 300000"),
        (8, "amount must be a whole number of pence from 1 to 300000"),
    ]
    assert report["valid_rows"] == 1
    assert not Grant.objects.filter(learner=a).exists()

    report = grants_bulk_create(
        actor=officer, programme=programme, csv_text=csv_text, grant_valid_rows=True
    )
    assert report.granted_total == 250_000
    assert Grant.objects.get(learner=a).amount == 250_000


def test_bulk_grant_over_budget_grants_nothing() -> None:
    programme = make_programme(budget=500_000, allowance=300_000)
    officer = programme.funder.memberships.get().user
    UserFactory.create(email="c@example.org")
    UserFactory.create(email="d@example.org")
    with pytest.raises(BudgetExhausted):
        grants_bulk_create(
            actor=officer, programme=programme, csv_text="email\nc@example.org\nd@example.org\n"
        )
    assert Grant.objects.count() == 0
    assert _balance(programme.budget_account_id) == 500_000


def _learner_with_two_pots() -> tuple[
    User, Provider, FundingProgramme, FundingProgramme, FundingProgramme
]:
    provider = ProviderFactory.create()
    soon = make_programme(funds_expiry_months=3, allowance=100_000)
    later = make_programme(funds_expiry_months=12, allowance=200_000, allowed_levels=[3, 4])
    other = make_programme(funds_expiry_months=1, allowance=500_000)  # provider not approved here
    learner = UserFactory.create()
    for programme in (soon, later, other):
        officer = programme.funder.memberships.get().user
        grant_create(actor=officer, programme=programme, learner=learner)
    for programme in (soon, later):
        programme_approve_provider(
            actor=programme.funder.memberships.get().user, programme=programme, provider=provider
        )
    return learner, provider, soon, later, other


def test_spending_draws_from_the_earliest_expiring_allowed_pot_first() -> None:
    learner, provider, soon, later, other = _learner_with_two_pots()
    wallet = wallet_get_or_create(learner=learner)
    payable = new_account(kind="provider_payable")
    spend = wallet_spend(
        actor=learner,
        wallet=wallet,
        amount=250_000,
        currency="GBP",
        target=SpendTarget(provider_id=provider.pk, level=3, skills=["data"]),
        destination=payable,
    )
    by_programme = {WalletPot.objects.get(pk=d.pot_id).programme_id: d.amount for d in spend.draws}
    assert by_programme == {soon.pk: 100_000, later.pk: 150_000}
    other_pot = WalletPot.objects.get(wallet=wallet, programme=other)
    assert _balance(other_pot.account_id) == 500_000  # never touched: provider not approved
    assert _balance(payable.pk) == 250_000


def test_spending_more_than_allowed_pots_hold_says_how_much_is_missing() -> None:
    learner, provider, *_ = _learner_with_two_pots()
    wallet = wallet_get_or_create(learner=learner)
    before = LedgerEntry.objects.count()
    with pytest.raises(InsufficientFunds) as info, transaction.atomic():
        wallet_spend(
            actor=learner,
            wallet=wallet,
            amount=350_000,
            currency="GBP",
            target=SpendTarget(provider_id=provider.pk, level=3, skills=[]),
            destination=new_account(kind="provider_payable"),
        )
    assert info.value.extra["shortfall"] == 50_000
    assert info.value.extra["available"] == 300_000
    assert LedgerEntry.objects.count() == before
    # A level-6 course: only the 'soon' pot (no level restriction) may pay.
    with pytest.raises(InsufficientFunds) as info, transaction.atomic():
        wallet_spend(
            actor=learner,
            wallet=wallet,
            amount=150_000,
            currency="GBP",
            target=SpendTarget(provider_id=provider.pk, level=6, skills=[]),
            destination=new_account(kind="provider_payable"),
        )
    assert info.value.extra["available"] == 100_000


def test_expired_pot_returns_its_money_to_the_programme_and_shows_on_the_statement() -> None:
    programme = make_programme(budget=1_000_000, allowance=300_000, funds_expiry_months=1)
    learner = UserFactory.create()
    officer = programme.funder.memberships.get().user
    grant = grant_create(actor=officer, programme=programme, learner=learner)
    pot = WalletPot.objects.get(grant=grant)
    provider = ProviderFactory.create()
    programme_approve_provider(actor=officer, programme=programme, provider=provider)
    wallet_spend(
        actor=learner,
        wallet=pot.wallet,
        amount=100_000,
        currency="GBP",
        target=SpendTarget(provider_id=provider.pk, level=3, skills=[]),
        destination=new_account(kind="provider_payable"),
    )
    assert pots_expire_due() == 0  # not yet due
    assert pot.expires_at is not None
    after_expiry = pot.expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(after_expiry, tick=False):
        # An expired pot cannot pay, even before the sweep has run, and the learner is told why.
        with pytest.raises(PotExpired) as info, transaction.atomic():
            wallet_spend(
                actor=learner,
                wallet=pot.wallet,
                amount=1,
                currency="GBP",
                target=SpendTarget(provider_id=provider.pk, level=3, skills=[]),
                destination=new_account(kind="provider_payable"),
            )
        assert info.value.extra["expired_pot_ids"] == [pot.pk]
        assert pots_expire_due() == 1
        assert pots_expire_due() == 0
    pot.refresh_from_db()
    assert pot.status == "expired"
    assert _balance(pot.account_id) == 0
    assert _balance(programme.budget_account_id) == 1_000_000 - 300_000 + 200_000
    last = LedgerEntry.objects.filter(account=pot.account).order_by("-sequence").first()
    assert last is not None
    assert last.amount == -200_000
    assert last.transaction.kind == "pot_expiry"
    assert "returned" in last.transaction.memo
    money = programme_money(programme=programme)
    assert money.returned_from_expired_pots == 200_000
    assert money.granted == 300_000
    assert money.balances
    assert ledger_verify().ok
