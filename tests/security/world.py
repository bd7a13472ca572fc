"""One world with every role and an object of each kind, for the permission matrix and the
fuzzing: a funder with a programme (deferral offered, an application), a provider with two
courses and cohorts, a learner with a grant, a completed enrolment and its certificate, an
offered place and a repayment agreement for it; and the "other" tenants, each with their own.

Everything is made through the real services (tests/enrolments/helpers.make_world and the
certificate and repayment services), so the objects are in the states real users leave them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from audit.models import AnomalyFlag
from certificates.models import Certificate
from certificates.services import certificate_issue
from courses.models import Cohort, Course
from enrolments.models import Enrolment
from enrolments.services import enrolment_apply, enrolment_offer
from payments.models import RepaymentAgreement
from payments.plans_data import ensure_repayment_plans
from payments.services import agreement_propose, deferral_configure, deferral_fund
from providers.models import Provider, ProviderMembership
from tests.certificates.helpers import completed
from tests.enrolments.helpers import make_world
from tests.factories import (
    CohortFactory,
    CourseFactory,
    FunderMembershipFactory,
    ProviderMembershipFactory,
    UserFactory,
    make_programme,
)
from users.models import User
from wallets.eligibility import EligibilityFacts
from wallets.models import Funder, FundingProgramme, LedgerVerificationRun, ProgrammeApplication
from wallets.services import application_submit
from wallets.services.imports import grant_import_create
from wallets.verification import ledger_verify_and_store

ROLES = (
    "anonymous",
    "learner",
    "other_learner",
    "provider_staff",
    "provider_admin",
    "other_provider_admin",
    "funder_officer",
    "other_funder_officer",
    "auditor",
    "platform_staff",
)


# Objects by path: funders see an enrolment once their money holds its place, so their
# enrolment operations get the learner's completed (funded) enrolment.
PATH_OVERRIDES: dict[str, dict[str, str]] = {
    "/api/v1/funder/enrolments/": {"enrolment_id": "completed_enrolment_id"},
}


@dataclass
class SecurityWorld:
    people: dict[str, User | None]
    funder: Funder
    programme: FundingProgramme
    provider: Provider
    staff_membership: ProviderMembership
    course: Course
    cohort: Cohort
    enrolment: Enrolment
    completed_enrolment: Enrolment
    certificate: Certificate
    agreement: RepaymentAgreement
    application: ProgrammeApplication
    path_values: dict[str, str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)

    def values_for(self, template: str) -> dict[str, str]:
        """The owner's object of each kind, as path parameters, for an operation's path."""
        values = dict(self.path_values)
        for prefix, renames in PATH_OVERRIDES.items():
            if template.startswith(prefix):
                values.update({name: self.path_values[other] for name, other in renames.items()})
        return values

    def fill(self, template: str) -> str:
        """The path with each `{name}` replaced by the owner's object of that kind."""
        values = self.values_for(template)

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in values, f"the world has no object for {{{name}}} in {template}"
            return values[name]

        return re.sub(r"\{(\w+)\}", one, template)


def build_world() -> SecurityWorld:
    ensure_repayment_plans()
    # The course the learner completed is cheap, so their grant still has money for the
    # second, dearer one, where part of the price is deferred.
    world = make_world(price=100_000, allowance=400_000)
    provider = world.provider_staff.provider
    funder = world.programme.funder
    learner = world.learner()
    finished = completed(world, learner)
    certificate = certificate_issue(actor=world.provider_staff.user, enrolment=finished)

    course = CourseFactory.create(provider=provider, price=650_000, title="Cloud Bootcamp")
    today = timezone.localdate()
    cohort = CohortFactory.create(
        course=course,
        capacity=20,
        start_date=today + dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=1),
        application_deadline=today,
    )
    applied = enrolment_apply(actor=learner, cohort=cohort, statement="I want to retrain.")
    enrolment = enrolment_offer(actor=world.provider_staff.user, enrolment=applied)

    deferral, _ = deferral_configure(
        actor=world.officer,
        programme=world.programme,
        plan_code="plan_2",
        max_per_learner=300_000,
    )
    deferral_fund(actor=world.officer, deferral=deferral, amount=1_000_000)
    agreement = agreement_propose(actor=learner, enrolment=enrolment, amount=100_000)

    application = application_submit(
        actor=learner,
        programme=world.programme,
        facts=EligibilityFacts(
            date_of_birth=dt.date(1990, 1, 1),
            postcode="B1 1AA",
            region="West Midlands",
            employment_status="unemployed",
            highest_qualification_level=2,
        ),
    )

    # An anomaly flag on the funder's programme (set-up only: the daily rules raise them).
    now = timezone.now()
    flag = AnomalyFlag.objects.create(
        programme=world.programme,
        provider=provider,
        enrolment=finished,
        rule=AnomalyFlag.Rule.UNCONFIRMED_START,
        subject=f"enrolment:{finished.pk}",
        reason="Raised for the permission matrix.",
        first_seen_at=now,
        last_seen_at=now,
    )

    # A grant import (its one row already granted, so it is refused and moves nothing).
    grant_import = grant_import_create(
        actor=world.officer,
        programme=world.programme,
        stream=io.BytesIO(f"email,amount\n{learner.email},1000\n".encode()),
        filename="matrix.csv",
        enqueue=False,
    )

    # A stored ledger verification, as the daily run leaves one.
    ledger_verify_and_store(trigger=LedgerVerificationRun.Trigger.SCHEDULE)

    other_funder_officer = make_programme().funder.memberships.get().user
    people: dict[str, User | None] = {
        "anonymous": None,
        "learner": learner,
        "other_learner": UserFactory.create(),
        "provider_staff": world.provider_staff.user,
        "provider_admin": ProviderMembershipFactory.create(provider=provider, role="admin").user,
        "other_provider_admin": ProviderMembershipFactory.create(role="admin").user,
        "funder_officer": world.officer,
        "other_funder_officer": other_funder_officer,
        "auditor": FunderMembershipFactory.create(funder=funder, role="auditor").user,
        "platform_staff": UserFactory.create(is_staff=True),
    }
    security = SecurityWorld(
        people=people,
        funder=funder,
        programme=world.programme,
        provider=provider,
        staff_membership=world.provider_staff,
        course=course,
        cohort=cohort,
        enrolment=enrolment,
        completed_enrolment=finished,
        certificate=certificate,
        agreement=agreement,
        application=application,
    )
    values: dict[str, Any] = {
        "funder_id": funder.pk,
        "programme_id": world.programme.pk,
        "provider_id": provider.pk,
        "membership_id": world.provider_staff.pk,
        "course_id": course.pk,
        "cohort_id": cohort.pk,
        "enrolment_id": enrolment.pk,
        "completed_enrolment_id": finished.pk,
        "verification_id": certificate.verification_id,
        "agreement_id": agreement.pk,
        "application_id": application.pk,
        "flag_id": flag.pk,
        "import_id": grant_import.pk,
    }
    security.path_values = {name: str(value) for name, value in values.items()}
    # Text that shows the owner's objects in a list answer (JSON strings, quotes included).
    security.markers = {
        "learner_email": f'"{learner.email}"',
        "programme_name": f'"{world.programme.name}"',
        "provider_name": f'"{provider.legal_name}"',
        "funder_name": f'"{funder.name}"',
        "verification_id": f'"{certificate.verification_id}"',
        "course_title": f'"{course.title}"',
    }
    return security
