"""Demo funding: the West Midlands and Tees Valley digital bootcamp programmes, funded, with
learners holding pots and one application waiting for a decision. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from providers.models import Provider
from users.models import User
from wallets.eligibility import EligibilityFacts
from wallets.models import Funder, FundingProgramme, Grant, ProgrammeApplication
from wallets.services import (
    application_submit,
    grant_create,
    programme_activate,
    programme_approve_provider,
    programme_create,
    programme_fund,
)


def _programme(
    funder: Funder, officer: User, name: str, budget: int, **fields: object
) -> FundingProgramme:
    programme = FundingProgramme.objects.filter(funder=funder, name=name).first()
    if programme is None:
        programme = programme_create(actor=officer, funder=funder, name=name, **fields)
        programme_fund(
            actor=officer, programme=programme, amount=budget, idempotency_key="demo-initial-budget"
        )
    if programme.status == FundingProgramme.Status.DRAFT:
        programme = programme_activate(actor=officer, programme=programme)
    return programme


def load_wallets(users: dict[str, User]) -> dict[str, FundingProgramme]:
    today = timezone.localdate()
    opens = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    west_midlands = Funder.objects.get(name="West Midlands Combined Authority")
    tees_valley = Funder.objects.get(name="Tees Valley Combined Authority")

    wm = _programme(
        west_midlands,
        users["funder_officer"],
        "West Midlands Digital Skills Bootcamps 2026-27",
        budget=200_000_000,  # £2,000,000
        description="Free 12-16 week bootcamps in software, data, cyber and cloud for adults "
        "living in the West Midlands Combined Authority area.",
        opens_on=opens,
        closes_on=opens + dt.timedelta(days=364),
        budget_target=200_000_000,
        min_age=19,
        regions=["West Midlands"],
        postcode_prefixes=["B", "CV", "WS", "WV", "DY"],
        allowance=450_000,
        allowed_levels=[3, 4, 5, 6],
        funds_expiry_months=12,
        co_payment_kind=FundingProgramme.CoPayment.NONE,
        # A first year: every outcome is checked (docs/audit.md), so the demo's recorded
        # outcome waits for the officer's check whatever the programme's sampling seed.
        outcome_sample_rate=Decimal("1"),
    )
    tv = _programme(
        tees_valley,
        users["tees_officer"],
        "Tees Valley Digital Bootcamps 2026-27",
        budget=75_000_000,  # £750,000
        description="Digital bootcamps for Tees Valley residents; employers co-fund 10% for "
        "their own staff.",
        opens_on=opens,
        closes_on=opens + dt.timedelta(days=364),
        budget_target=75_000_000,
        min_age=19,
        regions=["Tees Valley"],
        postcode_prefixes=["TS", "DL"],
        allowance=300_000,
        funds_expiry_months=9,
        co_payment_kind=FundingProgramme.CoPayment.PERCENT,
        co_payment_percent=Decimal("10.00"),
    )
    for ukprn in ("10091234", "10065432"):  # Brum Code Academy, Shield Cyber School
        provider = Provider.objects.get(ukprn=ukprn)
        programme_approve_provider(actor=users["funder_officer"], programme=wm, provider=provider)
    for ukprn in ("10087654", "10065432"):  # Teesside Data Academy, Shield Cyber School
        provider = Provider.objects.get(ukprn=ukprn)
        programme_approve_provider(actor=users["tees_officer"], programme=tv, provider=provider)

    if not Grant.objects.filter(programme=wm, learner=users["learner"]).exists():
        grant_create(actor=users["funder_officer"], programme=wm, learner=users["learner"])
    if not Grant.objects.filter(programme=tv, learner=users["learner_tees"]).exists():
        grant_create(actor=users["tees_officer"], programme=tv, learner=users["learner_tees"])
    if not ProgrammeApplication.objects.filter(
        programme=wm, learner=users["learner_applicant"]
    ).exists():
        application_submit(
            actor=users["learner_applicant"],
            programme=wm,
            facts=EligibilityFacts(
                date_of_birth=dt.date(1991, 8, 14),
                postcode="CV1 2GT",
                region="West Midlands",
                employment_status="employed",
                highest_qualification_level=4,
            ),
        )
    return {"west_midlands": wm, "tees_valley": tv}
