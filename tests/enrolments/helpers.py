"""A funded world for enrolment tests: a programme, an approved provider, a course and cohort."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from courses.models import Cohort, Course, dates_on_weekdays
from enrolments.models import Enrolment
from enrolments.services import enrolment_apply, enrolment_offer
from enrolments.services.money import provider_payable_account
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
class World:
    programme: FundingProgramme
    officer: User
    provider_staff: ProviderMembership
    course: Course
    cohort: Cohort

    @property
    def payable(self) -> LedgerAccount:
        return provider_payable_account(self.course.provider, "GBP")

    def learner(self, funds: bool = True) -> User:
        learner = UserFactory.create()
        if funds:
            grant_create(actor=self.officer, programme=self.programme, learner=learner)
        return learner

    def run_cohort(self, *, days_ago: int, days: int | None = None) -> None:
        """Move the cohort as if time had passed: it started `days_ago` days ago and runs for
        `days` days (to today by default), with a session every day. Test set-up only: the
        services refuse to move sessions that have been held."""
        today = timezone.localdate()
        start = today - dt.timedelta(days=days_ago)
        end = start + dt.timedelta(days=(days if days is not None else days_ago + 1) - 1)
        Cohort.objects.filter(pk=self.cohort.pk).update(
            start_date=start,
            end_date=end,
            application_deadline=start,
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            session_dates=dates_on_weekdays(start, end, [0, 1, 2, 3, 4, 5, 6]),
        )
        self.cohort.refresh_from_db()

    def offered(self, learner: User | None = None) -> Enrolment:
        learner = learner or self.learner()
        enrolment = enrolment_apply(
            actor=learner, cohort=self.cohort, statement="I want to retrain."
        )
        return enrolment_offer(actor=self.provider_staff.user, enrolment=enrolment)


def make_world(
    *,
    capacity: int = 20,
    price: int = 400_000,
    allowance: int = 400_000,
    sample_rate: str = "1",
    **programme_fields: Any,
) -> World:
    programme = make_programme(
        budget=50_000_000,
        allowance=allowance,
        outcome_sample_rate=Decimal(sample_rate),
        **programme_fields,
    )
    officer = programme.funder.memberships.get().user
    staff = ProviderMembershipFactory.create(role="staff")
    programme_approve_provider(actor=officer, programme=programme, provider=staff.provider)
    course = CourseFactory.create(
        provider=staff.provider, price=price, title="Data Analyst Bootcamp"
    )
    # A one-day cohort today: every step, from applying to the outcome, can happen today.
    today = timezone.localdate()
    cohort = CohortFactory.create(
        course=course,
        capacity=capacity,
        start_date=today,
        end_date=today,
        application_deadline=today,
    )
    return World(programme, officer, staff, course, cohort)


def balance(account_id: int | None) -> int:
    return LedgerAccount.objects.get(pk=account_id).balance if account_id else 0


def held(enrolment: Enrolment) -> int:
    """What the enrolment's escrow holds hold now (all sources together)."""
    return sum(
        LedgerAccount.objects.filter(enrolment_hold__enrolment=enrolment).values_list(
            "balance", flat=True
        )
    )
