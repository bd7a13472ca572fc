"""Agreements: the disclosure (JSON and PDF), signing by hash, activation into a hold and
settlement when the hold closes. Nothing is deferred without a signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pypdf
import pytest
import time_machine
from django.utils import timezone

from core.errors import InvalidInput
from enrolments.models import Enrolment, MilestonePayment
from enrolments.services import (
    enrolment_accept,
    enrolment_confirm_start,
    enrolment_record_start,
    enrolment_withdraw,
)
from enrolments.services.money import milestone_share, release_milestone
from payments.disclosure import _local_only_fetcher, canonical, content_sha256
from payments.errors import (
    AgreementNotSigned,
    AgreementState,
    DeferralBudgetExhausted,
    DeferralTooLarge,
)
from payments.models import ProgrammeDeferral, RepaymentAgreement
from payments.services import (
    agreement_activate,
    agreement_propose,
    agreement_settle_on_exit,
    agreement_sign,
)
from tests.enrolments.helpers import held
from tests.factories import CohortFactory
from tests.helpers import client_for
from tests.payments.helpers import balance, deferral_hold, make_deferral_world
from wallets.models import LedgerAccount, LedgerTransaction, WalletPot
from wallets.verification import ledger_verify

pytestmark = pytest.mark.django_db

A = RepaymentAgreement.Status


def propose(client: Any, enrolment_id: int, amount: int) -> Any:
    return client.post(
        "/api/v1/repayments/agreements",
        {"enrolment_id": enrolment_id, "amount": amount},
        format="json",
    )


# --- The disclosure -----------------------------------------------------------------------------


def test_the_disclosure_states_every_figure_and_its_hash_is_of_the_canonical_json() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    response = propose(client_for(enrolment.learner), enrolment.pk, 1_000_000)
    assert response.status_code == 201, response.json()
    body = response.json()
    content = body["content"]
    assert body["status"] == "draft"
    assert body["document_sha256"] == hashlib.sha256(canonical(content)).hexdigest()
    assert content["currency"] == "USD"
    assert content["amount_deferred"] == 1_000_000
    assert content["plan"]["rate"] == "0.1700"
    assert content["plan"]["basis"] == "whole_income"
    assert content["threshold"]["annual"] == 5_000_000
    assert content["threshold"]["monthly"] == 416_666
    assert content["cap"] == 3_000_000
    assert content["max_payments"] == 24
    assert content["term_years"] == 5
    ends = world.cohort.end_date
    starts = dt.date(ends.year + (ends.month == 12), ends.month % 12 + 1, 1)
    assert content["repayment_starts_on"] == starts.isoformat()
    assert content["write_off_on"] == starts.replace(year=starts.year + 5).isoformat()
    assert content["is_credit"] is True
    assert "credit" in content["credit_notice"]
    incomes = [e["annual_income"] for e in content["worked_examples"]]
    assert incomes == [4_500_000, 6_000_000, 8_000_000]
    below, published, high = content["worked_examples"]
    assert below["monthly_payment"] == 0
    assert below["written_off"] == 1_000_000
    assert below["apr_percent"] is None
    assert published["monthly_payment"] == 85_000  # the published $850 a month
    assert published["payments"] == 24
    assert published["total_paid"] == 24 * 85_000
    assert high["monthly_payment"] == 113_300
    fastest = content["apr_if_cap_reached_fastest"]
    assert fastest["amount"] == 3_000_000
    assert fastest["payments"] == 1
    assert float(fastest["apr_percent"]) > float(high["apr_percent"]) > 0


def test_a_statutory_plan_discloses_no_interest() -> None:
    world = make_deferral_world(
        plan="plan_2", currency="GBP", price=600_000, allowance=100_000, max_per_learner=500_000
    )
    enrolment = world.offered()
    agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=500_000)
    content = agreement.disclosure
    assert content["cap"] == 500_000  # the amount deferred, no more
    assert content["max_payments"] is None
    assert content["threshold"]["fixed_for_the_agreement"] is False
    assert content["apr_if_cap_reached_fastest"]["apr_percent"] == "0.00"
    # Written off 30 years after the 6 April on or after repayment starts.
    assert content["write_off_on"].endswith("-04-06")
    assert content["term_years"] == 30


def test_the_disclosure_pdf_renders_the_same_figures_and_its_hash(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    client = client_for(enrolment.learner)
    with django_capture_on_commit_callbacks(execute=True):
        body = propose(client, enrolment.pk, 1_000_000).json()
    agreement = RepaymentAgreement.objects.get(pk=body["agreement_id"])
    assert agreement.disclosure_pdf is not None  # rendered after commit

    response = client.get(f"/api/v1/repayments/agreements/{agreement.pk}/disclosure.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == agreement.disclosure_pdf_sha256
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    content = body["content"]
    for figure in (
        "This is credit.",
        "Amount deferred $10,000.00",
        "17 % of all your income",
        "$50,000.00 a year ($4,166.66 a month)",
        "Cap: the most you can ever pay $30,000.00",
        "Maximum number of payments 24",
        "Term 5 years",
        f"Write-off date {content['write_off_on']}",
        f"{content['apr_if_cap_reached_fastest']['apr_percent']} %",
        "$60,000.00 $5,000.00 $850.00 24 $20,400.00",
        "truncated to the cent",
        "rounded down to a whole dollar",
        body["document_sha256"],
    ):
        assert figure in text, figure
    fonts = {
        str(font["/BaseFont"])
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    # Only the fonts our @font-face rules load from static/fonts/ (not the system's).
    assert {name.split("+")[1] for name in fonts} == {"Disclosure-Sans", "Disclosure-Sans-Bold"}


def test_rendering_refuses_anything_but_our_own_fonts(tmp_path: Any) -> None:
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _local_only_fetcher()
    for url in (
        "https://example.org/font.ttf",
        "http://169.254.169.254/latest/meta-data/",
        (tmp_path / "x.ttf").as_uri(),
        "file:///etc/passwd",
        "data:text/plain,hello",
    ):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    from payments.disclosure import FONTS_DIR

    assert fetcher.fetch((FONTS_DIR / "DejaVuSans.ttf").as_uri()).read()[:4] == b"\x00\x01\x00\x00"


# --- Signing ------------------------------------------------------------------------------------


def test_signing_records_the_time_the_ip_and_the_hash_of_the_document_shown(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    client = client_for(enrolment.learner)
    with django_capture_on_commit_callbacks(execute=True):
        body = propose(client, enrolment.pk, 1_000_000).json()
    agreement_id = body["agreement_id"]
    pdf = client.get(f"/api/v1/repayments/agreements/{agreement_id}/disclosure.pdf").content

    wrong = client.post(
        f"/api/v1/repayments/agreements/{agreement_id}/sign",
        {"document_sha256": "0" * 64},
        format="json",
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "disclosure_changed"
    assert RepaymentAgreement.objects.get(pk=agreement_id).signed_at is None

    signed = client.post(
        f"/api/v1/repayments/agreements/{agreement_id}/sign",
        {"document_sha256": body["document_sha256"]},
        format="json",
        REMOTE_ADDR="198.51.100.23",
    )
    assert signed.status_code == 200, signed.json()
    agreement = RepaymentAgreement.objects.get(pk=agreement_id)
    assert agreement.status == A.SIGNED
    assert agreement.signed_at is not None
    assert abs(agreement.signed_at - timezone.now()) < dt.timedelta(minutes=1)
    assert agreement.signed_ip == "198.51.100.23"
    assert agreement.signed_document_sha256 == body["document_sha256"]
    assert agreement.signed_pdf_sha256 == hashlib.sha256(pdf).hexdigest()

    again = client.post(
        f"/api/v1/repayments/agreements/{agreement_id}/sign",
        {"document_sha256": body["document_sha256"]},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "agreement_state"


def test_a_changed_document_is_refused() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=900_000)
    shown = agreement.disclosure_sha256
    tampered = {**agreement.disclosure, "cap": 9_000_000}
    RepaymentAgreement.objects.filter(pk=agreement.pk).update(disclosure=tampered)
    response = client_for(enrolment.learner).post(
        f"/api/v1/repayments/agreements/{agreement.pk}/sign",
        {"document_sha256": shown},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "disclosure_changed"
    assert content_sha256(tampered) != shown


def test_a_newer_disclosure_supersedes_the_one_shown_before() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    first = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=900_000)
    second = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=800_000)
    client = client_for(enrolment.learner)
    stale = client.post(
        f"/api/v1/repayments/agreements/{first.pk}/sign",
        {"document_sha256": first.disclosure_sha256},
        format="json",
    )
    assert stale.status_code == 409
    assert RepaymentAgreement.objects.get(pk=first.pk).status == A.SUPERSEDED
    assert second.disclosure_sha256 != first.disclosure_sha256


def test_an_expired_disclosure_cannot_be_signed() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=900_000)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = client_for(enrolment.learner).post(
            f"/api/v1/repayments/agreements/{agreement.pk}/sign",
            {"document_sha256": agreement.disclosure_sha256},
            format="json",
        )
    assert response.status_code == 409
    assert response.json()["code"] == "disclosure_expired"


# --- Proposal refusals and the offer -----------------------------------------------------------


def test_the_offer_is_the_smaller_of_the_programme_maximum_and_what_is_left_unpaid() -> None:
    world = make_deferral_world(price=1_200_000, allowance=200_000, max_per_learner=600_000)
    enrolment = world.offered()
    client = client_for(enrolment.learner)
    offer = client.get(f"/api/v1/repayments/enrolments/{enrolment.pk}/deferral-offer").json()
    assert offer["unpaid"] == 1_000_000
    assert offer["maximum"] == 600_000
    assert offer["plan"] == "bootcamp_isa"
    too_much = propose(client, enrolment.pk, 600_001)
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "deferral_too_large"
    assert too_much.json()["extra"]["maximum"] == 600_000
    assert not RepaymentAgreement.objects.exists()


def test_a_learner_with_agreements_elsewhere_may_defer_only_what_remains_of_the_maximum() -> None:
    world = make_deferral_world(max_per_learner=1_000_000)
    first = world.activated(600_000)
    other = CohortFactory.create(course=world.course, capacity=5)
    enrolment = world.offered(first.learner, cohort=other)
    offer = client_for(first.learner).get(
        f"/api/v1/repayments/enrolments/{enrolment.pk}/deferral-offer"
    )
    assert offer.json()["maximum"] == 400_000


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("not_offered", 409, "enrolment_not_offered"),
        ("no_grant", 422, "deferral_not_offered"),
        ("inactive", 422, "deferral_not_offered"),
        ("zero", 400, "invalid"),
        ("text", 400, "invalid"),
    ],
)
def test_proposals_are_refused_with_the_error_body(setup: str, status: int, code: str) -> None:
    world = make_deferral_world()
    if setup == "no_grant":
        enrolment = world.offered(world.learner(grant=False))
    else:
        enrolment = world.offered()
    amount: Any = 500_000
    if setup == "not_offered":
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.APPLIED)
    elif setup == "inactive":
        ProgrammeDeferral.objects.filter(pk=world.deferral.pk).update(active=False)
    elif setup == "zero":
        amount = 0
    elif setup == "text":
        amount = "500000"
    response = propose(client_for(enrolment.learner), enrolment.pk, amount)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not RepaymentAgreement.objects.exists()


def test_a_programme_without_deferral_offers_none() -> None:
    from tests.enrolments.helpers import make_world

    world = make_world()
    enrolment = world.offered()
    response = propose(client_for(enrolment.learner), enrolment.pk, 10_000)
    assert response.status_code == 422
    assert response.json()["code"] == "deferral_not_offered"


def test_another_learners_enrolment_and_agreement_are_not_found() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=500_000)
    stranger = client_for(world.learner())
    assert propose(stranger, enrolment.pk, 500_000).status_code == 404
    for suffix in ("", "/disclosure", "/disclosure.pdf", "/declarations"):
        url = f"/api/v1/repayments/agreements/{agreement.pk}{suffix}"
        assert stranger.get(url).status_code == 404, url
    signed = stranger.post(
        f"/api/v1/repayments/agreements/{agreement.pk}/sign",
        {"document_sha256": agreement.disclosure_sha256},
        format="json",
    )
    assert signed.status_code == 404


# --- Activation -------------------------------------------------------------------------------


def test_an_unsigned_deferral_is_refused_and_nothing_moves() -> None:
    world = make_deferral_world()
    enrolment = world.offered()
    agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=1_000_000)
    hold = deferral_hold(agreement)
    with pytest.raises(AgreementNotSigned):
        agreement_activate(
            actor=enrolment.learner,
            agreement=agreement,
            enrolment=enrolment,
            hold_account_id=hold.account_id,
        )
    assert balance(world.deferral.budget_account_id) == 5_000_000
    assert balance(hold.account_id) == 0
    assert RepaymentAgreement.objects.get(pk=agreement.pk).status == A.DRAFT


def test_activation_draws_the_deferred_part_into_the_hold_and_books_the_debt() -> None:
    world = make_deferral_world()
    agreement = world.activated(1_000_000)
    assert agreement.status == A.ACTIVE
    assert balance(agreement.hold_account_id) == 1_000_000
    assert balance(world.deferral.budget_account_id) == 4_000_000
    assert balance(agreement.receivable_account_id) == 1_000_000
    assert balance(world.deferral.obligations_account_id) == -1_000_000
    assert agreement.receivable_account is not None
    assert agreement.receivable_account.kind == LedgerAccount.Kind.DEFERRAL_RECEIVABLE
    # Whose money: every account of the deferral is the programme's.
    owned = set(
        LedgerAccount.objects.filter(owner_programme=world.programme).values_list("pk", flat=True)
    )
    assert {
        world.deferral.budget_account_id,
        world.deferral.obligations_account_id,
        agreement.receivable_account_id,
        agreement.owed_account_id,
        agreement.hold_account_id,
    } <= owned
    assert agreement.draw_transaction is not None
    assert agreement.draw_transaction.kind == LedgerTransaction.Kind.DEFERRAL_DRAW
    with pytest.raises(AgreementState):
        agreement_activate(
            actor=None,
            agreement=agreement,
            enrolment=agreement.enrolment,
            hold_account_id=agreement.hold_account_id or 0,
        )
    assert balance(agreement.hold_account_id) == 1_000_000
    assert ledger_verify().ok


def test_activation_at_acceptance_is_a_one_line_call_after_the_deferral_hold() -> None:
    world = make_deferral_world(price=1_200_000, allowance=200_000)
    agreement = world.signed(1_000_000)
    enrolment = enrolment_accept(
        actor=agreement.learner, enrolment=agreement.enrolment, deferred_part=1_000_000
    )
    assert held(enrolment) == 200_000  # the wallet part, in the programme's grant hold
    hold = deferral_hold(agreement)  # what the acceptance will create ...
    agreement_activate(  # ... and the one line it will call
        actor=agreement.learner,
        agreement=agreement,
        enrolment=enrolment,
        hold_account_id=hold.account_id,
    )
    assert held(enrolment) == 1_200_000  # the whole price
    assert [h.source for h in enrolment.holds.order_by("position")] == ["grant", "deferral"]
    assert ledger_verify().ok


def test_activation_refuses_any_hold_but_the_enrolments_new_deferral_hold() -> None:
    world = make_deferral_world(price=1_200_000, allowance=200_000)
    agreement = world.signed(1_000_000)
    pot = WalletPot.objects.filter(wallet__learner=agreement.learner).get()
    enrolment = enrolment_accept(
        actor=agreement.learner, enrolment=agreement.enrolment, deferred_part=1_000_000
    )
    grant_hold = enrolment.holds.get()
    other = world.offered()
    other_agreement = world.signed(1_000_000, enrolment=other)
    for hold_account_id, for_enrolment in (
        (pot.account_id, enrolment),  # a pot, not a hold
        (grant_hold.account_id, enrolment),  # the wallet's hold
        (deferral_hold(other_agreement).account_id, enrolment),  # another enrolment's hold
        (deferral_hold(agreement).account_id, other),  # another enrolment
    ):
        with pytest.raises(InvalidInput) as refused:
            agreement_activate(
                actor=None,
                agreement=agreement,
                enrolment=for_enrolment,
                hold_account_id=hold_account_id,
            )
        assert refused.value.code == "invalid"
    assert balance(world.deferral.budget_account_id) == 5_000_000


def test_activation_beyond_the_deferral_budget_is_refused_and_nothing_moves() -> None:
    world = make_deferral_world(deferral_budget=700_000)
    agreement = world.signed(1_000_000)
    hold = deferral_hold(agreement)
    with pytest.raises(DeferralBudgetExhausted):
        agreement_activate(
            actor=None,
            agreement=agreement,
            enrolment=agreement.enrolment,
            hold_account_id=hold.account_id,
        )
    assert balance(world.deferral.budget_account_id) == 700_000
    assert RepaymentAgreement.objects.get(pk=agreement.pk).status == A.SIGNED


def test_activation_rechecks_the_per_learner_maximum() -> None:
    world = make_deferral_world(max_per_learner=1_000_000)
    learner = world.learner()
    first = agreement_propose(actor=learner, enrolment=world.offered(learner), amount=700_000)
    other_cohort = CohortFactory.create(course=world.course, capacity=5)
    second_enrolment = world.offered(learner, cohort=other_cohort)
    # Both drafts fit on their own; both are signed before either is drawn.
    second = agreement_propose(actor=learner, enrolment=second_enrolment, amount=700_000)
    for agreement in (first, second):
        agreement_sign(
            actor=learner, agreement=agreement, document_sha256=agreement.disclosure_sha256, ip=None
        )
    agreement_activate(
        actor=None,
        agreement=first,
        enrolment=first.enrolment,
        hold_account_id=deferral_hold(first).account_id,
    )
    with pytest.raises(DeferralTooLarge):
        agreement_activate(
            actor=None,
            agreement=second,
            enrolment=second_enrolment,
            hold_account_id=deferral_hold(second).account_id,
        )
    assert balance(world.deferral.budget_account_id) == 5_000_000 - 700_000


# --- Settlement when the hold closes -----------------------------------------------------------


def test_leaving_before_anything_is_paid_out_returns_everything_and_owes_nothing() -> None:
    world = make_deferral_world()
    agreement = world.activated(1_000_000)
    settlement = agreement_settle_on_exit(actor=None, agreement=agreement)
    assert settlement.paid_out == 0
    assert settlement.returned == 1_000_000
    agreement.refresh_from_db()
    assert agreement.status == A.CANCELLED
    assert agreement.amount == 0
    assert balance(agreement.receivable_account_id) == 0
    assert balance(agreement.hold_account_id) == 0
    assert balance(world.deferral.budget_account_id) == 5_000_000
    assert balance(world.deferral.obligations_account_id) == 0
    with pytest.raises(AgreementState):
        agreement_settle_on_exit(actor=None, agreement=agreement)
    assert ledger_verify().ok


def test_leaving_after_the_start_milestone_leaves_a_debt_of_what_was_paid_out() -> None:
    world = make_deferral_world()
    agreement = world.activated(1_000_000)
    enrolment = agreement.enrolment
    share = milestone_share(enrolment, MilestonePayment.Milestone.START)
    assert share == 450_000
    release_milestone(actor=None, enrolment=enrolment, milestone="start", amount=share)
    settlement = agreement_settle_on_exit(
        actor=agreement.learner, agreement=agreement, today=dt.date(2027, 2, 10)
    )
    assert (settlement.paid_out, settlement.returned) == (450_000, 550_000)
    agreement.refresh_from_db()
    assert agreement.status == A.REPAYING
    assert agreement.amount == 450_000
    assert agreement.amount_agreed == 1_000_000
    assert agreement.cap == 1_350_000  # the $30,000 cap in the same proportion
    assert agreement.repayment_starts_on == dt.date(2027, 3, 1)
    assert agreement.write_off_on == dt.date(2032, 3, 1)
    assert balance(agreement.receivable_account_id) == 450_000
    assert balance(agreement.hold_account_id) == 0
    assert balance(world.deferral.budget_account_id) == 4_550_000
    assert ledger_verify().ok


def test_the_wallet_pays_first_and_the_debt_is_only_what_the_deferral_paid() -> None:
    """The real acceptance, start milestone and withdrawal around the two calls: holds pay in
    release order (the grant first, the deferral last), so the debt is the least it can be."""
    world = make_deferral_world(price=1_200_000, allowance=200_000)
    agreement = world.signed(1_000_000)
    enrolment = enrolment_accept(
        actor=agreement.learner, enrolment=agreement.enrolment, deferred_part=1_000_000
    )
    agreement_activate(
        actor=None,
        agreement=agreement,
        enrolment=enrolment,
        hold_account_id=deferral_hold(agreement).account_id,
    )
    with time_machine.travel(world.cohort.start_date + dt.timedelta(hours=12), tick=False):
        enrolment = enrolment_record_start(actor=world.provider_staff.user, enrolment=enrolment)
        enrolment = enrolment_confirm_start(actor=enrolment.learner, enrolment=enrolment)
        paid = enrolment.milestone_payments.get(milestone="start").amount
        assert paid == 540_000  # 45 % of the whole price less the co-payment
        settlement = agreement_settle_on_exit(actor=enrolment.learner, agreement=agreement)
        assert (settlement.paid_out, settlement.returned) == (340_000, 660_000)
        enrolment_withdraw(actor=enrolment.learner, enrolment=enrolment, reason="New job")
    pot = WalletPot.objects.get(wallet__learner=enrolment.learner)
    assert balance(pot.account_id) == 0  # the grant paid its 200,000 first
    assert held(enrolment) == 0
    agreement.refresh_from_db()
    assert balance(agreement.receivable_account_id) == 340_000 == agreement.amount
    assert balance(world.deferral.budget_account_id) == 5_000_000 - 340_000
    assert ledger_verify().ok


def test_a_signed_agreement_for_a_place_no_longer_on_offer_does_not_use_up_the_maximum() -> None:
    world = make_deferral_world(max_per_learner=1_000_000)
    stale = world.signed(600_000)
    Enrolment.objects.filter(pk=stale.enrolment_id).update(status=Enrolment.Status.DECLINED)
    other = world.offered(stale.learner, cohort=CohortFactory.create(course=world.course))
    offer = client_for(stale.learner).get(
        f"/api/v1/repayments/enrolments/{other.pk}/deferral-offer"
    )
    assert offer.json()["maximum"] == 1_000_000
