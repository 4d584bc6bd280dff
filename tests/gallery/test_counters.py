"""Counters under concurrent clicks: every copy counts, a like counts once per person.

Real threads, each with its own database connection, released together by a barrier. On
PostgreSQL (where concurrent writers really overlap); SQLite serialises writers anyway.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from accounts.models import User
from gallery import services
from gallery.models import GalleryLike, GalleryPrompt
from tests import factories

from .conftest import make_prompt

pytestmark = pytest.mark.django_db(transaction=True)
CLICKS = 12


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def _at_once(actions: list[Callable[[], object]]) -> list[BaseException]:
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            action()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_copies_all_count() -> None:
    prompt = make_prompt()
    errors = _at_once([lambda: services.prompt_copy(prompt_id=prompt.pk)] * CLICKS)
    assert errors == []
    prompt.refresh_from_db()
    assert prompt.copy_count == CLICKS


def test_concurrent_likes_by_one_person_count_once() -> None:
    prompt = make_prompt()
    user = factories.make_user()
    results: list[bool] = []
    errors = _at_once(
        [lambda: results.append(services.prompt_like(prompt_id=prompt.pk, user=user))] * CLICKS
    )
    assert errors == []
    assert results.count(True) == 1
    prompt.refresh_from_db()
    assert prompt.like_count == 1 == GalleryLike.objects.count()


def test_concurrent_likes_by_many_people_all_count() -> None:
    prompt = make_prompt()
    users: list[User] = [factories.make_user() for _ in range(CLICKS)]

    def like_as(user: User) -> Callable[[], object]:
        return lambda: services.prompt_like(prompt_id=prompt.pk, user=user)

    errors = _at_once([like_as(user) for user in users])
    assert errors == []
    prompt.refresh_from_db()
    assert prompt.like_count == CLICKS == GalleryLike.objects.count()


def test_concurrent_uses_add_their_minutes() -> None:
    prompt = make_prompt()
    user = factories.make_user()
    errors = _at_once(
        [lambda: services.prompt_use(prompt_id=prompt.pk, user=user, minutes_saved=5)] * CLICKS
    )
    assert errors == []
    prompt = GalleryPrompt.objects.get(pk=prompt.pk)
    assert (prompt.use_count, prompt.reported_minutes_saved) == (CLICKS, 5 * CLICKS)
