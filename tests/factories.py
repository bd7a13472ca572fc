"""factory-boy factories for the models tests need."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from courses.models import Cohort, Course
from providers.models import Provider, ProviderMembership
from users.models import User
from wallets.models import Funder, FunderMembership, FundingProgramme

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


def give_totp(user: User, secret: str = TOTP_SECRET) -> Authenticator:
    return TOTP.activate(user, secret).instance


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    legal_name = factory.Sequence(lambda n: f"Provider {n} Ltd")
    ukprn = factory.Sequence(lambda n: f"1{n:07d}")
    status = Provider.Status.APPROVED


class ProviderMembershipFactory(factory.django.DjangoModelFactory[ProviderMembership]):
    class Meta:
        model = ProviderMembership

    user = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)
    role = ProviderMembership.Role.ADMIN


class FunderFactory(factory.django.DjangoModelFactory[Funder]):
    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Combined Authority {n}")


class FunderMembershipFactory(factory.django.DjangoModelFactory[FunderMembership]):
    class Meta:
        model = FunderMembership

    user = factory.SubFactory(UserFactory)
    funder = factory.SubFactory(FunderFactory)
    role = FunderMembership.Role.OFFICER


def make_programme(
    *,
    funder: Funder | None = None,
    budget: int = 1_000_000,
    officer: User | None = None,
    **fields: Any,
) -> FundingProgramme:
    """A programme funded with `budget` pence through the real services: created as a draft,
    then activated (the default), or left a draft, or activated and closed, per `status`."""
    import datetime as dt

    from django.utils import timezone

    from wallets.services import (
        programme_activate,
        programme_close,
        programme_create,
        programme_fund,
    )

    funder = funder or FunderFactory.create()
    officer = officer or FunderMembershipFactory.create(funder=funder).user
    today = timezone.localdate()
    status = fields.pop("status", FundingProgramme.Status.ACTIVE)
    values: dict[str, Any] = {
        "name": f"Digital Bootcamps {next(_programme_numbers)}",
        "opens_on": today - dt.timedelta(days=30),
        "closes_on": today + dt.timedelta(days=300),
        "allowance": 300_000,
        "funds_expiry_months": 12,
    }
    values.update(fields)
    programme = programme_create(actor=officer, funder=funder, **values)
    if budget:
        programme_fund(actor=officer, programme=programme, amount=budget)
    if status != FundingProgramme.Status.DRAFT:
        programme = programme_activate(actor=officer, programme=programme)
    if status == FundingProgramme.Status.CLOSED:
        programme = programme_close(actor=officer, programme=programme, reason="Closed in a test.")
    return programme


_programme_numbers = itertools.count(1)


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A practical course."
    skills = factory.LazyFunction(lambda: ["software-development"])
    level = 3
    mode = Course.Mode.ONLINE
    region = "West Midlands"
    guided_learning_hours = 200
    length_weeks = 12
    price = 300_000
    status = Course.Status.PUBLISHED


class CohortFactory(factory.django.DjangoModelFactory[Cohort]):
    class Meta:
        model = Cohort

    course = factory.SubFactory(CourseFactory)
    start_date = factory.LazyFunction(lambda: _today() + dt.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda c: c.start_date + dt.timedelta(weeks=12))
    application_deadline = factory.LazyAttribute(lambda c: c.start_date - dt.timedelta(days=7))
    capacity = 20
    online = True
    # Every day of the week, so that tests do not depend on the weekday they run on.
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4, 5, 6])


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
