"""Shared fixtures: API clients, people with roles, a clean cache per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory
from users.models import User


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Rate limits and used TOTP codes live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


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
