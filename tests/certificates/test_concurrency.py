"""Issuing under real concurrency: one enrolment is certified once, whoever asks at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from certificates.errors import CertificateExists
from certificates.models import Certificate
from certificates.services import certificate_issue, certificates_issue_for_cohort
from tests.certificates.helpers import completed
from tests.concurrency import run_concurrently
from tests.enrolments.helpers import make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_single_and_bulk_issues_at_the_same_moment_certify_once() -> None:
    world = make_world()
    enrolment = completed(world)
    staff = world.provider_staff.user

    def single() -> Callable[[], object]:
        return lambda: certificate_issue(actor=staff, enrolment=enrolment)

    def bulk() -> object:
        return certificates_issue_for_cohort(actor=staff, cohort=world.cohort)

    results = run_concurrently([single(), single(), single(), bulk])
    certificates = Certificate.objects.filter(enrolment=enrolment)
    assert certificates.count() == 1
    assert certificates.get().status == "valid"
    singles = results[:3]
    assert sum(isinstance(r, Certificate) for r in singles) + len(results[3].issued) == 1
    assert all(isinstance(r, Certificate | CertificateExists) for r in singles)
    # Each issue rendered its PDF after commit, in its own thread.
    assert certificates.get().pdf_sha256
