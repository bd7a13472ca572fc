"""Nobody sits on both sides of the money: a provider's people do not enrol on its cohorts; an
officer does not grant to itself, its colleagues or platform staff, nor decide its own
application."""

from __future__ import annotations

import datetime as dt

import pytest

from enrolments.errors import ProviderMemberCannotEnrol
from enrolments.models import Enrolment
from enrolments.services import enrolment_accept, enrolment_apply, enrolment_offer
from providers.models import ProviderMembership
from tests.enrolments.helpers import make_world
from tests.factories import FunderMembershipFactory, UserFactory
from tests.helpers import client_for
from users.models import User
from wallets.errors import BulkGrantHasErrors, GrantToInsider, OwnApplication
from wallets.models import FunderMembership, FundingProgramme, Grant, ProgrammeApplication
from wallets.services import application_approve, grant_create, grants_bulk_create

pytestmark = pytest.mark.django_db


def test_a_providers_people_cannot_apply_to_its_cohorts() -> None:
    world = make_world()
    admin = world.provider_staff.user
    with pytest.raises(ProviderMemberCannotEnrol):
        enrolment_apply(actor=admin, cohort=world.cohort)
    assert not Enrolment.objects.filter(learner=admin).exists()

    answer = client_for(admin).post(f"/api/v1/cohorts/{world.cohort.pk}/enrolments", {})
    assert answer.status_code == 422
    assert answer.json()["code"] == "provider_member_cannot_enrol"


def test_someone_who_joins_the_provider_after_applying_is_neither_offered_nor_enrolled() -> None:
    world = make_world()
    learner = world.learner()
    enrolment = enrolment_apply(actor=learner, cohort=world.cohort)
    ProviderMembership.objects.create(
        user=learner, provider=world.course.provider, role=ProviderMembership.Role.STAFF
    )
    with pytest.raises(ProviderMemberCannotEnrol):
        enrolment_offer(actor=world.provider_staff.user, enrolment=enrolment)

    other = world.offered()
    ProviderMembership.objects.create(
        user=other.learner, provider=world.course.provider, role=ProviderMembership.Role.STAFF
    )
    with pytest.raises(ProviderMemberCannotEnrol):
        enrolment_accept(actor=other.learner, enrolment=other)
    other.refresh_from_db()
    assert other.status == "offered"
    assert not other.holds.exists()


@pytest.mark.parametrize("who", ["self", "colleague_officer", "colleague_auditor", "staff"])
def test_an_officer_cannot_grant_to_insiders(who: str) -> None:
    world = make_world()
    officer = world.officer
    funder = world.programme.funder
    learner = {
        "self": lambda: officer,
        "colleague_officer": lambda: FunderMembershipFactory.create(funder=funder).user,
        "colleague_auditor": lambda: (
            FunderMembershipFactory.create(funder=funder, role=FunderMembership.Role.AUDITOR).user
        ),
        "staff": lambda: UserFactory.create(is_staff=True),
    }[who]()
    with pytest.raises(GrantToInsider):
        grant_create(actor=officer, programme=world.programme, learner=learner)
    assert not Grant.objects.filter(learner=learner).exists()

    answer = client_for(officer, mfa=True).post(
        f"/api/v1/funder/programmes/{world.programme.pk}/grants",
        {"learner_email": learner.email},
        format="json",
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "grant_to_insider"


def test_a_bulk_file_naming_insiders_is_refused_row_by_row_and_grants_nothing() -> None:
    world = make_world()
    colleague = FunderMembershipFactory.create(funder=world.programme.funder).user
    outsider = UserFactory.create()
    csv_text = f"email\n{outsider.email}\n{colleague.email}\n{world.officer.email}\n"
    with pytest.raises(BulkGrantHasErrors) as info:
        grants_bulk_create(actor=world.officer, programme=world.programme, csv_text=csv_text)
    errors = info.value.extra["report"]["errors"]
    assert [(e["line"], e["reason"]) for e in errors] == [
        (3, "members of the funder cannot receive its grants"),
        (4, "you cannot grant funds to yourself"),
    ]
    assert not Grant.objects.filter(learner__in=[outsider, colleague, world.officer]).exists()

    report = grants_bulk_create(
        actor=world.officer, programme=world.programme, csv_text=csv_text, grant_valid_rows=True
    )
    assert list(Grant.objects.filter(pk__in=report.granted).values_list("learner", flat=True)) == [
        outsider.pk
    ]


def _application(programme: FundingProgramme, learner: User) -> ProgrammeApplication:
    return ProgrammeApplication.objects.create(
        programme=programme,
        learner=learner,
        date_of_birth=dt.date(1990, 1, 1),
        postcode="B1 1AA",
        region="West Midlands",
        employment_status="unemployed",
        highest_qualification_level=2,
    )


def test_nobody_approves_their_own_application_nor_a_colleagues() -> None:
    world = make_world()
    own = _application(world.programme, world.officer)
    with pytest.raises(OwnApplication):
        application_approve(actor=world.officer, application=own)
    colleague = FunderMembershipFactory.create(funder=world.programme.funder).user
    theirs = _application(world.programme, colleague)
    with pytest.raises(GrantToInsider):
        application_approve(actor=world.officer, application=theirs)
    assert ProgrammeApplication.objects.filter(status="submitted").count() == 2
    assert not Grant.objects.filter(learner__in=[world.officer, colleague]).exists()

    answer = client_for(world.officer, mfa=True).post(
        f"/api/v1/funder/applications/{own.pk}/approve"
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "own_application"
