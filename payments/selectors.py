"""Reads of repayment data, scoped to the caller: plans and thresholds (public), a learner's
own agreements, a funder's people's agreements and deferral offers (404 outside them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import NotFound
from enrolments.models import Enrolment
from enrolments.services.money import funding_programme, spend_target
from payments.calculator import tax_year_label
from payments.errors import DeferralNotOffered, ThresholdNotFound, UnknownPlan
from payments.models import PlanThreshold, ProgrammeDeferral, RepaymentAgreement, RepaymentPlan
from wallets.models import FunderMembership, FundingProgramme, Wallet
from wallets.services.pots import spendable_pots

# --- Plans and thresholds ---------------------------------------------------------------------


def plans_active() -> QuerySet[RepaymentPlan]:
    return RepaymentPlan.objects.filter(active=True).prefetch_related("thresholds")


def plan_get_by_code(*, code: str) -> RepaymentPlan:
    plan = RepaymentPlan.objects.filter(code=code, active=True).first()
    if plan is None:
        raise UnknownPlan(plan=code)
    return plan


def plan_threshold_for(*, plan: RepaymentPlan, tax_year: int) -> PlanThreshold:
    """The annual threshold that applies in `tax_year`: that year's own for plans that follow
    the tax year; for plans fixed at signing, the latest one in force by then."""
    thresholds = PlanThreshold.objects.filter(plan=plan)
    if plan.threshold_rule == RepaymentPlan.ThresholdRule.BY_TAX_YEAR:
        threshold = thresholds.filter(tax_year=tax_year).first()
    else:
        threshold = thresholds.filter(tax_year__lte=tax_year).order_by("-tax_year").first()
    if threshold is None:
        raise ThresholdNotFound(
            f"The plan {plan.code} has no threshold for {tax_year_label(tax_year)}.",
            plan=plan.code,
            tax_year=tax_year_label(tax_year),
        )
    return threshold


# --- Deferral offers --------------------------------------------------------------------------


def deferral_get_for_programme(*, programme: FundingProgramme) -> ProgrammeDeferral | None:
    return (
        ProgrammeDeferral.objects.filter(programme=programme)
        .select_related("plan", "budget_account", "obligations_account")
        .first()
    )


@dataclass(frozen=True)
class DeferralOffer:
    """What a learner may defer for an offered place (all amounts in minor units)."""

    deferral: ProgrammeDeferral
    currency: str
    price: int
    co_payment: int
    wallet_available: int
    unpaid: int  # what the wallet and the co-payment leave unpaid
    learner_remaining: int  # the programme's per-learner maximum, less live agreements
    maximum: int


def deferral_offer_for(*, enrolment: Enrolment) -> DeferralOffer:
    """The deferral the programme funding this place offers, and its maximum for this learner.

    The programme is the one whose pot would pay first (as at acceptance): a programme lends
    only to learners it has granted funds to. The price and co-payment are the offer's.
    """
    course = enrolment.cohort.course
    wallet = Wallet.objects.filter(learner_id=enrolment.learner_id).first()
    if wallet is None:
        raise DeferralNotOffered(enrolment_id=enrolment.pk)
    programme = funding_programme(wallet=wallet, course=course)
    deferral = deferral_get_for_programme(programme=programme) if programme else None
    if (
        programme is None
        or deferral is None
        or not deferral.active
        or programme.status != FundingProgramme.Status.ACTIVE
        or deferral.plan.currency != enrolment.currency
    ):
        raise DeferralNotOffered(enrolment_id=enrolment.pk)
    pots = spendable_pots(
        wallet=wallet, target=spend_target(course), currency=course.currency, now=timezone.now()
    )
    available = sum(pot.account.balance for pot in pots)
    unpaid = max(0, enrolment.price - enrolment.co_payment - available)
    # Drawn agreements, and signed ones whose place may still be accepted.
    live = (
        RepaymentAgreement.objects.filter(learner_id=enrolment.learner_id, deferral=deferral)
        .filter(
            Q(status__in=(RepaymentAgreement.Status.ACTIVE, RepaymentAgreement.Status.REPAYING))
            | Q(
                status=RepaymentAgreement.Status.SIGNED,
                enrolment__status=Enrolment.Status.OFFERED,
            )
        )
        .exclude(enrolment=enrolment)
        .aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    )
    learner_remaining = max(0, deferral.max_per_learner - live)
    return DeferralOffer(
        deferral=deferral,
        currency=enrolment.currency,
        price=enrolment.price,
        co_payment=enrolment.co_payment,
        wallet_available=available,
        unpaid=unpaid,
        learner_remaining=learner_remaining,
        maximum=min(unpaid, learner_remaining),
    )


# --- Agreements -------------------------------------------------------------------------------

_RELATED = (
    "plan",
    "deferral__programme__funder",
    "enrolment__cohort__course__provider",
    "learner",
)


def _with_totals(queryset: QuerySet[RepaymentAgreement]) -> QuerySet[RepaymentAgreement]:
    return queryset.select_related(*_RELATED).annotate(
        total_charged=Coalesce(Sum("charges__amount"), 0),
        total_collected=Coalesce(Sum("charges__amount", filter=Q(charges__status="collected")), 0),
    )


def agreements_for_learner(*, user: Any) -> QuerySet[RepaymentAgreement]:
    return _with_totals(RepaymentAgreement.objects.filter(learner=user))


def agreement_get_for_learner(*, user: Any, agreement_id: int) -> RepaymentAgreement:
    agreement = agreements_for_learner(user=user).filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound("Agreement not found.")
    return agreement


def agreements_for_funder_member(*, user: Any) -> QuerySet[RepaymentAgreement]:
    """Agreements on programmes of the user's funders (officers and auditors alike)."""
    return _with_totals(
        RepaymentAgreement.objects.filter(
            deferral__programme__funder__in=FunderMembership.objects.filter(user=user).values(
                "funder_id"
            )
        )
    )


def agreement_get_for_funder_member(*, user: Any, agreement_id: int) -> RepaymentAgreement:
    agreement = agreements_for_funder_member(user=user).filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound("Agreement not found.")
    return agreement
