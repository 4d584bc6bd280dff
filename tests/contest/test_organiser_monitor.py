"""The run monitor shows failures in their own colour and words, never inside a total."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, EntryRevision, Run
from contest.runs.selectors import bar_segments, contest_run_monitor
from tests import factories

pytestmark = pytest.mark.django_db


def _runs(contest: Contest, author: User, statuses: list[str]) -> None:
    entry = factories.make_entry(contest, author)
    revision = EntryRevision.objects.create(entry=entry, number=1, title="t", prompt_template="p")
    task = contest.sample_tasks.first()
    assert task is not None
    now = timezone.now()
    for index, status in enumerate(statuses):
        Run.objects.create(
            entry=entry,
            contest=entry.contest,
            revision=revision,
            sample_task=task,
            sample_index=index,
            status=status,
            provider="openai",
            model="gpt-4o-mini",
            temperature=0.2,
            max_tokens=800,
            finished_at=now - timedelta(seconds=index)
            if status in ("succeeded", "failed")
            else None,
            error_code="server_error" if status == "failed" else "",
        )


def _monitor_page(client: Client, organiser: User, contest: Contest) -> str:
    client.force_login(organiser)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("run_monitor", args=[contest.slug])).content.decode()


def test_bar_segments_follow_each_other_and_skip_empty_statuses() -> None:
    segments = bar_segments(
        [("succeeded", "Succeeded", 6), ("failed", "Failed", 0), ("queued", "Queued", 2)], 8
    )
    assert [(s.status, s.x, s.width) for s in segments] == [
        ("succeeded", 0.0, 75.0),
        ("queued", 75.0, 25.0),
    ]
    assert bar_segments([("failed", "Failed", 3)], 0) == []


def test_failed_runs_are_a_red_share_of_the_bar_and_said_in_words(
    client: Client, organiser: User, open_contest: Contest, staff: User
) -> None:
    _runs(open_contest, staff, ["succeeded"] * 5 + ["failed"] * 3 + ["queued"] * 2)

    page = _monitor_page(client, organiser, open_contest)

    assert '<strong class="run-failed-words">3 of 10 runs failed.</strong>' in page
    assert "2 runs are not finished yet." in page
    bar = page.split('<svg class="status-bar"', 1)[1].split("</svg>", 1)[0]
    assert 'aria-label="Succeeded 5, Failed 3, Queued 2"' in bar
    assert re.search(r'<rect class="failed" x="50\.0+" y="0" width="30\.0+"', bar)


def test_each_minute_shows_failed_runs_apart_from_succeeded_ones(
    client: Client, organiser: User, open_contest: Contest, staff: User
) -> None:
    _runs(open_contest, staff, ["succeeded", "failed", "failed"])

    monitor = contest_run_monitor(contest=open_contest)
    rows = [(line.succeeded, line.failed) for line, _ in monitor.minute_rows if line.finished]
    assert sum(s for s, _ in rows) == 1
    assert sum(f for _, f in rows) == 2
    page = _monitor_page(client, organiser, open_contest)
    assert '<td class="run-failed-words">' in page
    assert '<th scope="col">Failed</th>' in page


def test_no_failure_says_so_without_red(
    client: Client, organiser: User, open_contest: Contest, staff: User
) -> None:
    _runs(open_contest, staff, ["succeeded", "succeeded"])
    page = _monitor_page(client, organiser, open_contest)
    assert "No run has failed out of 2." in page
    assert "run-failed-words" not in page


def test_a_small_contest_is_counted_on_every_request(open_contest: Contest, staff: User) -> None:
    _runs(open_contest, staff, ["succeeded"])
    assert contest_run_monitor(contest=open_contest).total == 1
    _runs(open_contest, staff, ["failed"])
    assert contest_run_monitor(contest=open_contest).total == 2


def test_a_big_contest_is_counted_once_per_refresh_until_an_organiser_acts(
    client: Client,
    organiser: User,
    open_contest: Contest,
    staff: User,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    from contest.runs import selectors

    monkeypatch.setattr(selectors, "MONITOR_KEEP_FROM_RUNS", 2)
    _runs(open_contest, staff, ["succeeded", "failed"])
    first = contest_run_monitor(contest=open_contest)
    _runs(open_contest, staff, ["failed"])

    kept = contest_run_monitor(contest=open_contest)
    assert (kept.total, kept.counted_at) == (2, first.counted_at)
    page = _monitor_page(client, organiser, open_contest)
    assert f"Counted at {timezone.localtime(first.counted_at):%H:%M:%S}." in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contest_cancel_pending", args=[open_contest.slug]))
    fresh = contest_run_monitor(contest=open_contest)
    assert fresh.total == 3 and fresh.counted_at > first.counted_at
