"""The entry's runs partial (htmx polling, escaping, labels, access) and the run monitor."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from accounts.models import User
from config.celery import app as celery_app
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs.selectors import HOLD_BUDGET, HOLD_SHARE
from contest.runs.services import error_text
from contest.services import entry_submit
from tests import factories

POLLING = 'hx-trigger="every 2s"'


@pytest.fixture(autouse=True)
def no_broker(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(celery_app, "send_task", lambda *args, **kwargs: None)


def english_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def htmx_get(client: Client, url: str) -> Any:
    return client.get(url, headers={"HX-Request": "true"})


def make_runs(entry: Entry, statuses: list[str], **fields: Any) -> list[Run]:
    """A submitted revision of the entry with one run per status, on the contest's tasks."""
    revision = EntryRevision.objects.create(
        entry=entry, number=entry.revision + 1, title=entry.title, prompt_template="p"
    )
    Entry.objects.filter(pk=entry.pk).update(
        revision=revision.number, status=Entry.Status.SUBMITTED
    )
    entry.refresh_from_db()
    tasks = list(entry.contest.sample_tasks.all())
    created = []
    for index, status in enumerate(statuses):
        created.append(
            Run.objects.create(
                entry=entry,
                contest=entry.contest,
                revision=revision,
                sample_task=tasks[index % len(tasks)],
                sample_index=index // len(tasks),
                status=status,
                provider=entry.contest.model_provider,
                model="gpt-4o-mini",
                temperature=0.2,
                max_tokens=800,
                messages=[{"role": "user", "content": "p"}],
                **fields,
            )
        )
    return created


@pytest.fixture
def contest(organiser: User) -> Contest:
    contest = factories.make_contest(created_by=organiser, model_provider="openai")
    factories.make_task(contest, checks=[{"type": "max_chars", "value": 300}])
    factories.make_task(contest, title="議会答弁のたたき台")
    return contest


@pytest.fixture
def entry(contest: Contest, staff: User) -> Entry:
    return factories.make_entry(contest, staff)


@pytest.fixture
def author(staff: User) -> Client:
    return english_client(staff)


# --- The entry's runs partial ---------------------------------------------------------------


def test_partial_polls_while_a_run_is_pending(entry: Entry, author: Client) -> None:
    make_runs(entry, ["succeeded", "queued"])

    response = htmx_get(author, reverse("entry_runs", args=[entry.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert POLLING in body
    assert f'hx-get="{reverse("entry_runs", args=[entry.pk])}"' in body
    assert 'hx-swap="outerHTML"' in body
    assert 'role="status"' in body
    assert "1 of 2 succeeded" in body
    assert "1 waiting" in body
    assert '<rect class="waiting"' in body


def test_partial_stops_polling_once_no_run_is_pending(entry: Entry, author: Client) -> None:
    make_runs(entry, ["succeeded", "failed", "cancelled", "succeeded"])

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert POLLING not in body
    assert "hx-get" not in body
    assert "2 of 4 succeeded" in body
    assert '<span class="run-part-failed run-failed-words">1 failed</span>' in body
    assert "1 cancelled" in body


def test_without_htmx_the_runs_are_a_whole_page(entry: Entry, author: Client) -> None:
    make_runs(entry, ["queued"])

    body = author.get(reverse("entry_runs", args=[entry.pk])).content.decode()

    assert "<html" in body
    assert POLLING in body
    assert entry.title in body


def test_output_is_escaped_and_marked_as_ai_generated(entry: Entry, author: Client) -> None:
    make_runs(
        entry,
        ["succeeded"],
        output="<script>alert('x')</script>\n二行目",
        prompt_tokens=12,
        completion_tokens=34,
        latency_ms=1500,
        cost_yen=Decimal("0.0123"),
        check_results=[{"type": "max_chars", "value": 300, "passed": True, "detail": "20 chars"}],
    )

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;\n二行目" in body
    assert '<div class="output scroll"' in body  # white-space: pre-wrap keeps the line break
    assert "AI-generated" in body
    assert "Offline preview" not in body
    assert "At most 300 characters" in body
    assert "12 tokens sent, 34 received" in body
    # Time is everyone's (a reused answer shows its original's); cost is the organisers'.
    assert "1.5 s" in body
    assert "¥0.0123" not in body


def test_a_reused_answer_looks_to_the_entrant_like_any_other(
    entry: Entry, author: Client, organiser: User
) -> None:
    # What the response cache stores for a prompt someone else already sent.
    make_runs(
        entry,
        ["succeeded"],
        output="回答",
        from_cache=True,
        prompt_tokens=12,
        completion_tokens=34,
        latency_ms=900,  # the original's time, copied with its answer
        cost_yen=Decimal(0),
    )
    url = reverse("entry_runs", args=[entry.pk])

    seen_by_author = htmx_get(author, url).content.decode()
    seen_by_organiser = htmx_get(english_client(organiser), url).content.decode()

    assert "12 tokens sent, 34 received" in seen_by_author
    assert "0.9 s" in seen_by_author
    for clue in ("Reused an identical earlier answer", "¥0"):
        assert clue not in seen_by_author
        assert clue in seen_by_organiser


def test_the_author_is_told_when_their_share_of_the_budget_holds_a_run(
    entry: Entry, author: Client
) -> None:
    make_runs(entry, ["held", "held"])
    Run.objects.filter(pk=entry.runs.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        error_code=HOLD_SHARE
    )

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert body.count("Waiting: your runs have used the share of the contest's model budget") == 1
    assert body.count("Waiting: the contest's model budget is spent.") == 1


def test_echo_runs_say_no_model_was_called(contest: Contest, entry: Entry, author: Client) -> None:
    Contest.objects.filter(pk=contest.pk).update(model_provider="echo")
    entry.contest.refresh_from_db()
    make_runs(entry, ["succeeded"], output="[Offline preview — no model was called]\n\n[user]\np")

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert "Offline preview — no model was called" in body
    assert "AI-generated" not in body


def test_failed_run_shows_its_error_and_a_rerun_button(entry: Entry, author: Client) -> None:
    make_runs(entry, ["failed", "succeeded"], error="The AI service could not be reached.")

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert "The AI service could not be reached." in body
    assert f'hx-post="{reverse("entry_retry_failed", args=[entry.pk])}"' in body
    assert "csrfmiddlewaretoken" in body
    assert "Re-run 1 failed run" in body


def test_hidden_task_runs_are_counted_but_not_shown_to_the_author(
    contest: Contest, entry: Entry, author: Client, organiser: User
) -> None:
    hidden = contest.sample_tasks.get(title="議会答弁のたたき台")
    hidden.visible_to_entrants = False
    hidden.save()
    make_runs(entry, ["succeeded", "succeeded"], output="秘密の入力に基づく回答")
    url = reverse("entry_runs", args=[entry.pk])

    as_author = htmx_get(author, url).content.decode()
    as_organiser = htmx_get(english_client(organiser), url).content.decode()

    assert "議会答弁のたたき台" not in as_author
    assert as_author.count("秘密の入力に基づく回答") == 1
    assert "1 more run is on a sample task kept for judging" in as_author
    assert "2 of 2 succeeded" in as_author
    assert "議会答弁のたたき台" in as_organiser
    assert as_organiser.count("秘密の入力に基づく回答") == 2


def test_only_the_author_and_organisers_see_an_entrys_runs(
    entry: Entry, author: Client, organiser: User, other_staff: User, judge: User
) -> None:
    make_runs(entry, ["queued"])
    url = reverse("entry_runs", args=[entry.pk])

    assert author.get(url).status_code == 200
    assert english_client(organiser).get(url).status_code == 200
    assert english_client(other_staff).get(url).status_code == 404
    assert english_client(judge).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in


def test_the_author_reruns_their_failed_runs(entry: Entry, author: Client) -> None:
    failed = make_runs(entry, ["failed", "succeeded"], error="x", attempts=5)
    url = reverse("entry_retry_failed", args=[entry.pk])

    response = author.post(url, headers={"HX-Request": "true"})

    run = Run.objects.get(pk=failed[0].pk)
    assert (run.status, run.attempts, run.error) == ("queued", 0, "")
    assert POLLING in response.content.decode()  # pending again, so the partial polls


def test_others_cannot_rerun_someone_elses_runs(
    entry: Entry, other_staff: User, organiser: User
) -> None:
    failed = make_runs(entry, ["failed"], error="x")
    url = reverse("entry_retry_failed", args=[entry.pk])

    assert english_client(other_staff).post(url).status_code == 404
    assert Run.objects.get(pk=failed[0].pk).status == Run.Status.FAILED
    assert english_client(organiser).post(url).status_code == 302
    assert Run.objects.get(pk=failed[0].pk).status == Run.Status.QUEUED


def test_after_the_deadline_only_an_organiser_reruns_failed_runs(
    contest: Contest, entry: Entry, author: Client, organiser: User
) -> None:
    failed = make_runs(entry, ["failed"], error="x", attempts=5)
    Contest.objects.filter(pk=contest.pk).update(
        status=Contest.Status.JUDGING, closes_at=timezone.now() - timedelta(minutes=1)
    )
    url = reverse("entry_retry_failed", args=[entry.pk])

    assert author.post(url).status_code == 403
    assert "hx-post" not in author.get(reverse("entry_runs", args=[entry.pk])).content.decode()
    assert Run.objects.get(pk=failed[0].pk).status == Run.Status.FAILED
    assert english_client(organiser).post(url).status_code == 302
    assert Run.objects.get(pk=failed[0].pk).status == Run.Status.QUEUED


def test_rerun_needs_post(entry: Entry, author: Client) -> None:
    make_runs(entry, ["failed"], error="x")

    assert author.get(reverse("entry_retry_failed", args=[entry.pk])).status_code == 405


@pytest.mark.parametrize("tasks", [1, 12])
def test_entry_runs_page_makes_the_same_queries_whatever_the_number_of_runs(
    contest: Contest,
    entry: Entry,
    author: Client,
    tasks: int,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for n in range(tasks):
        factories.make_task(contest, title=f"追加の課題{n}")
    make_runs(entry, ["succeeded"] * (tasks + 2), output="ok")

    with django_assert_max_num_queries(6):
        body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert body.count('class="run-card"') == tasks + 2


# --- The run monitor --------------------------------------------------------------------------


def fill_contest(contest: Contest, entries: int) -> None:
    now = timezone.now()
    for n in range(entries):
        entry = factories.make_entry(contest, factories.make_user())
        make_runs(
            entry,
            ["succeeded", "failed"],
            prompt_tokens=100,
            completion_tokens=50,
            cost_yen=Decimal("0.5"),
            finished_at=now - timedelta(minutes=n % 3),
            error="The AI service did not answer after 5 attempts.",
            error_code="server_error",
        )


@pytest.mark.parametrize("entries", [2, 12])
def test_monitor_counts_runs_with_a_constant_number_of_queries(
    contest: Contest,
    organiser: User,
    entries: int,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    fill_contest(contest, entries)
    client = english_client(organiser)

    # The page's reads, plus session, user and whether they judge (the header's link).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("run_monitor", args=[contest.slug]))

    monitor = response.context["monitor"]
    assert monitor.counts["succeeded"] == entries
    assert monitor.counts["failed"] == entries
    assert monitor.total == 2 * entries
    assert monitor.spend.tokens == 150 * 2 * entries
    assert monitor.spend.yen == Decimal("0.5") * 2 * entries
    assert sum(line.finished for line in monitor.per_minute) == 2 * entries
    assert len(monitor.per_minute) == 10
    assert [(e.code, e.count) for e in monitor.errors] == [("server_error", entries)]
    body = response.content.decode()
    assert "server_error" in body
    assert f"Re-run all {entries} failed runs" in body


def test_monitor_explains_held_runs_and_offers_release(
    contest: Contest, entry: Entry, organiser: User
) -> None:
    Contest.objects.filter(pk=contest.pk).update(token_budget=100)
    make_runs(entry, ["succeeded"], prompt_tokens=80, completion_tokens=40)
    make_runs(factories.make_entry(contest, organiser), ["held", "held"])

    body = english_client(organiser).get(reverse("run_monitor", args=[contest.slug]))
    text = body.content.decode()

    assert "2 runs are held because the contest's token budget is spent." in text
    assert "120 of 100 (100%)" in text
    assert reverse("organiser_contest_edit", args=[contest.slug]) in text
    assert "Release 2 held runs" in text


def test_monitor_counts_runs_held_for_an_entrants_share_apart(
    contest: Contest, entry: Entry, organiser: User, other_staff: User, settings: Settings
) -> None:
    settings.ENTRANT_BUDGET_SHARE_PERCENT = 10
    Contest.objects.filter(pk=contest.pk).update(token_budget=1000)
    make_runs(entry, ["succeeded"], prompt_tokens=80, completion_tokens=40)
    make_runs(entry, ["held", "held"], error_code=HOLD_SHARE)
    make_runs(factories.make_entry(contest, other_staff), ["held"], error_code=HOLD_BUDGET)

    text = english_client(organiser).get(reverse("run_monitor", args=[contest.slug]))
    body = text.content.decode()

    assert "One entrant's runs may spend at most 10% of each budget" in body
    assert (
        "2 runs are held because their entrants have spent their share of the budget; other "
        "entrants' runs go on."
    ) in body
    assert "1 entrant is over their share." in body
    # The contest's budget has room: the other run can be released.
    assert "1 run was held when the budget was spent; the budget has room again" in body
    assert "Release 3 held runs" in body


def test_monitor_release_needs_room_in_the_budget(
    contest: Contest, entry: Entry, organiser: User
) -> None:
    Contest.objects.filter(pk=contest.pk).update(token_budget=100)
    make_runs(entry, ["succeeded"], prompt_tokens=80, completion_tokens=40)
    held = make_runs(factories.make_entry(contest, organiser), ["held"])
    client = english_client(organiser)
    url = reverse("run_monitor", args=[contest.slug])

    client.post(url)
    assert Run.objects.get(pk=held[0].pk).status == Run.Status.HELD

    Contest.objects.filter(pk=contest.pk).update(token_budget=10_000)
    client.post(url)
    assert Run.objects.get(pk=held[0].pk).status == Run.Status.QUEUED


def test_monitor_actions_rerun_failed_and_cancel_pending(
    contest: Contest, entry: Entry, organiser: User
) -> None:
    failed, _ = make_runs(entry, ["failed", "queued"], error="x")
    client = english_client(organiser)

    client.post(reverse("contest_retry_failed", args=[contest.slug]))
    assert Run.objects.get(pk=failed.pk).status == Run.Status.QUEUED

    response = client.post(reverse("contest_cancel_pending", args=[contest.slug]), follow=True)
    assert set(Run.objects.values_list("status", flat=True)) == {"cancelled"}
    assert "2 pending runs were cancelled." in response.content.decode()


def test_monitor_is_for_organisers_only(contest: Contest, staff: User) -> None:
    client = english_client(staff)

    assert client.get(reverse("run_monitor", args=[contest.slug])).status_code == 403
    assert client.post(reverse("contest_cancel_pending", args=[contest.slug])).status_code == 403


def test_monitor_polls_while_runs_are_pending(
    contest: Contest, entry: Entry, organiser: User
) -> None:
    make_runs(entry, ["running"])
    client = english_client(organiser)
    url = reverse("run_monitor", args=[contest.slug])

    partial = htmx_get(client, url).content.decode()
    Run.objects.update(status=Run.Status.SUCCEEDED)
    done = htmx_get(client, url).content.decode()

    assert 'hx-trigger="every 5s"' in partial and "<html" not in partial
    assert "hx-trigger" not in done


def test_a_failed_runs_error_is_shown_in_the_readers_language(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff, prompt_template="要約して {{input}}")
    entry_submit(entry=entry)
    with translation.override("ja"):
        stored = error_text(status=Run.Status.FAILED, code="insufficient_quota", attempts=1)
    entry.runs.update(status=Run.Status.FAILED, error=stored, error_code="insufficient_quota")
    client.force_login(staff)

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("entry_runs", args=[entry.pk])).content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = client.get(reverse("entry_runs", args=[entry.pk])).content.decode()

    assert "usage limit for this organisation has been reached" in english
    assert stored not in english
    assert stored in japanese


def test_polling_stops_while_only_held_runs_wait(entry: Entry, author: Client) -> None:
    make_runs(entry, ["held", "succeeded"])

    body = author.get(reverse("entry_runs", args=[entry.pk])).content.decode()

    assert POLLING not in body
    assert "1 of 2 succeeded" in body  # the bar and the words still show the wait
    assert "1 waiting" in body


def test_check_results_are_summarised_for_the_entry(entry: Entry, author: Client) -> None:
    passing, failing, unchecked = make_runs(entry, ["succeeded", "succeeded", "failed"])
    Run.objects.filter(pk=passing.pk).update(checks_passed=True)
    Run.objects.filter(pk=failing.pk).update(checks_passed=False)

    body = htmx_get(author, reverse("entry_runs", args=[entry.pk])).content.decode()

    assert unchecked.checks_passed is None
    assert "Automatic checks: 1 of 2 checked runs passed every check." in body
