"""Demo enrolments: learners at every stage on the West Midlands programme. Idempotent.

Every stage sits on a cohort whose dates make it possible: applied, offered and accepted on
an upcoming cohort; started and withdrawn on one that is running; completed and outcome
recorded on one that has finished. A cohort that has run is enrolled while it is upcoming,
then its dates are moved into the past (demo history), before the later steps are taken
through the services, which check the calendar.
"""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from courses.models import Cohort, Course, dates_on_weekdays
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
UPCOMING = {"applied", "offered", "accepted"}
RUNNING = {"started", "withdrawn"}
FINISHED = {"completed", "outcome_recorded"}
TESTING = "Software Testing and QA Bootcamp"
WEB = "Full-Stack Web Development Bootcamp"


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


def _upcoming_cohort(course: Course, *, weeks: int) -> Cohort:
    """A cohort taking applications now, whose dates `_move_into_past` changes afterwards."""
    today = timezone.localdate()
    start = today + dt.timedelta(days=7)
    return Cohort.objects.create(
        course=course,
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks, days=-3),
        application_deadline=today,
        capacity=20,
        online=True,
    )


def _move_into_past(cohort: Cohort, *, started_days_ago: int) -> Cohort:
    """Demo history: the cohort started `started_days_ago` days ago, same length, weekdays."""
    length = cohort.end_date - cohort.start_date
    start = timezone.localdate() - dt.timedelta(days=started_days_ago)
    while start.weekday() != 0:  # cohorts start on a Monday
        start -= dt.timedelta(days=1)
    end = start + length
    Cohort.objects.filter(pk=cohort.pk).update(
        start_date=start,
        end_date=end,
        application_deadline=start - dt.timedelta(days=7),
        session_dates=dates_on_weekdays(start, end, cohort.weekdays),
    )
    cohort.refresh_from_db()
    return cohort


def _enrol(learner: User, cohort: Cohort, stage: str, staff: User) -> Enrolment:
    enrolment = enrolment_apply(
        actor=learner,
        cohort=cohort,
        statement=f"{learner.get_short_name()} wants to move into tech.",
    )
    if stage != "applied":
        enrolment = enrolment_offer(actor=staff, enrolment=enrolment)
    if stage not in ("applied", "offered"):
        enrolment = enrolment_accept(actor=learner, enrolment=enrolment)
    return enrolment


def _attend(enrolment: Enrolment, staff: User) -> Enrolment:
    """Attendance for every session held so far: present, except one in seven."""
    today = timezone.localdate()
    held = [day for day in enrolment.cohort.session_dates if day <= today]
    sessions = [(day, index % 7 != 3) for index, day in enumerate(held)]
    return attendance_record(actor=staff, enrolment=enrolment, sessions=sessions)


def _advance(enrolment: Enrolment, stage: str, staff: User) -> None:
    """Take an accepted enrolment on a cohort that has run to its stage (the dates allow it)."""
    learner = enrolment.learner
    enrolment = enrolment_record_start(actor=staff, enrolment=enrolment)
    enrolment = enrolment_confirm_start(actor=learner, enrolment=enrolment)
    enrolment = _attend(enrolment, staff)
    if stage == "withdrawn":
        enrolment_withdraw(
            actor=learner, enrolment=enrolment, reason="Moved to Leeds for family reasons."
        )
        return
    if stage in FINISHED:
        enrolment = enrolment_complete(actor=staff, enrolment=enrolment)
    if stage == "outcome_recorded":
        enrolment_record_outcome(
            actor=staff,
            enrolment=enrolment,
            outcome="employment",
            evidence="Junior test engineer at a Birmingham fintech; contract seen.",
            outcome_date=enrolment.cohort.end_date + dt.timedelta(days=10),
        )


def _history(
    course: Course, learners: dict[str, User], *, weeks: int, started_days_ago: int, staff: User
) -> None:
    cohort = _upcoming_cohort(course, weeks=weeks)
    enrolments = {
        stage: _enrol(learner, cohort, "accepted", staff) for stage, learner in learners.items()
    }
    _move_into_past(cohort, started_days_ago=started_days_ago)
    for stage, enrolment in enrolments.items():
        enrolment.refresh_from_db()
        _advance(enrolment, stage, staff)


def load_enrolments(users: dict[str, User], programme: FundingProgramme) -> None:
    staff = users["provider_staff"]
    testing = Course.objects.filter(title=TESTING).first()
    web = Course.objects.filter(title=WEB).first()
    upcoming = (
        Cohort.objects.filter(course=testing, start_date__gt=timezone.localdate())
        .order_by("start_date")
        .first()
    )
    if testing is None or web is None or upcoming is None:
        return
    officer = users["funder_officer"]
    new: dict[str, User] = {}
    for n, (stage, name) in enumerate(zip(STAGES, NAMES, strict=True), start=1):
        learner = _learner(n, name, programme, officer)
        if not Enrolment.objects.filter(learner=learner).exists():
            new[stage] = learner
    for stage in UPCOMING & set(new):
        _enrol(new[stage], upcoming, stage, staff)
    running = {stage: new[stage] for stage in sorted(RUNNING & set(new))}
    if running:
        _history(testing, running, weeks=12, started_days_ago=21, staff=staff)
    finished = {stage: new[stage] for stage in sorted(FINISHED & set(new))}
    if finished:
        # Ended about three weeks ago: the outcome dated ten days after the end is in the past.
        _history(testing, finished, weeks=12, started_days_ago=12 * 7 + 21, staff=staff)
    amara = users["learner"]
    if not Enrolment.objects.filter(learner=amara).exists():
        _history(web, {"started": amara}, weeks=16, started_days_ago=14, staff=staff)
