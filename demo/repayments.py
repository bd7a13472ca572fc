"""Demo deferral: the West Midlands programme lets learners defer what their wallet does not
cover, repaid under the UK's Plan 2 rules (9 % above the threshold, never more than was
deferred). Marcus Webb takes a £6,500 cloud bootcamp with his £4,500 grant and defers the
other £2,000: his agreement is signed and drawn into the enrolment's deferral hold, waiting
for the course to start. Idempotent.
"""

from __future__ import annotations

from core.money import format_money
from courses.models import Cohort, Course
from enrolments.models import Enrolment
from enrolments.services import enrolment_accept, enrolment_apply, enrolment_offer
from payments.models import ProgrammeDeferral
from payments.plans_data import ensure_repayment_plans
from payments.services import agreement_propose, agreement_sign, deferral_configure, deferral_fund
from users.models import User
from wallets.models import FundingProgramme, Grant
from wallets.services import grant_create

CLOUD = "Cloud and DevOps Engineering Bootcamp"
DEFERRAL_BUDGET = 10_000_000  # £100,000 set aside for deferred fees
MAX_PER_LEARNER = 300_000  # £3,000
DEFERRED = 200_000  # Marcus defers £2,000 of £6,500


def load_repayments(users: dict[str, User], programme: FundingProgramme) -> Enrolment | None:
    officer, learner = users["funder_officer"], users["learner_deferral"]
    ensure_repayment_plans()  # loaded by a migration; kept here for a flushed database
    if not ProgrammeDeferral.objects.filter(programme=programme).exists():
        deferral, _ = deferral_configure(
            actor=officer, programme=programme, plan_code="plan_2", max_per_learner=MAX_PER_LEARNER
        )
        deferral_fund(
            actor=officer,
            deferral=deferral,
            amount=DEFERRAL_BUDGET,
            idempotency_key="demo-deferral-budget",
        )
    if not Grant.objects.filter(programme=programme, learner=learner).exists():
        grant_create(actor=officer, programme=programme, learner=learner)
    existing = Enrolment.objects.filter(learner=learner).first()
    cohort = Cohort.objects.filter(course__title=CLOUD).order_by("start_date").first()
    if existing is not None or cohort is None:
        return existing
    enrolment = enrolment_apply(
        actor=learner,
        cohort=cohort,
        statement="I write Python at work and want to move into cloud engineering.",
    )
    enrolment = enrolment_offer(actor=users["provider_staff"], enrolment=enrolment)
    agreement = agreement_propose(actor=learner, enrolment=enrolment, amount=DEFERRED)
    agreement_sign(
        actor=learner,
        agreement=agreement,
        document_sha256=agreement.disclosure_sha256,
        ip="127.0.0.1",
    )
    return enrolment_accept(actor=learner, enrolment=enrolment, deferred_part=DEFERRED)


def deferral_line(enrolment: Enrolment) -> str:
    course: Course = enrolment.cohort.course
    deferred = format_money(enrolment.deferred_part, course.currency)
    price = format_money(course.price, course.currency)
    return (
        f"{enrolment.learner.full_name} defers {deferred} of {price} for the {course.title} "
        "(Plan 2 agreement signed; repaid only above the income threshold)."
    )
