"""A world for repayment tests: a programme that offers deferral, a provider, a course and a
cohort; learners with a grant, offered a place; agreements signed and activated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from courses.models import Cohort, Course
from enrolments.models import Enrolment
from enrolments.services import enrolment_apply, enrolment_offer
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
from wallets.ledger import account_create
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
        """Signed and drawn into a hold made here (as the acceptance will make it)."""
        agreement = self.signed(amount)
        hold = make_hold(agreement.enrolment)
        return agreement_activate(
            actor=agreement.learner,
            agreement=agreement,
            enrolment=agreement.enrolment,
            hold_account_id=hold.pk,
        )


def make_hold(enrolment: Enrolment) -> LedgerAccount:
    return account_create(
        key=f"hold:enrolment:{enrolment.pk}",
        kind=LedgerAccount.Kind.ESCROW_HOLD,
        name=f"Hold for enrolment {enrolment.pk}",
        currency=enrolment.currency,
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
    cohort = CohortFactory.create(course=course, capacity=20)
    cohort.end_date = cohort.start_date + dt.timedelta(weeks=course_weeks)
    cohort.save(update_fields=["end_date"])
    deferral, _ = deferral_configure(
        actor=officer, programme=programme, plan_code=plan, max_per_learner=max_per_learner
    )
    if deferral_budget:
        deferral_fund(actor=officer, deferral=deferral, amount=deferral_budget)
    deferral.refresh_from_db()
    return DeferralWorld(programme, officer, staff, course, cohort, deferral)


def balance(account_id: int | None) -> int:
    return LedgerAccount.objects.get(pk=account_id).balance if account_id else 0
