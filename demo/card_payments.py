"""Demo card co-payment: Callum Reid (Tees Valley, 10 % co-payment) is offered a place on
Cloud Security Essentials (£2,500): £2,250 from his £3,000 pot and £250 by card, which a
person pays on the checkout page with test card 4242 4242 4242 4242. Idempotent.

Shield Cyber School makes the offer through a staff account with no password (nobody signs
in as it; it exists so the offer goes through the same service as any other).
"""

from __future__ import annotations

from django.utils import timezone

from core.money import format_money
from courses.models import Cohort, Course
from enrolments.models import Enrolment
from enrolments.services import enrolment_apply, enrolment_offer
from providers.models import Provider, ProviderMembership
from users.models import User

COURSE = "Cloud Security Essentials"
SHIELD_UKPRN = "10065432"
SHIELD_STAFF = "admissions.shield@demo.skillswallet.example"


def load_card_payment_demo(users: dict[str, User]) -> Enrolment | None:
    learner = users["learner_tees"]
    course = Course.objects.filter(title=COURSE, provider__ukprn=SHIELD_UKPRN).first()
    cohort = (
        Cohort.objects.filter(course=course, start_date__gt=timezone.localdate())
        .order_by("start_date")
        .first()
    )
    if course is None or cohort is None:
        return None
    existing = Enrolment.objects.filter(learner=learner, cohort=cohort).first()
    if existing is not None:
        return existing
    staff, created = User.objects.get_or_create(
        email=SHIELD_STAFF, defaults={"full_name": "Shield Cyber School admissions"}
    )
    if created:
        staff.set_unusable_password()
        staff.save(update_fields=["password"])
    ProviderMembership.objects.get_or_create(
        user=staff, provider=Provider.objects.get(ukprn=SHIELD_UKPRN), defaults={"role": "staff"}
    )
    enrolment = enrolment_apply(
        actor=learner, cohort=cohort, statement="Callum wants to move into cloud security."
    )
    return enrolment_offer(actor=staff, enrolment=enrolment)


def card_payment_line(enrolment: Enrolment, frontend_url: str) -> str:
    return (
        f"Card co-payment: sign in as {enrolment.learner.email} at {frontend_url}/accounts/login/"
        f" and open {frontend_url}/payments/checkout/{enrolment.pk} to accept "
        f"{enrolment.cohort.course.title} and pay "
        f"{format_money(enrolment.co_payment, enrolment.currency)} "
        f"({enrolment.get_status_display().lower()}; test card 4242 4242 4242 4242)."
    )
