"""Issuing: only for completed enrolments, only by that provider's people, one valid
certificate per enrolment, idempotent, and in bulk for a cohort."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from certificates.errors import CertificateExists, EnrolmentNotCompleted, LearnerNameMissing
from certificates.models import Certificate
from certificates.services import (
    certificate_issue,
    certificate_revoke,
    certificates_issue_for_cohort,
)
from core.errors import Forbidden
from enrolments.models import Enrolment
from enrolments.services import enrolment_accept, enrolment_record_outcome
from providers.errors import ProviderNotActive
from providers.models import Provider
from tests.certificates.helpers import completed, started
from tests.enrolments.helpers import World, make_world
from tests.factories import ProviderMembershipFactory, UserFactory
from tests.helpers import client_for
from wallets.services import grant_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def issue_url(enrolment: Enrolment) -> str:
    return f"/api/v1/provider/enrolments/{enrolment.pk}/certificate"


def test_provider_staff_issue_a_certificate_for_a_completed_enrolment(world: World) -> None:
    enrolment = completed(world)
    response = client_for(world.provider_staff.user, mfa=True).post(
        issue_url(enrolment), {"grade": "Distinction"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    learner = enrolment.learner
    assert body["learner_name"] == learner.full_name
    assert body["course_title"] == "Data Analyst Bootcamp"
    assert body["issuer"] == {
        "name": world.course.provider.display_name,
        "ukprn": world.course.provider.ukprn,
    }
    assert body["course_level"] == world.course.level
    assert body["guided_learning_hours"] == world.course.guided_learning_hours
    assert body["skills"] == ["Software development"]
    assert body["cohort_start_date"] == str(world.cohort.start_date)
    assert body["grade"] == "Distinction"
    assert body["status"] == "valid"
    assert body["version"] == 1
    certificate = Certificate.objects.get()
    # The public id is a random (version 4) UUID, not the primary key.
    assert body["verification_id"] == str(certificate.verification_id)
    assert uuid.UUID(body["verification_id"]).version == 4
    assert body["verification_url"].endswith(f"/verify/{certificate.verification_id}")


@pytest.mark.parametrize("stage", ["offered", "accepted", "started"])
def test_issuing_refuses_an_enrolment_that_is_not_completed(world: World, stage: str) -> None:
    enrolment = started(world) if stage == "started" else world.offered()
    if stage == "accepted":
        enrolment = enrolment_accept(actor=enrolment.learner, enrolment=enrolment)
    response = client_for(world.provider_staff.user, mfa=True).post(
        issue_url(enrolment), {}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "enrolment_not_completed"
    assert response.json()["extra"] == {"status": stage}
    assert not Certificate.objects.exists()


def test_an_enrolment_with_its_outcome_recorded_is_still_certifiable(world: World) -> None:
    staff = world.provider_staff.user
    enrolment = enrolment_record_outcome(
        actor=staff,
        enrolment=completed(world),
        outcome="employment",
        evidence="Offer letter.",
        outcome_date=timezone.localdate(),
    )
    assert enrolment.status == Enrolment.Status.OUTCOME_RECORDED
    assert certificate_issue(actor=staff, enrolment=enrolment).status == "valid"


def test_another_providers_staff_get_404_and_nothing_is_issued(world: World) -> None:
    enrolment = completed(world)
    outsider = ProviderMembershipFactory.create(role="admin").user
    response = client_for(outsider, mfa=True).post(issue_url(enrolment), {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Certificate.objects.exists()


def test_the_learner_cannot_issue_their_own_certificate(world: World) -> None:
    enrolment = completed(world)
    response = client_for(enrolment.learner).post(issue_url(enrolment), {}, format="json")
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_signed_out_callers_and_staff_without_mfa_are_refused(world: World) -> None:
    enrolment = completed(world)
    assert APIClient().post(issue_url(enrolment), {}, format="json").status_code == 401
    no_mfa = client_for(world.provider_staff.user, mfa=False)
    response = no_mfa.post(issue_url(enrolment), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert not Certificate.objects.exists()


def test_the_service_refuses_anyone_outside_the_provider(world: World) -> None:
    enrolment = completed(world)
    with pytest.raises(Forbidden):
        certificate_issue(actor=UserFactory.create(is_staff=True), enrolment=enrolment)
    with pytest.raises(Forbidden):
        certificate_issue(actor=enrolment.learner, enrolment=enrolment)
    assert not Certificate.objects.exists()


def test_one_valid_certificate_per_enrolment(world: World) -> None:
    enrolment = completed(world)
    client = client_for(world.provider_staff.user, mfa=True)
    first = client.post(issue_url(enrolment), {}, format="json").json()
    again = client.post(issue_url(enrolment), {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "certificate_exists"
    assert again.json()["extra"] == {"verification_id": first["verification_id"]}
    assert Certificate.objects.count() == 1


def test_the_database_itself_keeps_one_valid_certificate_per_enrolment(world: World) -> None:
    staff = world.provider_staff.user
    certificate = certificate_issue(actor=staff, enrolment=completed(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            **{
                f.attname: getattr(certificate, f.attname)
                for f in Certificate._meta.concrete_fields
                if f.name not in {"id", "verification_id", "version"}
            },
            version=2,
        )


def test_the_same_idempotency_key_replays_the_first_answer(world: World) -> None:
    enrolment = completed(world)
    client = client_for(world.provider_staff.user, mfa=True)
    headers = {"Idempotency-Key": "issue-grace-1"}
    first = client.post(issue_url(enrolment), {"grade": "Pass"}, format="json", headers=headers)
    replay = client.post(issue_url(enrolment), {"grade": "Pass"}, format="json", headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = client.post(issue_url(enrolment), {"grade": "Merit"}, format="json", headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert Certificate.objects.count() == 1


def test_a_learner_without_a_name_on_record_is_not_certified(world: World) -> None:
    learner = UserFactory.create(full_name="   ")
    grant_create(actor=world.officer, programme=world.programme, learner=learner)
    enrolment = completed(world, learner)
    with pytest.raises(LearnerNameMissing):
        certificate_issue(actor=world.provider_staff.user, enrolment=enrolment)


def test_a_suspended_provider_certifies_nothing(world: World) -> None:
    enrolment = completed(world)
    Provider.objects.filter(pk=world.course.provider_id).update(status="suspended")
    with pytest.raises(ProviderNotActive):
        certificate_issue(actor=world.provider_staff.user, enrolment=enrolment)
    assert not Certificate.objects.exists()


def test_service_refusals_change_nothing(world: World) -> None:
    enrolment = world.offered()
    with pytest.raises(EnrolmentNotCompleted):
        certificate_issue(actor=world.provider_staff.user, enrolment=enrolment)
    certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))
    with pytest.raises(CertificateExists):
        certificate_issue(
            actor=world.provider_staff.user, enrolment=Certificate.objects.get().enrolment
        )
    assert Certificate.objects.count() == 1


def test_bulk_issue_certifies_each_completed_enrolment_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    done = [completed(world) for _ in range(3)]
    still_learning = started(world)
    already = certificate_issue(actor=world.provider_staff.user, enrolment=done[0])
    client = client_for(world.provider_staff.user, mfa=True)
    url = f"/api/v1/provider/cohorts/{world.cohort.pk}/certificates"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"Idempotency-Key": "cohort-1"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(c["enrolment_id"] for c in body["issued"]) == sorted(e.pk for e in done[1:])
    assert body["skipped"] == [{"enrolment_id": done[0].pk, "code": "certificate_exists"}]
    assert not Certificate.objects.filter(enrolment=still_learning).exists()
    # The PDFs were rendered after commit, one per new certificate.
    assert all(c.pdf for c in Certificate.objects.exclude(pk=already.pk))

    second = client.post(url).json()
    assert second["issued"] == []
    assert len(second["skipped"]) == 3
    assert Certificate.objects.count() == 3


def test_bulk_issue_for_another_providers_cohort_is_404(world: World) -> None:
    completed(world)
    outsider = ProviderMembershipFactory.create().user
    response = client_for(outsider, mfa=True).post(
        f"/api/v1/provider/cohorts/{world.cohort.pk}/certificates"
    )
    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_provider_lists_only_their_own_certificates(world: World) -> None:
    mine = certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))
    other_world = make_world()
    certificate_issue(actor=other_world.provider_staff.user, enrolment=completed(other_world))
    client = client_for(world.provider_staff.user, mfa=True)
    listed = client.get("/api/v1/provider/certificates").json()["results"]
    assert [c["verification_id"] for c in listed] == [str(mine.verification_id)]
    assert (
        client.get(f"/api/v1/provider/certificates?cohort={world.cohort.pk}").json()["results"]
        == listed
    )
    other = Certificate.objects.exclude(pk=mine.pk).get()
    assert client.get(f"/api/v1/provider/certificates/{other.verification_id}").status_code == 404


def test_bulk_issue_reports_learners_without_a_name(world: World) -> None:
    named = completed(world)
    nameless = UserFactory.create(full_name="")
    grant_create(actor=world.officer, programme=world.programme, learner=nameless)
    unnamed = completed(world, nameless)
    result = certificates_issue_for_cohort(actor=world.provider_staff.user, cohort=world.cohort)
    assert [c.enrolment_id for c in result.issued] == [named.pk]
    assert [(e.pk, code) for e, code in result.skipped] == [(unnamed.pk, "learner_name_missing")]


def test_a_grade_is_short_text(world: World) -> None:
    enrolment = completed(world)
    client = client_for(world.provider_staff.user, mfa=True)
    response = client.post(issue_url(enrolment), {"grade": "A" * 101}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Certificate.objects.exists()


def test_provider_reads_one_certificate_and_filters_by_status(world: World) -> None:
    staff = world.provider_staff.user
    kept = certificate_issue(actor=staff, enrolment=completed(world))
    certificate_revoke(
        actor=staff,
        certificate=certificate_issue(actor=staff, enrolment=completed(world)),
        reason="Issued in error.",
    )
    client = client_for(staff, mfa=True)
    detail = client.get(f"/api/v1/provider/certificates/{kept.verification_id}").json()
    assert detail["learner_email"] == kept.enrolment.learner.email
    assert detail["pdf_ready"] is False
    valid = client.get("/api/v1/provider/certificates?status=valid").json()["results"]
    assert [c["verification_id"] for c in valid] == [str(kept.verification_id)]
    bad = client.get("/api/v1/provider/certificates?status=lost")
    assert bad.status_code == 400
