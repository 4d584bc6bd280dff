"""Fixtures for the account tests."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from pytest_django import Settings


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    # Rate-limit counters and used TOTP codes live in the cache; one test must not
    # spend another's allowance.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def city_domain(settings: Settings, db: None) -> str:
    """Sign-up limited to the city's own domain, as in production."""
    settings.ALLOWED_EMAIL_DOMAINS = ["city.example.jp"]
    return "city.example.jp"
