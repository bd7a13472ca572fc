"""Every service checks that its actor may act (defence in depth behind the views' 404s)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.errors import Forbidden
from courses.services import cohort_update, course_update
from enrolments.services import (
    cohort_cancel,
    enrolment_accept,
    enrolment_apply,
    enrolment_decline,
    enrolment_offer,
    enrolment_record_start,
    outcome_verify,
)
from providers.models import ProviderMembership
from providers.services import membership_remove, provider_invite, provider_update
from tests.enrolments.helpers import World, balance, make_world
from tests.factories import ProviderMembershipFactory, UserFactory
from users.services import user_update_profile
from wallets.services import grant_create, programme_fund, programme_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def _outsiders(world: World) -> dict[str, Any]:
    other = make_world()
    return {
        "other_provider_admin": ProviderMembershipFactory.create(role="admin").user,
        "other_funder_officer": other.officer,
        "learner": UserFactory.create(),
    }


CASES: dict[str, Callable[[World, Any], Any]] = {
    "course_update": lambda w, a: course_update(actor=a, course=w.course, title="Hijacked"),
    "cohort_update": lambda w, a: cohort_update(actor=a, cohort=w.cohort, capacity=99),
    "cohort_cancel": lambda w, a: cohort_cancel(actor=a, cohort=w.cohort, reason="Because"),
    "enrolment_offer": lambda w, a: enrolment_offer(
        actor=a, enrolment=enrolment_apply(actor=w.learner(funds=False), cohort=w.cohort)
    ),
    "provider_update": lambda w, a: provider_update(
        actor=a, provider=w.course.provider, legal_name="Hijacked Ltd"
    ),
    "provider_invite": lambda w, a: provider_invite(
        actor=a, provider=w.course.provider, email="x@example.org", role="admin"
    ),
    "programme_update": lambda w, a: programme_update(actor=a, programme=w.programme, name="X"),
    "programme_fund": lambda w, a: programme_fund(actor=a, programme=w.programme, amount=100),
    "grant_create": lambda w, a: grant_create(
        actor=a, programme=w.programme, learner=UserFactory.create()
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("who", ["other_provider_admin", "other_funder_officer", "learner"])
def test_services_refuse_actors_outside_the_organisation(world: World, case: str, who: str) -> None:
    actor = _outsiders(world)[who]
    budget = balance(world.programme.budget_account_id)
    with pytest.raises(Forbidden):
        CASES[case](world, actor)
    world.course.refresh_from_db()
    assert world.course.title == "Data Analyst Bootcamp"
    assert balance(world.programme.budget_account_id) == budget


def test_enrolment_services_check_the_side_of_the_actor(world: World) -> None:
    enrolment = world.offered()
    stranger = UserFactory.create()
    with pytest.raises(Forbidden):
        enrolment_accept(actor=stranger, enrolment=enrolment)
    with pytest.raises(Forbidden):
        enrolment_decline(actor=stranger, enrolment=enrolment)
    enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    with pytest.raises(Forbidden):
        enrolment_record_start(actor=enrolment.learner, enrolment=enrolment)
    with pytest.raises(Forbidden):
        outcome_verify(actor=world.provider_staff.user, enrolment=enrolment, verified=True)


def test_staff_manage_courses_but_only_admins_manage_the_team(world: World) -> None:
    staff = world.provider_staff.user
    assert world.provider_staff.role == ProviderMembership.Role.STAFF
    course_update(actor=staff, course=world.course, summary="Updated by staff")
    with pytest.raises(Forbidden):
        provider_invite(
            actor=staff, provider=world.course.provider, email="y@example.org", role="staff"
        )
    with pytest.raises(Forbidden):
        membership_remove(actor=staff, membership=world.provider_staff)


def test_nobody_changes_someone_elses_profile() -> None:
    owner, other = UserFactory.create(full_name="Ada"), UserFactory.create()
    with pytest.raises(Forbidden):
        user_update_profile(actor=other, user=owner, full_name="Mallory")
    owner.refresh_from_db()
    assert owner.full_name == "Ada"
