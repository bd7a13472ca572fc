"""Read-only selectors go to the replica alias when one is configured, never from inside a
write transaction (the replica alias here mirrors the test database, as a replica would)."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.replica import read_alias
from courses.selectors import CatalogueFilters, catalogue_courses
from tests.factories import CohortFactory, UserFactory
from wallets.selectors import wallet_statement_for_learner
from wallets.services.pots import personal_pot_get_or_create, wallet_get_or_create

pytestmark = pytest.mark.django_db(databases=["default", "replica"], transaction=True)


def test_without_a_replica_every_read_stays_on_the_primary() -> None:
    assert read_alias() == "default"
    assert catalogue_courses(filters=CatalogueFilters()).db == "default"


@override_settings(READ_REPLICA_ALIAS="replica")
def test_catalogue_search_reads_from_the_replica() -> None:
    cohort = CohortFactory.create()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = APIClient().get("/api/v1/courses", {"q": cohort.course.title})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [cohort.course_id]
    assert any("courses_course" in q["sql"] for q in replica.captured_queries)
    assert any("courses_cohort" in q["sql"] for q in replica.captured_queries)  # prefetch too
    assert not any("courses_course" in q["sql"] for q in primary.captured_queries)


@override_settings(READ_REPLICA_ALIAS="replica")
def test_statement_reads_from_the_replica() -> None:
    learner = UserFactory.create()
    personal_pot_get_or_create(wallet=wallet_get_or_create(learner=learner))
    client = APIClient()
    client.force_authenticate(learner)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get("/api/v1/wallet/statement")
    assert response.status_code == 200
    assert any("wallets_ledgerentry" in q["sql"] for q in replica.captured_queries)
    assert not any("wallets_ledgerentry" in q["sql"] for q in primary.captured_queries)


@override_settings(READ_REPLICA_ALIAS="replica")
def test_a_read_inside_a_write_transaction_stays_on_the_primary() -> None:
    learner = UserFactory.create()
    assert read_alias() == "replica"
    with transaction.atomic():
        assert read_alias() == "default"
        assert catalogue_courses(filters=CatalogueFilters()).db == "default"
        assert wallet_statement_for_learner(user=learner).db == "default"
