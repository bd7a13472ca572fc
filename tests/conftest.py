"""Shared fixtures: API clients, people with roles, a clean cache per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.skills import ensure_default_skills
from tests.browser import browser, page  # noqa: F401 (fixtures for browser tests)
from tests.factories import UserFactory
from tests.helpers import forget_signed_in_clients
from tests.stripe_local import localstripe, stripe_settings  # noqa: F401 (Stripe fixtures)
from users.models import User


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Rate limits and used TOTP codes live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_sign_ins() -> Iterator[None]:
    # Signed-in sessions live in the test's database; a later test signs in again.
    forget_signed_in_clients()
    yield
    forget_signed_in_clients()


@pytest.fixture(autouse=True)
def _default_skills(request: pytest.FixtureRequest) -> None:
    # Transactional tests empty every table (TRUNCATE), migration data included.
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db" if not _transactional(request) else "transactional_db")
        ensure_default_skills()


def _transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory.create()


@pytest.fixture
def logged_in_client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
