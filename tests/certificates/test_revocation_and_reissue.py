"""Revocation (by the provider's people or platform staff, always with a reason, never a
deletion) and re-issuing a corrected version after a name correction."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from certificates.errors import CertificateNotValid, CertificateUnchanged
from certificates.models import Certificate
from certificates.services import (
    ReasonRequired,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
)
from core.errors import Forbidden
from tests.certificates.helpers import completed, issued
from tests.enrolments.helpers import World, make_world
from tests.factories import ProviderMembershipFactory, UserFactory
from tests.helpers import admin_client_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def certificate(world: World) -> Certificate:
    return certificate_issue(actor=world.provider_staff.user, enrolment=completed(world))


def revoke_url(certificate: Certificate) -> str:
    return f"/api/v1/provider/certificates/{certificate.verification_id}/revoke"


def test_provider_staff_revoke_with_a_reason(world: World, certificate: Certificate) -> None:
    client = client_for(world.provider_staff.user, mfa=True)
    response = client.post(
        revoke_url(certificate), {"reason": "Issued to the wrong learner."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revocation_reason"] == "Issued to the wrong learner."
    certificate.refresh_from_db()
    assert certificate.revoked_by == world.provider_staff.user
    again = client.post(revoke_url(certificate), {"reason": "Twice."}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "certificate_not_valid"
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Issued to the wrong learner."


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}])
def test_revoking_needs_a_reason(world: World, certificate: Certificate, body: Any) -> None:
    response = client_for(world.provider_staff.user, mfa=True).post(
        revoke_url(certificate), body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "reason_required"}
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_another_provider_cannot_revoke_404(certificate: Certificate) -> None:
    outsider = ProviderMembershipFactory.create().user
    response = client_for(outsider, mfa=True).post(
        revoke_url(certificate), {"reason": "Not ours."}, format="json"
    )
    assert response.status_code == 404
    with pytest.raises(Forbidden):
        certificate_revoke(actor=outsider, certificate=certificate, reason="Not ours.")
    with pytest.raises(Forbidden):
        certificate_revoke(
            actor=certificate.enrolment.learner, certificate=certificate, reason="Mine."
        )
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_the_service_wants_a_reason_too(world: World, certificate: Certificate) -> None:
    with pytest.raises(ReasonRequired):
        certificate_revoke(actor=world.provider_staff.user, certificate=certificate, reason=" ")


def admin_client(*, may_revoke: bool) -> Client:
    staff = UserFactory.create(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    if may_revoke:
        staff.user_permissions.add(Permission.objects.get(codename="revoke_certificate"))
    return admin_client_for(staff)  # signed in through allauth with the second factor


def test_platform_staff_revoke_from_the_admin_with_a_reason(certificate: Certificate) -> None:
    client = admin_client(may_revoke=True)
    url = "/admin/certificates/certificate/"
    listing = client.get(url)
    assert listing.status_code == 200
    assert b"Revoke the selected certificates" in listing.content
    action = {"action": "revoke", "_selected_action": [certificate.pk]}
    client.post(url, {**action, "reason": ""})
    certificate.refresh_from_db()
    assert certificate.status == "valid"  # no reason, nothing revoked
    client.post(url, {**action, "reason": "Provider delisted after an investigation."})
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revocation_reason == "Provider delisted after an investigation."
    assert certificate.revoked_by is not None
    assert certificate.revoked_by.is_staff


def test_the_admin_is_read_only_and_revoking_needs_its_permission(
    certificate: Certificate,
) -> None:
    client = admin_client(may_revoke=False)
    url = "/admin/certificates/certificate/"
    assert b"Revoke the selected certificates" not in client.get(url).content
    client.post(url, {"action": "revoke", "_selected_action": [certificate.pk], "reason": "X"})
    change = client.post(
        f"{url}{certificate.pk}/change/", {"learner_name": "Someone Else", "status": "revoked"}
    )
    assert change.status_code == 403
    delete = client.post(f"{url}{certificate.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    certificate.refresh_from_db()
    assert (certificate.status, certificate.learner_name) == ("valid", certificate.learner_name)
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_a_name_correction_issues_a_new_version_and_supersedes_the_old(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    old = issued(world, django_capture_on_commit_callbacks)
    learner = old.enrolment.learner
    learner.full_name = "Siobhan O'Neill"
    learner.save(update_fields=["full_name"])
    client = client_for(world.provider_staff.user, mfa=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/provider/certificates/{old.verification_id}/reissue",
            {"reason": "Name corrected at the learner's request."},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["learner_name"] == "Siobhan O'Neill"
    assert body["version"] == 2
    assert body["supersedes_verification_id"] == str(old.verification_id)
    assert body["reissue_reason"] == "Name corrected at the learner's request."
    old.refresh_from_db()
    assert old.status == "superseded"
    new = Certificate.objects.get(verification_id=body["verification_id"])
    assert new.pdf
    assert new.pdf_sha256 != old.pdf_sha256
    mine = client_for(learner).get("/api/v1/certificates/mine").json()["results"]
    assert [(c["version"], c["status"]) for c in mine] == [(2, "valid"), (1, "superseded")]


def test_reissuing_with_nothing_to_correct_is_refused(
    world: World, certificate: Certificate
) -> None:
    with pytest.raises(CertificateUnchanged):
        certificate_reissue(actor=world.provider_staff.user, certificate=certificate, reason="?")
    response = client_for(world.provider_staff.user, mfa=True).post(
        f"/api/v1/provider/certificates/{certificate.verification_id}/reissue",
        {"reason": "Just because."},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "certificate_unchanged"
    assert Certificate.objects.count() == 1


def test_a_grade_correction_is_a_new_version_too(world: World, certificate: Certificate) -> None:
    new = certificate_reissue(
        actor=world.provider_staff.user,
        certificate=certificate,
        reason="Grade moderated.",
        grade="Distinction",
    )
    assert (new.version, new.grade, new.learner_name) == (
        2,
        "Distinction",
        certificate.learner_name,
    )


def test_revoked_or_superseded_certificates_are_not_reissued(
    world: World, certificate: Certificate
) -> None:
    staff = world.provider_staff.user
    new = certificate_reissue(actor=staff, certificate=certificate, reason="Grade.", grade="A")
    with pytest.raises(CertificateNotValid):
        certificate_reissue(actor=staff, certificate=certificate, reason="Again.", grade="B")
    certificate_revoke(actor=staff, certificate=new, reason="Withdrawn.")
    with pytest.raises(CertificateNotValid):
        certificate_reissue(actor=staff, certificate=new, reason="Again.", grade="B")
    # After a revocation the provider may certify the enrolment afresh (version 3).
    fresh = certificate_issue(actor=staff, enrolment=certificate.enrolment)
    assert fresh.version == 3
    assert Certificate.objects.filter(enrolment=certificate.enrolment).count() == 3
