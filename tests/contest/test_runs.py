"""The run engine without a broker: run_execute, the reconciler, throttle, cache and budget.

The model is the real local HTTP server (tests/llm_server.py) reached through the real
`openai` client; publishing is captured by replacing the Celery app's `send_task`.
"""

import logging
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from accounts.models import User
from config.celery import app as celery_app
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs import claims, llm, throttle
from contest.runs import services as runs
from contest.runs.selectors import (
    HOLD_BUDGET,
    HOLD_SHARE,
    budget_hold_reason,
    contest_budget_holds,
)
from tests import factories
from tests.llm_server import FakeOpenAIServer, expected_output

CaptureCallbacks = Callable[..., Any]


@dataclass
class Sent:
    run_id: int
    countdown: float | None


@pytest.fixture(autouse=True)
def in_english(settings: Settings) -> Iterator[None]:
    # Stored messages are written in the active language; the tests read them in English.
    with translation.override("en"):
        yield


@pytest.fixture
def server(
    shared_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Iterator[FakeOpenAIServer]:
    shared_server.configure(latency=0, fault_rate=0, retry_after=1, hang_seconds=2)
    shared_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", shared_server.base_url)
    settings.LLM_READ_TIMEOUT = 1.0
    settings.LLM_MAX_ATTEMPTS = 3
    settings.LLM_RETRY_BASE_SECONDS = 10.0
    settings.LLM_RETRY_MAX_SECONDS = 60.0
    settings.LLM_REQUESTS_PER_MINUTE = 0
    settings.LLM_RESPONSE_CACHE = True
    settings.RUN_LEASE_SECONDS = 120
    settings.RUN_REQUEUE_AFTER_SECONDS = 120
    llm.reset_clients()
    cache.clear()
    yield shared_server
    llm.reset_clients()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[Sent]:
    """Every message published, instead of a broker; the backlog reads as empty."""
    published: list[Sent] = []

    def send_task(name: str, args: list[int], countdown: float | None = None, **kw: Any) -> None:
        assert name == runs.EXECUTE_RUN_TASK
        published.append(Sent(run_id=args[0], countdown=countdown))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    monkeypatch.setattr(runs, "llm_queue_backlog", lambda: 0)
    return published


@pytest.fixture
def contest(organiser: User) -> Contest:
    contest = factories.make_contest(created_by=organiser, model_provider="openai")
    factories.make_task(contest, checks=[{"type": "contains", "value": "reply"}])
    factories.make_task(contest, title="議会答弁のたたき台", input="子育て支援策の拡充について")
    return contest


def submit(entry: Entry, capture: CaptureCallbacks) -> list[Run]:
    """Freeze the entry as its next revision and queue its runs, as entry_submit does."""
    revision = EntryRevision.objects.create(
        entry=entry,
        number=entry.revision + 1,
        title=entry.title,
        system_prompt=entry.system_prompt,
        prompt_template=entry.prompt_template,
    )
    Entry.objects.filter(pk=entry.pk).update(
        revision=revision.number, status=Entry.Status.SUBMITTED
    )
    entry.refresh_from_db()
    with capture(execute=True):
        created = runs.runs_create_for_revision(revision=revision)
    return created


@pytest.fixture
def entry(contest: Contest, staff: User) -> Entry:
    return factories.make_entry(contest, staff)


@pytest.fixture
def queued(
    entry: Entry, django_capture_on_commit_callbacks: CaptureCallbacks, sent: list[Sent]
) -> list[Run]:
    created = submit(entry, django_capture_on_commit_callbacks)
    sent.clear()
    return created


def execute(run: Run, capture: CaptureCallbacks) -> Run:
    with capture(execute=True):
        runs.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def make_due(run: Run) -> None:
    Run.objects.filter(pk=run.pk).update(available_at=timezone.now())


# --- Creating -------------------------------------------------------------------------------


def test_submitting_queues_one_run_per_task_and_publishes_each_after_commit(
    entry: Entry, django_capture_on_commit_callbacks: CaptureCallbacks, sent: list[Sent]
) -> None:
    created = submit(entry, django_capture_on_commit_callbacks)

    assert len(created) == 2
    assert sorted(s.run_id for s in sent) == sorted(run.pk for run in created)
    for run in Run.objects.all():
        assert run.status == Run.Status.QUEUED
        assert run.enqueued_at is not None
        assert run.messages[0] == {"role": "system", "content": "あなたは市役所の広報担当です。"}
        assert len(run.cache_key) == 64


def test_several_samples_per_task_are_never_answered_from_the_cache(
    contest: Contest,
    entry: Entry,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    sent: list[Sent],
) -> None:
    Contest.objects.filter(pk=contest.pk).update(samples_per_task=3)
    entry.contest.refresh_from_db()

    created = submit(entry, django_capture_on_commit_callbacks)

    assert len(created) == 6
    assert {run.sample_index for run in created} == {0, 1, 2}
    assert all(run.cache_key == "" for run in created)


def test_revising_cancels_the_pending_runs_of_the_older_revision(
    entry: Entry,
    server: FakeOpenAIServer,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    sent: list[Sent],
) -> None:
    first = submit(entry, django_capture_on_commit_callbacks)
    second = submit(entry, django_capture_on_commit_callbacks)

    assert {r.status for r in Run.objects.filter(pk__in=[r.pk for r in first])} == {"cancelled"}
    assert {r.status for r in Run.objects.filter(pk__in=[r.pk for r in second])} == {"queued"}
    execute(first[0], django_capture_on_commit_callbacks)
    assert server.calls == 0


# --- Executing ------------------------------------------------------------------------------


def test_success_stores_exactly_what_the_server_answered_for_the_stored_messages(
    queued: list[Run], server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    run = execute(queued[0], django_capture_on_commit_callbacks)

    (request,) = server.requests
    assert request.body["messages"] == run.messages
    assert run.status == Run.Status.SUCCEEDED
    assert run.output == expected_output(run.messages, "gpt-4o-mini")
    assert run.response_model == "gpt-4o-mini"
    assert run.finish_reason == "stop"
    assert run.request_id == request.request_id
    assert run.prompt_tokens == sum(len(m["content"]) for m in run.messages)
    assert run.completion_tokens == len(run.output)
    assert run.cost_yen == llm.cost_yen(
        model="gpt-4o-mini",
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
    )
    assert run.cost_yen > 0
    assert run.latency_ms is not None
    assert run.attempts == 1
    assert run.from_cache is False
    assert run.finished_at is not None
    assert run.lease_until is None
    assert run.check_results == [
        {"type": "contains", "value": "reply", "passed": True, "detail": "Found “reply”"}
    ]
    assert run.checks_passed is True


def test_claim_is_exclusive_so_a_second_delivery_makes_no_call(
    queued: list[Run], server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    run = execute(queued[0], django_capture_on_commit_callbacks)
    stored = (run.output, run.request_id, run.finished_at)

    again = execute(queued[0], django_capture_on_commit_callbacks)

    assert server.calls == 1
    assert again.attempts == 1
    assert (again.output, again.request_id, again.finished_at) == stored


def test_claiming_takes_the_run_and_reads_what_executing_it_needs_in_one_query(
    contest: Contest,
    queued: list[Run],
    settings: Settings,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    settings.RUN_LEASE_SECONDS = 30
    Contest.objects.filter(pk=contest.pk).update(token_budget=5000, yen_budget=Decimal("12.5"))
    run = queued[0]
    assert run.sample_task is not None and run.entry is not None
    before = timezone.now()

    with django_assert_num_queries(1):
        claimed = claims.run_claim(run_id=run.pk)
        assert claimed is not None
        read = (
            claimed.messages,
            claimed.max_tokens,
            claimed.retry_deadline,
            claimed.sample_task.checks if claimed.sample_task else None,
            claimed.entry.author_id if claimed.entry else None,
            (claimed.entry.contest.token_budget, claimed.entry.contest.yen_budget)
            if claimed.entry
            else None,
        )

    assert read == (
        run.messages,
        run.max_tokens,
        None,
        run.sample_task.checks,
        run.entry.author_id,
        (5000, Decimal("12.5")),
    )
    stored = Run.objects.get(pk=run.pk)
    assert (stored.status, stored.attempts, claimed.attempts) == (Run.Status.RUNNING, 1, 1)
    assert stored.started_at is not None and stored.started_at >= before
    assert stored.lease_until == stored.started_at + timedelta(seconds=30)
    assert claims.run_claim(run_id=run.pk) is None
    assert Run.objects.get(pk=run.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_on_its_own_the_claim_and_the_outcome_commit_without_waiting_for_the_flush(
    queued: list[Run],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; SQLite's WAL mode sets its own")
    run = queued[0]

    with CaptureQueriesContext(connection) as statements:
        claimed = claims.run_claim(run_id=run.pk)
        assert claimed is not None
        finished = claims.run_finish(
            run_id=run.pk, attempt=1, changes={"status": Run.Status.SUCCEEDED, "output": "済"}
        )

    assert finished
    unflushed = "SET LOCAL synchronous_commit TO off; UPDATE"
    assert [s["sql"].startswith(unflushed) for s in statements] == [True, True]
    stored = Run.objects.get(pk=run.pk)
    assert (stored.status, stored.output, stored.attempts) == (Run.Status.SUCCEEDED, "済", 1)
    # LOCAL: the setting ended with each statement's own transaction.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)

    # Inside a caller's transaction it would hold for all of it: the update goes as it is.
    other = queued[1]
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        assert claims.run_claim(run_id=other.pk) is not None
    assert [s["sql"].startswith("UPDATE") for s in statements] == [True]
    assert Run.objects.get(pk=other.pk).status == Run.Status.RUNNING


def test_a_run_that_is_not_due_yet_is_not_claimed(
    queued: list[Run], server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    Run.objects.filter(pk=queued[0].pk).update(available_at=timezone.now() + timedelta(seconds=30))

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert server.calls == 0
    assert (run.status, run.attempts) == (Run.Status.QUEUED, 0)


def test_transient_error_puts_the_run_back_with_a_backoff_and_keeps_the_attempt(
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.script("500")
    before = timezone.now()

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert run.status == Run.Status.QUEUED
    assert run.attempts == 1
    assert run.error_code == "server_error"
    assert run.error == llm.error_message("server_error")
    assert run.lease_until is None
    (message,) = sent
    assert message.run_id == run.pk
    assert message.countdown is not None and 0 <= message.countdown <= 10
    assert before <= run.available_at <= timezone.now() + timedelta(seconds=10)


def test_rate_limited_run_waits_at_least_what_retry_after_asks(
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.configure(retry_after=30)
    server.script("429")

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.QUEUED, "rate_limited")
    assert sent[0].countdown == pytest.approx(30, abs=0.01)
    assert run.available_at >= timezone.now() + timedelta(seconds=29)


def test_a_long_retry_after_is_left_to_the_reconciler_not_a_delayed_message(
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.configure(retry_after=900)
    server.script("429")

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.QUEUED, "rate_limited")
    assert sent == []
    assert run.available_at >= timezone.now() + timedelta(seconds=899)
    runs.runs_reconcile(now=run.available_at + timedelta(seconds=3600))
    assert run.pk in [message.run_id for message in sent]


def test_retry_then_success_clears_the_error(
    queued: list[Run], server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script("503")
    execute(queued[0], django_capture_on_commit_callbacks)
    make_due(queued[0])

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.attempts, run.error, run.error_code) == ("succeeded", 2, "", "")
    assert server.calls == 2


def test_transient_errors_up_to_the_cap_fail_the_run_with_a_readable_message(
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.script("500", "hang", "malformed")
    for _ in range(3):
        make_due(queued[0])
        run = execute(queued[0], django_capture_on_commit_callbacks)

    assert run.status == Run.Status.FAILED
    assert run.attempts == 3
    assert run.error_code == "bad_response"
    assert "3 attempts" in run.error
    assert run.finished_at is not None
    assert server.calls == 3
    assert len(sent) == 2  # two retries published; none after the last attempt


@pytest.mark.parametrize(
    ("fault", "code"),
    [("401", "auth"), ("insufficient_quota", "insufficient_quota"), ("400", "bad_request")],
)
def test_permanent_error_fails_the_run_at_once(
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
    fault: str,
    code: str,
) -> None:
    server.script(fault)

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.attempts, run.error_code) == (Run.Status.FAILED, 1, code)
    assert run.error == llm.error_message(code)
    assert sent == []


def test_soft_time_limit_is_treated_as_a_transient_error(
    queued: list[Run], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def too_slow(**kwargs: Any) -> llm.Completion:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(llm, "complete", too_slow)

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.attempts, run.error_code) == (Run.Status.QUEUED, 1, "timeout")


def test_unexpected_exception_fails_with_a_generic_message_and_logs_the_traceback(
    queued: list[Run],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(**kwargs: Any) -> llm.Completion:
        raise KeyError("surprise")

    monkeypatch.setattr(llm, "complete", broken)

    with caplog.at_level(logging.ERROR, logger="contest.runs.services"):
        run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.FAILED, "unexpected")
    assert run.error == "An unexpected error occurred; the organiser can re-run it."
    assert "surprise" not in run.error
    assert any(record.exc_info for record in caplog.records)


def test_run_cancelled_while_calling_stores_nothing(
    queued: list[Run],
    server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    real_complete = llm.complete

    def complete_while_cancelled(**kwargs: Any) -> llm.Completion:
        runs.runs_cancel_pending(entry_id=queued[0].entry_id)
        return real_complete(**kwargs)

    monkeypatch.setattr(llm, "complete", complete_while_cancelled)

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert server.calls == 1
    assert run.status == Run.Status.CANCELLED
    assert (run.output, run.prompt_tokens, run.request_id) == ("", None, "")


def test_a_worker_finishing_after_its_run_was_reclaimed_stores_nothing(
    queued: list[Run],
    server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    real_complete = llm.complete

    def complete_while_reclaimed(**kwargs: Any) -> llm.Completion:
        # The lease ran out and another worker claimed attempt 2 meanwhile.
        Run.objects.filter(pk=queued[0].pk).update(attempts=2, request_id="other-worker")
        return real_complete(**kwargs)

    monkeypatch.setattr(llm, "complete", complete_while_reclaimed)

    run = execute(queued[0], django_capture_on_commit_callbacks)

    assert (run.status, run.request_id, run.output) == (Run.Status.RUNNING, "other-worker", "")


def test_echo_provider_answers_offline_without_any_http_call(
    contest: Contest,
    entry: Entry,
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Contest.objects.filter(pk=contest.pk).update(model_provider="echo")
    entry.contest.refresh_from_db()
    created = submit(entry, django_capture_on_commit_callbacks)

    run = execute(created[0], django_capture_on_commit_callbacks)

    assert server.calls == 0
    assert run.status == Run.Status.SUCCEEDED
    assert run.provider == "echo"
    assert run.messages[-1]["content"] in run.output
    assert run.cost_yen == 0


# --- Response cache -------------------------------------------------------------------------


def test_identical_request_is_answered_from_the_cache_without_a_call(
    contest: Contest,
    queued: list[Run],
    other_staff: User,
    server: FakeOpenAIServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    original = execute(queued[0], django_capture_on_commit_callbacks)
    twin_entry = factories.make_entry(contest, other_staff)  # the same prompt, by someone else
    twins = submit(twin_entry, django_capture_on_commit_callbacks)
    twin = next(run for run in twins if run.sample_task_id == original.sample_task_id)

    twin = execute(twin, django_capture_on_commit_callbacks)

    assert server.calls == 1
    assert twin.cache_key == original.cache_key
    assert twin.status == Run.Status.SUCCEEDED
    assert twin.from_cache is True
    assert twin.output == original.output
    assert (twin.prompt_tokens, twin.completion_tokens) == (
        original.prompt_tokens,
        original.completion_tokens,
    )
    assert twin.cost_yen == 0
    assert twin.checks_passed is True


def test_cache_switched_off_calls_the_model_again(
    contest: Contest,
    queued: list[Run],
    other_staff: User,
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    execute(queued[0], django_capture_on_commit_callbacks)
    settings.LLM_RESPONSE_CACHE = False
    twins = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)

    twin = execute(twins[0], django_capture_on_commit_callbacks)

    assert server.calls == 2
    assert twin.from_cache is False


# --- Throttle ---------------------------------------------------------------------------------


def test_throttle_spreads_refused_requests_over_later_slots(settings: Settings) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 2
    cache.clear()
    now = 6000.0 + 15  # 15 s into a window

    waits = [throttle.throttle_acquire(provider="openai", now=now).wait for _ in range(5)]

    # The two calls leave the sliding window once their 5-second slice has slid out of
    # it; the refused ones follow each other at the rate (30 s apart).
    assert waits == [0.0, 0.0, 65.0, 95.0, 125.0]
    assert throttle.throttle_acquire(provider="azure", now=now).granted  # per provider


def test_over_the_rate_limit_the_run_is_requeued_for_the_next_window_without_an_attempt(
    contest: Contest,
    queued: list[Run],
    other_staff: User,
    server: FakeOpenAIServer,
    sent: list[Sent],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 2
    settings.LLM_RESPONSE_CACHE = False
    monkeypatch.setattr(throttle, "time", types.SimpleNamespace(time=lambda: 6010.0))
    third = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)[
        0
    ]
    sent.clear()

    for run in [*queued, third]:
        execute(run, django_capture_on_commit_callbacks)

    third.refresh_from_db()
    assert server.calls == 2
    assert (third.status, third.attempts, third.started_at) == (Run.Status.QUEUED, 0, None)
    (message,) = sent
    assert (message.run_id, message.countdown) == (third.pk, 65.0)
    assert third.available_at >= timezone.now() + timedelta(seconds=64)
    assert third.error_code == "rate_limited"  # shown as waiting for the provider's limit


# --- Budget -----------------------------------------------------------------------------------


def test_spent_budget_holds_claimed_and_new_runs_and_release_queues_them(
    contest: Contest,
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Contest.objects.filter(pk=contest.pk).update(token_budget=10)
    contest.refresh_from_db()
    first = execute(queued[0], django_capture_on_commit_callbacks)
    assert first.total_tokens >= 10

    held = execute(queued[1], django_capture_on_commit_callbacks)
    assert first.entry is not None
    newcomer = submit(
        factories.make_entry(contest, first.entry.author, prompt_template="別の{{input}}"),
        django_capture_on_commit_callbacks,
    )

    assert server.calls == 1
    assert (held.status, held.attempts) == (Run.Status.HELD, 0)
    assert {run.status for run in newcomer} == {Run.Status.HELD}
    assert sent == []
    assert runs.runs_release_held(contest=contest) == 0  # still spent: nothing released

    Contest.objects.filter(pk=contest.pk).update(token_budget=1_000_000)
    contest.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        released = runs.runs_release_held(contest=contest)

    assert released == 3
    assert Run.objects.filter(status=Run.Status.HELD).count() == 0
    assert sorted(s.run_id for s in sent) == sorted([held.pk, *(r.pk for r in newcomer)])
    assert execute(held, django_capture_on_commit_callbacks).status == Run.Status.SUCCEEDED


def test_yen_budget_counts_what_the_runs_cost(
    contest: Contest,
    queued: list[Run],
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.LLM_PRICES = {"gpt-4o-mini": (Decimal(100_000), Decimal(100_000))}  # ¥0.1 a token
    Contest.objects.filter(pk=contest.pk).update(yen_budget=Decimal("1.00"))

    first = execute(queued[0], django_capture_on_commit_callbacks)
    second = execute(queued[1], django_capture_on_commit_callbacks)

    assert first.cost_yen >= 1
    assert second.status == Run.Status.HELD
    assert server.calls == 1


# --- One entrant's share of the budget --------------------------------------------------------


def budget_of(contest: Contest, tokens: int) -> None:
    Contest.objects.filter(pk=contest.pk).update(token_budget=tokens)
    contest.refresh_from_db()


@pytest.fixture
def spent_share(
    contest: Contest,
    queued: list[Run],
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> Run:
    """The staff member's first run, after which the budget is ten times what it cost: with
    a 10 % share, that one run has spent their share and the contest has room."""
    settings.ENTRANT_BUDGET_SHARE_PERCENT = 10
    first = execute(queued[0], django_capture_on_commit_callbacks)
    budget_of(contest, 10 * first.total_tokens)
    return first


def test_an_entrant_past_their_share_waits_while_others_run_on(
    contest: Contest,
    queued: list[Run],
    spent_share: Run,
    other_staff: User,
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    held = execute(queued[1], django_capture_on_commit_callbacks)
    assert spent_share.entry is not None
    revised = submit(
        factories.make_entry(contest, spent_share.entry.author, prompt_template="別の{{input}}"),
        django_capture_on_commit_callbacks,
    )
    others = submit(
        factories.make_entry(contest, other_staff, prompt_template="他の人の{{input}}"),
        django_capture_on_commit_callbacks,
    )

    assert (held.status, held.error_code, held.attempts) == ("held", HOLD_SHARE, 0)
    assert {(run.status, run.error_code) for run in revised} == {("held", HOLD_SHARE)}
    assert {run.status for run in others} == {"queued"}
    assert sorted(s.run_id for s in sent) == sorted(run.pk for run in others)
    assert {execute(run, django_capture_on_commit_callbacks).status for run in others} == {
        "succeeded"
    }
    assert server.calls == 3


def test_releasing_held_runs_leaves_those_of_an_entrant_past_their_share(
    contest: Contest,
    queued: list[Run],
    spent_share: Run,
    other_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mine = execute(queued[1], django_capture_on_commit_callbacks)
    theirs = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)
    # Held when the contest's budget was spent, before it was raised to what it is now.
    Run.objects.filter(pk__in=[r.pk for r in theirs]).update(status="held", error_code="")

    with django_capture_on_commit_callbacks(execute=True):
        released = runs.runs_release_held(contest=contest)

    assert released == len(theirs)
    assert set(
        Run.objects.filter(pk__in=[r.pk for r in theirs]).values_list("status", flat=True)
    ) == {"queued"}
    assert Run.objects.get(pk=mine.pk).status == "held"

    budget_of(contest, 100 * spent_share.total_tokens)  # every share grows with the budget
    assert runs.runs_release_held(contest=contest) == 1
    assert Run.objects.get(pk=mine.pk).status == "queued"


def test_a_spent_contest_budget_holds_everyone_and_says_which_budget(
    contest: Contest,
    queued: list[Run],
    spent_share: Run,
    other_staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    budget_of(contest, spent_share.total_tokens)

    others = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)

    assert {(run.status, run.error_code) for run in others} == {("held", HOLD_BUDGET)}
    assert runs.runs_release_held(contest=contest) == 0


@pytest.mark.parametrize("percent", [0, 100])
def test_a_share_of_0_or_100_percent_is_no_share(
    queued: list[Run],
    spent_share: Run,
    settings: Settings,
    percent: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ENTRANT_BUDGET_SHARE_PERCENT = percent
    assert execute(queued[1], django_capture_on_commit_callbacks).status == "succeeded"


def test_reused_answers_count_nothing_towards_a_share(
    contest: Contest,
    queued: list[Run],
    other_staff: User,
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.ENTRANT_BUDGET_SHARE_PERCENT = 10
    first = execute(queued[0], django_capture_on_commit_callbacks)
    budget_of(contest, 10 * first.total_tokens)
    # The same prompt by someone else is answered from the cache: it costs them nothing.
    twin = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)
    reused = execute(
        next(r for r in twin if r.cache_key == first.cache_key), django_capture_on_commit_callbacks
    )

    assert reused.from_cache is True
    assert budget_hold_reason(contest=contest, author_id=other_staff.pk) is None
    assert first.entry is not None
    assert budget_hold_reason(contest=contest, author_id=first.entry.author_id) == HOLD_SHARE


def test_retrying_failed_runs_holds_those_of_an_entrant_past_their_share(
    contest: Contest,
    queued: list[Run],
    spent_share: Run,
    other_staff: User,
    organiser: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    theirs = submit(factories.make_entry(contest, other_staff), django_capture_on_commit_callbacks)
    failed = [queued[1], *theirs]
    Run.objects.filter(pk__in=[r.pk for r in failed]).update(status="failed", error="x")

    assert runs.runs_retry_failed(contest=contest, requested_by=organiser) == 3

    assert Run.objects.get(pk=queued[1].pk).status == "held"
    assert {Run.objects.get(pk=r.pk).status for r in theirs} == {"queued"}


@pytest.mark.parametrize("entrants", [2, 12])
def test_spend_by_entrant_takes_one_query_whatever_the_number_of_entrants(
    contest: Contest,
    entrants: int,
    settings: Settings,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    settings.ENTRANT_BUDGET_SHARE_PERCENT = 10
    budget_of(contest, 1000)
    task = contest.sample_tasks.first()
    assert task is not None
    for n in range(entrants):
        entry = factories.make_entry(contest, factories.make_user())
        revision = EntryRevision.objects.create(
            entry=entry, number=1, title="t", prompt_template="p"
        )
        Run.objects.create(
            entry=entry, contest=contest, revision=revision, sample_task=task, status="succeeded",
            provider="openai", model="gpt-4o-mini", temperature=0.2, max_tokens=800,
            prompt_tokens=60 + n, completion_tokens=40,
        )  # fmt: skip
    first_author = Entry.objects.order_by("pk").values_list("author_id", flat=True).first()
    assert first_author is not None

    with django_assert_num_queries(1):
        holds = contest_budget_holds(contest=contest)
    with django_assert_num_queries(1):
        reason = budget_hold_reason(contest=contest, author_id=first_author)

    assert holds.over_share == frozenset(Entry.objects.values_list("author_id", flat=True))
    assert holds.budget_spent is (entrants * 100 + sum(range(entrants)) >= 1000)
    assert reason == (HOLD_BUDGET if holds.budget_spent else HOLD_SHARE)


# --- Re-running ---------------------------------------------------------------------------------


def test_retry_failed_resets_the_current_revisions_failed_runs_and_publishes_them(
    entry: Entry,
    queued: list[Run],
    server: FakeOpenAIServer,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.script("401", "401")
    for run in queued:
        execute(run, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        count = runs.runs_retry_failed(entry=entry, requested_by=entry.author)

    assert count == 2
    for run in Run.objects.filter(pk__in=[r.pk for r in queued]):
        assert (run.status, run.attempts, run.error, run.error_code) == ("queued", 0, "", "")
    assert sorted(s.run_id for s in sent) == sorted(r.pk for r in queued)


def test_retry_failed_for_a_contest_leaves_superseded_revisions_and_withdrawn_entries(
    contest: Contest,
    entry: Entry,
    organiser: User,
    other_staff: User,
    sent: list[Sent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = submit(entry, django_capture_on_commit_callbacks)
    current = submit(entry, django_capture_on_commit_callbacks)
    withdrawn_entry = factories.make_entry(contest, other_staff)
    withdrawn = submit(withdrawn_entry, django_capture_on_commit_callbacks)
    Entry.objects.filter(pk=withdrawn_entry.pk).update(status=Entry.Status.WITHDRAWN)
    Run.objects.update(status=Run.Status.FAILED, error="x")

    with django_capture_on_commit_callbacks(execute=True):
        count = runs.runs_retry_failed(contest=contest, requested_by=organiser)

    assert count == len(current)
    assert set(Run.objects.filter(status="queued").values_list("pk", flat=True)) == {
        r.pk for r in current
    }
    assert Run.objects.filter(pk__in=[r.pk for r in old + withdrawn], status="failed").count() == 4


def test_cancel_pending_for_a_contest_cancels_queued_running_and_held_runs(
    contest: Contest, queued: list[Run]
) -> None:
    Run.objects.filter(pk=queued[0].pk).update(status=Run.Status.RUNNING)
    Run.objects.filter(pk=queued[1].pk).update(status=Run.Status.HELD)

    assert runs.runs_cancel_pending(contest=contest) == 2
    assert set(Run.objects.values_list("status", flat=True)) == {"cancelled"}


# --- Reconciler ---------------------------------------------------------------------------------


def test_reconciler_requeues_a_run_whose_lease_expired(
    queued: list[Run], sent: list[Sent], server: FakeOpenAIServer
) -> None:
    now = timezone.now()
    Run.objects.filter(pk=queued[0].pk).update(
        status=Run.Status.RUNNING, attempts=1, lease_until=now - timedelta(seconds=1)
    )

    counts = runs.runs_reconcile(now=now)

    run = Run.objects.get(pk=queued[0].pk)
    assert counts == {"failed": 0, "requeued": 1, "republished": 0}
    assert (run.status, run.attempts, run.error_code) == ("queued", 1, "lease_expired")
    assert [s.run_id for s in sent] == [run.pk]


def test_reconciler_fails_an_expired_run_that_used_every_attempt(
    queued: list[Run], sent: list[Sent], server: FakeOpenAIServer
) -> None:
    now = timezone.now()
    Run.objects.filter(pk=queued[0].pk).update(
        status=Run.Status.RUNNING, attempts=3, lease_until=now - timedelta(seconds=1)
    )

    counts = runs.runs_reconcile(now=now)

    run = Run.objects.get(pk=queued[0].pk)
    assert counts["failed"] == 1
    assert run.status == Run.Status.FAILED
    assert run.error == "The run did not finish after 3 attempts; the organiser can re-run it."
    assert sent == []


def test_reconciler_leaves_a_running_run_within_its_lease_alone(
    queued: list[Run], sent: list[Sent]
) -> None:
    now = timezone.now()
    Run.objects.filter(pk=queued[0].pk).update(
        status=Run.Status.RUNNING, attempts=1, lease_until=now + timedelta(seconds=5)
    )

    assert runs.runs_reconcile(now=now) == {"failed": 0, "requeued": 0, "republished": 0}
    assert Run.objects.get(pk=queued[0].pk).status == Run.Status.RUNNING


def test_reconciler_republishes_queued_runs_whose_message_was_lost(
    queued: list[Run], sent: list[Sent]
) -> None:
    later = timezone.now() + timedelta(seconds=121)
    Run.objects.filter(pk=queued[1].pk).update(enqueued_at=None)  # the publish failed

    counts = runs.runs_reconcile(now=later)

    assert counts["republished"] == 2
    assert sorted(s.run_id for s in sent) == sorted(r.pk for r in queued)
    assert all(run.enqueued_at is not None for run in Run.objects.all())


def test_reconciler_leaves_recently_published_runs_alone(
    queued: list[Run], sent: list[Sent]
) -> None:
    soon = timezone.now() + timedelta(seconds=60)

    assert runs.runs_reconcile(now=soon)["republished"] == 0
    assert sent == []


def test_reconciler_does_not_duplicate_runs_waiting_behind_a_backlog(
    queued: list[Run], sent: list[Sent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "llm_queue_backlog", lambda: 40)

    counts = runs.runs_reconcile(now=timezone.now() + timedelta(seconds=121))

    assert counts["republished"] == 0
    assert sent == []


def test_reconcile_runs_command_reports_what_it_did(
    queued: list[Run], sent: list[Sent], capsys: pytest.CaptureFixture[str]
) -> None:
    Run.objects.update(enqueued_at=None, available_at=timezone.now() - timedelta(hours=1))

    call_command("reconcile_runs")

    assert "republished 2" in capsys.readouterr().out
    assert len(sent) == 2


def test_execute_run_task_calls_the_service(
    queued: list[Run], server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    from contest.tasks import execute_run

    assert execute_run.acks_late is True
    assert execute_run.reject_on_worker_lost is True
    assert execute_run.ignore_result is True
    execute_run.run(queued[0].pk)

    assert Run.objects.get(pk=queued[0].pk).status == Run.Status.SUCCEEDED
