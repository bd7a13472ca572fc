"""Repayment tests need the plans the migration loads; transactional tests elsewhere empty
every table, so put back whatever is missing."""

from __future__ import annotations

import pytest

from payments.plans_data import ensure_repayment_plans


@pytest.fixture(autouse=True)
def _repayment_plans(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker:
        transactional = bool(marker.kwargs.get("transaction"))
        request.getfixturevalue("transactional_db" if transactional else "db")
        ensure_repayment_plans()
