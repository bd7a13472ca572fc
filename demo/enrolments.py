"""Demo enrolments: learners at every stage on the West Midlands programme. Idempotent."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from courses.models import Cohort
from demo.people import DEMO_DOMAIN, DEMO_PASSWORD
from enrolments.models import Enrolment
from enrolments.services import (
    attendance_record,
    enrolment_accept,
    enrolment_apply,
    enrolment_complete,
    enrolment_confirm_start,
    enrolment_offer,
    enrolment_record_outcome,
    enrolment_record_start,
    enrolment_withdraw,
)
from users.models import User
from wallets.models import FundingProgramme, Grant
from wallets.services import grant_create

STAGES = ["applied", "offered", "accepted", "started", "completed", "outcome_recorded", "withdrawn"]
NAMES = [
    "Jade Morris",
    "Omar Siddiqui",
    "Chloe Evans",
    "Daniel Okoro",
    "Grace Li",
    "Ryan Bennett",
    "Sophie Turner",
]


def _learner(n: int, name: str, programme: FundingProgramme, officer: User) -> User:
    email = f"learner.{n}@{DEMO_DOMAIN}"
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if not Grant.objects.filter(programme=programme, learner=user).exists():
        grant_create(actor=officer, programme=programme, learner=user)
    return user


def _advance(enrolment: Enrolment, stage: str, staff: User) -> None:
    learner = enrolment.learner
    steps = STAGES.index(stage) if stage != "withdrawn" else STAGES.index("started")
    if steps >= 1:
        enrolment = enrolment_offer(actor=staff, enrolment=enrolment)
    if steps >= 2:
        enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    if steps >= 3:
        enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
        enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    if steps >= 4:
        today = timezone.localdate()
        sessions = [(today - dt.timedelta(days=n), n % 7 != 3) for n in range(12)]
        enrolment = attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)
        enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    if steps >= 5:
        enrolment_record_outcome(
            actor=staff,
            enrolment=enrolment,
            outcome="employment",
            evidence="Junior developer at a Birmingham fintech, contract dated this month.",
        )
    if stage == "withdrawn":
        enrolment_withdraw(
            actor=learner, enrolment=enrolment, reason="Moved to Leeds for family reasons."
        )


def load_enrolments(users: dict[str, User], programme: FundingProgramme) -> None:
    staff = users["provider_staff"]
    cohort = (
        Cohort.objects.filter(course__title="Software Testing and QA Bootcamp")
        .order_by("start_date")
        .first()
    )
    web = (
        Cohort.objects.filter(course__title="Full-Stack Web Development Bootcamp")
        .order_by("start_date")
        .first()
    )
    if cohort is None or web is None:
        return
    officer = users["funder_officer"]
    for n, (stage, name) in enumerate(zip(STAGES, NAMES, strict=True), start=1):
        learner = _learner(n, name, programme, officer)
        if Enrolment.objects.filter(learner=learner).exists():
            continue
        enrolment = enrolment_apply(
            actor=learner, cohort=cohort, statement=f"{name.split()[0]} wants to move into tech."
        )
        _advance(enrolment, stage, staff)
    amara = users["learner"]
    if not Enrolment.objects.filter(learner=amara).exists():
        enrolment = enrolment_apply(
            actor=amara, cohort=web, statement="Ten years in retail; I want to build software."
        )
        _advance(enrolment, "started", staff)
