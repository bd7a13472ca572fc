"""A world for repayment tests: a programme that offers deferral, a provider, a course and a
cohort; learners with a grant, offered a place; agreements signed and activated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from courses.models import Cohort, Course
from enrolments.models import Enrolment, EnrolmentHold
from enrolments.services import enrolment_apply, enrolment_offer
from enrolments.services.money import hold_account_for
from payments.models import ProgrammeDeferral, RepaymentAgreement
from payments.services import (
    agreement_activate,
    agreement_propose,
    agreement_sign,
    deferral_configure,
    deferral_fund,
)
from providers.models import ProviderMembership
from tests.factories import (
    CohortFactory,
    CourseFactory,
    ProviderMembershipFactory,
    UserFactory,
    make_programme,
)
from users.models import User
from wallets.models import FundingProgramme, LedgerAccount
from wallets.services import grant_create, programme_approve_provider


@dataclass
class DeferralWorld:
    programme: FundingProgramme
    officer: User
    provider_staff: ProviderMembership
    course: Course
    cohort: Cohort
    deferral: ProgrammeDeferral

    def learner(self, *, grant: bool = True) -> User:
        learner = UserFactory.create(full_name="Ada Lovelace")
        if grant:
            grant_create(actor=self.officer, programme=self.programme, learner=learner)
        return learner

    def offered(self, learner: User | None = None, *, cohort: Cohort | None = None) -> Enrolment:
        learner = learner or self.learner()
        enrolment = enrolment_apply(
            actor=learner, cohort=cohort or self.cohort, statement="Retraining."
        )
        return enrolment_offer(actor=self.provider_staff.user, enrolment=enrolment)

    def signed(self, amount: int, enrolment: Enrolment | None = None) -> RepaymentAgreement:
        enrolment = enrolment or self.offered()
        agreement = agreement_propose(actor=enrolment.learner, enrolment=enrolment, amount=amount)
        return agreement_sign(
            actor=enrolment.learner,
            agreement=agreement,
            document_sha256=agreement.disclosure_sha256,
            ip="203.0.113.7",
        )

    def activated(self, amount: int) -> RepaymentAgreement:
        """Signed and drawn into the enrolment's deferral hold, made here as the acceptance
        will make it."""
        agreement = self.signed(amount)
        return agreement_activate(
            actor=agreement.learner,
            agreement=agreement,
            enrolment=agreement.enrolment,
            hold_account_id=deferral_hold(agreement).account_id,
        )


def deferral_hold(agreement: RepaymentAgreement) -> EnrolmentHold:
    """The enrolment's deferral hold (released last), as the acceptance creates it."""
    return hold_account_for(
        agreement.enrolment,
        source=EnrolmentHold.Source.DEFERRAL,
        programme_id=agreement.deferral.programme_id,
        amount=agreement.amount,
    )


def make_deferral_world(
    *,
    plan: str = "bootcamp_isa",
    currency: str = "USD",
    price: int = 1_200_000,
    allowance: int = 200_000,
    max_per_learner: int = 1_000_000,
    deferral_budget: int = 5_000_000,
    course_weeks: int = 12,
) -> DeferralWorld:
    programme = make_programme(
        budget=20_000_000, allowance=allowance, currency=currency, name=f"Bootcamps {currency}"
    )
    officer = programme.funder.memberships.get().user
    staff = ProviderMembershipFactory.create(role="staff")
    programme_approve_provider(actor=officer, programme=programme, provider=staff.provider)
    course = CourseFactory.create(
        provider=staff.provider, price=price, currency=currency, title="Data Analyst Bootcamp"
    )
    starts = timezone.localdate() + dt.timedelta(days=30)
    cohort = CohortFactory.create(
        course=course,
        capacity=20,
        start_date=starts,
        end_date=starts + dt.timedelta(weeks=course_weeks) - dt.timedelta(days=1),
    )
    deferral, _ = deferral_configure(
        actor=officer, programme=programme, plan_code=plan, max_per_learner=max_per_learner
    )
    if deferral_budget:
        deferral_fund(actor=officer, deferral=deferral, amount=deferral_budget)
    deferral.refresh_from_db()
    return DeferralWorld(programme, officer, staff, course, cohort, deferral)


def balance(account_id: int | None) -> int:
    return LedgerAccount.objects.get(pk=account_id).balance if account_id else 0
