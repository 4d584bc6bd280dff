"""Organiser pages make as many queries for a contest of 40 entries as for one of 2, and
read only what they show (bench/pages.py measures their time at 100 to 10,000 entries)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.selectors import contests_for_organiser
from contest.runs.selectors import (
    HOLD_SHARE,
    budget_hold_reason,
    contest_run_monitor,
    contest_runs,
)
from tests import factories

pytestmark = pytest.mark.django_db

PAGES: dict[str, Callable[[Contest], str]] = {
    "organiser home": lambda contest: reverse("organiser_home"),
    "contest dashboard": lambda contest: reverse("organiser_contest", args=[contest.slug]),
    "entries": lambda contest: reverse("organiser_entries", args=[contest.slug]),
    "entries sorted by failures": lambda contest: (
        reverse("organiser_entries", args=[contest.slug]) + "?sort=failed"
    ),
    "run monitor": lambda contest: reverse("run_monitor", args=[contest.slug]),
}


def _add_entries(contest: Contest, count: int) -> None:
    """`count` submitted entries by different people, each run once on every task."""
    now = timezone.now()
    tasks = list(contest.sample_tasks.all())
    for n in range(count):
        entry = factories.make_entry(contest, factories.make_user(), status=Entry.Status.SUBMITTED)
        Entry.objects.filter(pk=entry.pk).update(revision=1)
        revision = EntryRevision.objects.create(
            entry=entry, number=1, title=entry.title, prompt_template="p"
        )
        failed = n % 3 == 0
        Run.objects.bulk_create(
            Run(
                entry=entry,
                contest=contest,
                revision=revision,
                sample_task=task,
                status=Run.Status.FAILED if failed else Run.Status.SUCCEEDED,
                error_code="server_error" if failed else "",
                provider="openai",
                model="gpt-4o-mini",
                temperature=0.2,
                max_tokens=800,
                prompt_tokens=10,
                completion_tokens=5,
                checks_passed=True,
                finished_at=now - timedelta(minutes=n % 15),
            )
            for task in tasks
        )


def _query_counts(client: Client, contest: Contest) -> dict[str, int]:
    counts = {}
    for page, url in PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(contest))
        assert response.status_code == 200, page
        counts[page] = len(queries)
    return counts


def test_organiser_pages_make_the_same_queries_for_40_entries_as_for_2(
    organiser_client: Client, open_contest: Contest
) -> None:
    open_contest.judges.set([factories.make_user() for _ in range(3)])
    _add_entries(open_contest, 2)
    few = _query_counts(organiser_client, open_contest)
    _add_entries(open_contest, 38)
    open_contest.judges.add(*[factories.make_user() for _ in range(5)])
    assert _query_counts(organiser_client, open_contest) == few


def test_organiser_home_counts_each_entry_once_however_many_judges(
    open_contest: Contest, staff: User
) -> None:
    open_contest.judges.set([factories.make_user() for _ in range(4)])
    _add_entries(open_contest, 3)
    factories.make_entry(open_contest, staff)  # a draft

    contests = contests_for_organiser()
    # Joined judges would repeat the contest's row once per judge, with every count in it.
    assert 'JOIN "contest_contest_judges"' not in str(contests.query)
    (row,) = contests.filter(pk=open_contest.pk)
    assert (row.entry_count, row.submitted_count, row.judge_count) == (4, 3, 4)  # type: ignore[attr-defined]
    assert row.task_count == 2  # type: ignore[attr-defined]


def test_run_monitor_counts_runs_without_joining_sample_tasks(open_contest: Contest) -> None:
    # Run's default ordering names the sample task; a count dragging that join along
    # read every task row once per run.
    _add_entries(open_contest, 2)
    with CaptureQueriesContext(connection) as queries:
        monitor = contest_run_monitor(contest=open_contest)
    assert monitor.total == 4
    assert monitor.failed == 2
    assert not [q["sql"] for q in queries if "contest_sampletask" in q["sql"]]


def _entry_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if 'JOIN "contest_entry"' in q["sql"]]


def test_run_monitor_reads_runs_by_their_contest_without_joining_entries(
    open_contest: Contest,
    staff: User,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    _add_entries(open_contest, 3)
    # A try before submitting, on the contest's own task: never part of its totals.
    Run.objects.create(
        kind=Run.Kind.PREVIEW,
        contest=open_contest,
        requested_by=staff,
        preview_key=uuid4(),
        sample_task=open_contest.sample_tasks.first(),
        status=Run.Status.SUCCEEDED,
        provider="openai",
        model="gpt-4o-mini",
        temperature=0.2,
        max_tokens=800,
        prompt_tokens=1000,
    )

    with django_assert_num_queries(3), CaptureQueriesContext(connection) as queries:
        monitor = contest_run_monitor(contest=open_contest)
    assert (monitor.total, monitor.failed, monitor.spend.tokens) == (6, 2, 90)
    # Joined to every entry, the totals read the whole contest twice over as it grew.
    assert not _entry_queries(queries)


def test_run_monitor_counts_entrants_over_their_share_once_each(
    open_contest: Contest, django_assert_num_queries: Callable[..., Any]
) -> None:
    _add_entries(open_contest, 3)
    entries = list(Entry.objects.filter(contest=open_contest).order_by("pk"))
    # The first two entries are one person's.
    Entry.objects.filter(pk=entries[1].pk).update(author=entries[0].author)
    contest_runs(open_contest).filter(entry__in=entries[:2]).update(
        status=Run.Status.HELD, error_code=HOLD_SHARE
    )

    with django_assert_num_queries(4), CaptureQueriesContext(connection) as queries:
        monitor = contest_run_monitor(contest=open_contest)
    assert (monitor.held_for_share, monitor.entrants_over_share) == (4, 1)
    assert not _entry_queries(queries)


def test_budget_check_before_each_call_reads_runs_without_joining_entries(
    open_contest: Contest, django_assert_num_queries: Callable[..., Any]
) -> None:
    Contest.objects.filter(pk=open_contest.pk).update(token_budget=1000)
    open_contest.refresh_from_db()
    _add_entries(open_contest, 2)
    author_id = Entry.objects.filter(contest=open_contest).values_list("author_id", flat=True)[0]

    with django_assert_num_queries(1), CaptureQueriesContext(connection) as queries:
        assert budget_hold_reason(contest=open_contest, author_id=author_id) is None
    assert not _entry_queries(queries)


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    return client
