"""Shared fixtures and the named personas every test can use."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from accounts.models import Department, User
from contest.models import Contest
from tests import factories

# Playwright's sync API keeps an event loop in the test thread; the ORM calls we make
# beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The SQLite test database is a file under VAR_DIR (a worker process must share it).
settings.VAR_DIR.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Argon2 is the production hasher (tests/test_site.py checks it); hashing every
    # persona's password with it would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    # Rate-limit counters live in the cache: one test's submissions must not count for the
    # next test's people (SQLite hands out the same primary keys again after a rollback).
    cache.clear()


@pytest.fixture(autouse=True)
def no_language_leaks() -> Iterator[None]:
    # A test that activates a language must not decide the language of the next one.
    yield
    translation.deactivate()


@pytest.fixture
def department_a(db: None) -> Department:
    return factories.make_department("SOMU", "総務課", "General Affairs Division")


@pytest.fixture
def department_b(db: None) -> Department:
    return factories.make_department("KIKAKU", "企画課", "Planning Division")


# Organisers and judges must have an authenticator app before their pages open
# (accounts/mfa.py), so these personas have one, as they would in production.


@pytest.fixture
def organiser(department_a: Department) -> User:
    return factories.give_authenticator_app(
        factories.make_user(
            "organiser@city.example.jp",
            department=department_a,
            is_organiser=True,
            display_name="運営 花子",
        )
    )


@pytest.fixture
def judge(department_b: Department) -> User:
    return factories.give_authenticator_app(
        factories.make_user(
            "judge@city.example.jp", department=department_b, display_name="審査 一郎"
        )
    )


@pytest.fixture
def staff(department_a: Department) -> User:
    return factories.make_user(
        "staff@city.example.jp", department=department_a, display_name="職員 太郎"
    )


@pytest.fixture
def other_staff(department_b: Department) -> User:
    return factories.make_user(
        "other@city.example.jp", department=department_b, display_name="職員 次郎"
    )


@pytest.fixture
def open_contest(db: None, organiser: User) -> Contest:
    contest = factories.make_contest(created_by=organiser)
    factories.make_task(contest)
    factories.make_task(
        contest, title="議会答弁のたたき台", input="子育て支援策の拡充について", variables={}
    )
    factories.make_category(contest, "要約")
    factories.make_category(contest, "文書作成")
    return contest
