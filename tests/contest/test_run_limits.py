"""The run engine under a provider's limits: waiting until a deadline instead of failing,
the adaptive shared rate, tokens per minute, the lease heartbeat, and what pages show.

The model is the real local HTTP server (tests/llm_server.py); publishing is captured.
"""

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.fixtures import Settings

from accounts.models import User
from config import settings as project_settings
from config.celery import app as celery_app
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs import lease, llm, throttle
from contest.runs import services as runs
from contest.runs.selectors import contest_run_monitor
from tests import factories
from tests.llm_server import FakeOpenAIServer, format_duration

CaptureCallbacks = Callable[..., Any]
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def server(
    shared_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Iterator[FakeOpenAIServer]:
    shared_server.configure(
        latency=0, fault_rate=0, retry_after=1, hang_seconds=2, rpm_limit=0, tpm_limit=0
    )
    shared_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", shared_server.base_url)
    settings.LLM_READ_TIMEOUT = 2.0
    settings.LLM_MAX_ATTEMPTS = 3
    settings.LLM_RETRY_BASE_SECONDS = 10.0
    settings.LLM_RETRY_MAX_SECONDS = 60.0
    settings.LLM_RETRY_DEADLINE_SECONDS = 1800.0
    settings.LLM_REQUESTS_PER_MINUTE = 0
    settings.LLM_TOKENS_PER_MINUTE = 0
    settings.LLM_RATE_WINDOW_SECONDS = 60.0
    settings.LLM_RESPONSE_CACHE = False
    llm.reset_clients()
    cache.clear()
    yield shared_server
    llm.reset_clients()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    published: list[int] = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args, **kwargs: published.append(args[0])
    )
    monkeypatch.setattr(runs, "llm_queue_backlog", lambda: 0)
    return published


@pytest.fixture
def contest(organiser: User) -> Contest:
    contest = factories.make_contest(created_by=organiser, model_provider="openai")
    factories.make_task(contest, checks=[{"type": "contains", "value": "reply"}])
    return contest


@pytest.fixture
def run(
    contest: Contest,
    staff: User,
    sent: list[int],
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> Run:
    entry = factories.make_entry(contest, staff)
    revision = EntryRevision.objects.create(
        entry=entry, number=1, title=entry.title, prompt_template=entry.prompt_template
    )
    Entry.objects.filter(pk=entry.pk).update(revision=1, status=Entry.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        (created,) = runs.runs_create_for_revision(revision=revision)
    sent.clear()
    return created


def execute(run: Run, capture: CaptureCallbacks) -> Run:
    """Run it now, as if its next try had come (and with it the end of any pause the
    provider asked for)."""
    Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(available_at=timezone.now())
    cache.delete("llm-pause:openai")
    with capture(execute=True):
        runs.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- Waiting instead of failing -------------------------------------------------------------


def test_a_rate_limited_run_never_fails_before_its_deadline_however_many_429s(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script(*["429"] * 8)  # far more than LLM_MAX_ATTEMPTS (3)

    for _ in range(8):
        run = execute(run, django_capture_on_commit_callbacks)
        assert (run.status, run.error_code) == (Run.Status.QUEUED, "rate_limited")

    assert (run.attempts, run.rate_limited_calls) == (8, 8)
    assert run.retry_deadline is not None
    assert run.retry_deadline > timezone.now() + timedelta(seconds=1790)
    run = execute(run, django_capture_on_commit_callbacks)
    assert run.status == Run.Status.SUCCEEDED
    assert server.calls == 9


def test_a_429_without_retry_after_still_waits(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.configure(retry_after=0)  # the server sends "Retry-After: 0" …
    server.script("429")

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.QUEUED, "rate_limited")
    assert run.available_at <= timezone.now() + timedelta(seconds=10)  # … so a backoff


def test_a_run_meeting_429s_past_its_deadline_fails_with_words_staff_can_act_on(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script("429", "429")
    run = execute(run, django_capture_on_commit_callbacks)
    Run.objects.filter(pk=run.pk).update(retry_deadline=timezone.now() - timedelta(seconds=1))

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.FAILED, "rate_limited")
    assert run.error == runs.rate_limit_deadline_message()
    assert "for 30 minutes" in run.error
    assert "Re-run failed" in run.error
    assert "LLM_REQUESTS_PER_MINUTE" in run.error
    assert runs.run_error_text(run) == run.error


def test_server_errors_still_fail_after_their_attempts_with_429s_not_counted(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script("500", "429", "429", "503", "429", "500")

    for _ in range(6):
        run = execute(run, django_capture_on_commit_callbacks)

    assert run.status == Run.Status.FAILED
    assert (run.attempts, run.rate_limited_calls, run.error_code) == (6, 3, "server_error")
    assert "6 attempts" in run.error


def test_server_errors_fail_at_the_deadline_before_the_attempts_are_used(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script("500", "500")
    run = execute(run, django_capture_on_commit_callbacks)
    Run.objects.filter(pk=run.pk).update(retry_deadline=timezone.now() - timedelta(seconds=1))

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.attempts) == (Run.Status.FAILED, 2)


@pytest.mark.parametrize("status", ["408", "409"])
def test_408_and_409_are_tried_again(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any, status: str
) -> None:
    server.script(status)

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.QUEUED, "server_error")
    assert execute(run, django_capture_on_commit_callbacks).status == Run.Status.SUCCEEDED


def test_a_400_from_the_content_filter_keeps_its_own_code_and_message(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    server.script("content_filter_400")

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.error_code) == (Run.Status.FAILED, "content_filter")
    assert run.error == llm.error_message("content_filter")
    assert server.calls == 1


def test_a_second_delivery_while_the_run_is_running_under_a_live_lease_makes_no_call(
    run: Run, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    lease_until = timezone.now() + timedelta(seconds=30)
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING, attempts=1, lease_until=lease_until, available_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        runs.run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert server.calls == 0
    assert (run.status, run.attempts, run.lease_until) == (Run.Status.RUNNING, 1, lease_until)


def test_re_running_a_failed_run_gives_it_a_new_deadline(
    run: Run, organiser: User, server: FakeOpenAIServer, django_capture_on_commit_callbacks: Any
) -> None:
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.FAILED,
        attempts=9,
        rate_limited_calls=9,
        error_code="rate_limited",
        retry_deadline=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        runs.runs_retry_failed(entry=run.entry, requested_by=organiser)

    run.refresh_from_db()
    assert (run.status, run.attempts, run.rate_limited_calls) == (Run.Status.QUEUED, 0, 0)
    assert run.retry_deadline is None


def test_reconciler_does_not_count_429s_against_an_expired_runs_attempts(
    run: Run, sent: list[int]
) -> None:
    now = timezone.now()
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING,
        attempts=5,
        rate_limited_calls=4,
        lease_until=now - timedelta(seconds=1),
    )

    assert runs.runs_reconcile(now=now)["requeued"] == 1


# --- The shared rate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6m0s", 360.0), ("1s", 1.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0.5", 0.5)],
)
def test_reset_durations_are_read_in_openais_format(text: str, seconds: float) -> None:
    assert llm.parse_duration(text) == pytest.approx(seconds)
    assert llm.parse_duration(format_duration(seconds)) == pytest.approx(seconds, abs=0.001)


@pytest.mark.parametrize("text", ["", "soon", "5x", "-1", "1s2"])
def test_unreadable_durations_are_none(text: str) -> None:
    assert llm.parse_duration(text) is None


def test_rate_limit_headers_are_read_when_sent_and_none_otherwise() -> None:
    headers = {
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-remaining-tokens": "29000",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    assert llm.parse_rate_limits(headers) == llm.RateLimits(
        limit_requests=500,
        remaining_requests=499,
        reset_requests=0.12,
        remaining_tokens=29000,
        reset_tokens=360.0,
    )
    assert llm.parse_rate_limits({"content-type": "application/json"}) is None


def test_token_estimate_never_undercounts_japanese_text() -> None:
    text = "令和7年度の住民税の納付期限は6月30日です。窓口は市役所1階の税務課です。"
    messages = [{"role": "system", "content": "あなたは市役所の広報担当です。"}]
    messages.append({"role": "user", "content": text})

    estimate = throttle.estimate_tokens(messages)

    # GPT-4o's tokenizer needs fewer tokens than characters for Japanese.
    assert estimate >= sum(len(m["content"]) for m in messages)
    assert throttle.estimate_tokens([{"role": "user", "content": "a" * 300}]) >= 300 / 4


def test_a_429_cuts_the_shared_rate_once_and_successes_raise_it_slowly_to_the_limit(
    settings: Settings,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 100
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)

    for _ in range(5):  # the calls in flight that met the same wall cut once
        throttle.throttle_record_rate_limited(
            grant, kind="requests", retry_after=None, rate_limits=None, now=6000.0
        )

    assert throttle.throttle_status(provider="openai").requests_per_minute == pytest.approx(70)
    for _ in range(70):  # a window's worth of successes adds 5 % of the limit
        throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None)
    assert throttle.throttle_status(provider="openai").requests_per_minute == pytest.approx(
        75, abs=0.2
    )
    for _ in range(2000):
        throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None)
    status = throttle.throttle_status(provider="openai")
    assert (status.requests_per_minute, status.requests_ceiling) == (100, 100)
    assert not status.lowered


def rpm() -> float | None:
    return throttle.throttle_status(provider="openai").requests_per_minute


def answered(calls: int, *, at: float) -> throttle.Grant:
    """`calls` calls granted and answered at `at`; the last one's grant."""
    for _ in range(calls):
        grant = throttle.throttle_acquire(provider="openai", now=at)
        throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None, now=at)
    return grant


def test_one_429_brings_a_rate_set_far_too_high_under_what_the_provider_accepted(
    settings: Settings,
) -> None:
    # Set at three times the provider's limit: 30 calls answered in the minute, then a 429.
    settings.LLM_REQUESTS_PER_MINUTE = 90
    answered(30, at=6000.0)
    refused = throttle.throttle_acquire(provider="openai", now=6001.0)

    throttle.throttle_record_rate_limited(
        refused, kind="requests", retry_after=None, rate_limits=None, now=6001.0
    )

    # 70 % of the 30 the provider took, not of the 90 set (63, and three more cuts to go).
    assert rpm() == pytest.approx(21)


def test_answers_heard_after_the_cut_for_calls_granted_before_it_count_at_the_wall(
    settings: Settings,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 90
    grants = [throttle.throttle_acquire(provider="openai", now=6000.0) for _ in range(31)]
    for grant in grants[:20]:
        throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None, now=6000.0)
    throttle.throttle_record_rate_limited(
        grants[30], kind="requests", retry_after=None, rate_limits=None, now=6000.5
    )
    assert rpm() == pytest.approx(14)  # 70 % of the 20 answered so far

    for grant in grants[20:30]:  # a busy worker hears of ten more the provider took
        throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None, now=6001.0)

    assert rpm() == pytest.approx(21)  # 70 % of the 30 it took before the wall


def test_a_429_for_a_call_granted_before_the_last_cut_cuts_nothing_however_late_it_comes(
    settings: Settings,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 100
    early = [throttle.throttle_acquire(provider="openai", now=6000.0) for _ in range(3)]
    throttle.throttle_record_rate_limited(
        early[0], kind="requests", retry_after=None, rate_limits=None, now=6000.5
    )
    # A busy worker hears of the others half a window later: they went at the old rate.
    for grant in early[1:]:
        throttle.throttle_record_rate_limited(
            grant, kind="requests", retry_after=None, rate_limits=None, now=6030.0
        )
    assert rpm() == pytest.approx(70)

    later = throttle.throttle_acquire(provider="openai", now=6031.0)
    throttle.throttle_record_rate_limited(
        later, kind="requests", retry_after=None, rate_limits=None, now=6031.0
    )

    assert rpm() == pytest.approx(49)  # a call sent at the new rate met the wall again


def test_successes_raise_the_rate_by_a_twentieth_of_the_limit_then_of_the_wall_near_it(
    settings: Settings,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 300
    grant = answered(100, at=6000.0)
    throttle.throttle_record_rate_limited(
        grant, kind="requests", retry_after=None, rate_limits=None, now=6000.0
    )
    assert rpm() == pytest.approx(70)  # the wall is at the 100 the provider took
    later = throttle.throttle_acquire(provider="openai", now=6100.0)

    for _ in range(70):  # a window's worth of successes at 70 a minute, far below the wall
        throttle.throttle_record_success(later, used_tokens=None, rate_limits=None)
    assert rpm() == pytest.approx(84, abs=1)  # 5 % of the 300 set: back quickly

    while (rate := rpm()) is not None and rate < 95:
        throttle.throttle_record_success(later, used_tokens=None, rate_limits=None)
    near = rpm()
    assert near is not None
    for _ in range(round(near)):  # near the wall: 5 % of it, where the provider refused
        throttle.throttle_record_success(later, used_tokens=None, rate_limits=None)
    assert rpm() == pytest.approx(near + 5, abs=0.3)


def test_a_minutes_worth_of_tokens_raises_the_token_rate_by_a_twentieth_of_the_limit(
    settings: Settings,
) -> None:
    settings.LLM_TOKENS_PER_MINUTE = 10_000
    grant = throttle.throttle_acquire(provider="openai", tokens=100, now=6000.0)
    throttle.throttle_record_rate_limited(
        grant, kind="tokens", retry_after=None, rate_limits=None, now=6000.0
    )

    for _ in range(70):  # 7,000 tokens: the minute's worth at the lowered rate
        throttle.throttle_record_success(grant, used_tokens=100, rate_limits=None)

    status = throttle.throttle_status(provider="openai")
    assert status.tokens_per_minute == pytest.approx(7500, abs=20)


def test_the_rate_in_force_limits_what_the_window_lets_through(settings: Settings) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 10
    first = throttle.throttle_acquire(provider="openai", now=6000.0)
    throttle.throttle_record_rate_limited(
        first, kind="requests", retry_after=None, rate_limits=None, now=6000.0
    )

    grants = [throttle.throttle_acquire(provider="openai", now=6001.0) for _ in range(10)]

    # 7 in force: the first call and six more.
    assert sum(grant.granted for grant in grants) == 6


def test_the_limit_the_provider_announces_is_a_ceiling_below_the_setting(
    settings: Settings,
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 600
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)
    announced = llm.RateLimits(limit_requests=200, remaining_requests=150, reset_requests=1.0)

    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=announced)

    status = throttle.throttle_status(provider="openai")
    assert (status.requests_per_minute, status.requests_ceiling) == (200, 200)


def test_without_a_setting_the_announced_limit_still_applies(settings: Settings) -> None:
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)
    announced = llm.RateLimits(limit_requests=2, remaining_requests=1)
    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=announced)

    grants = [throttle.throttle_acquire(provider="openai", now=6001.0) for _ in range(3)]

    # The first call went uncounted: nothing was announced yet.
    assert [grant.granted for grant in grants] == [True, True, False]


def test_retry_after_pauses_every_worker_and_spreads_the_wake_ups(settings: Settings) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 60
    now = time.time()
    grant = throttle.throttle_acquire(provider="openai", now=now)

    throttle.throttle_record_rate_limited(
        grant, kind="", retry_after=20.0, rate_limits=None, now=now
    )

    waits = [throttle.throttle_acquire(provider="openai", now=now + 5).wait for _ in range(3)]
    spacing = 60 / 60  # one call apart at the limit
    assert waits == [pytest.approx(15.0 + n * spacing) for n in range(3)]
    assert throttle.throttle_status(provider="openai").paused_until is not None


def test_a_backlog_refused_after_a_cut_comes_back_at_the_limit_not_the_cut_rate(
    settings: Settings,
) -> None:
    # Refused at the cut's pace, the backlog kept it long after the rate had climbed back:
    # 200 Azure-style runs took 61-67 s where the provider allowed 35.
    settings.LLM_REQUESTS_PER_MINUTE = 60
    now = 60.0 * 100
    grant = throttle.throttle_acquire(provider="openai", now=now)
    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=None, now=now)
    throttle.throttle_record_rate_limited(
        grant, kind="requests", retry_after=None, rate_limits=None, now=now
    )
    in_force = throttle.throttle_status(provider="openai").requests_per_minute
    assert in_force is not None and in_force < 60
    while throttle.throttle_acquire(provider="openai", now=now).granted:
        pass

    waits = [throttle.throttle_acquire(provider="openai", now=now).wait for _ in range(3)]

    assert [later - earlier for earlier, later in itertools.pairwise(waits)] == [
        pytest.approx(60 / 60),
        pytest.approx(60 / 60),
    ]


def test_nothing_remaining_without_an_announced_limit_pauses_one_call_at_the_rate(
    settings: Settings,
) -> None:
    # Azure-style: the remaining amount and its reset, no limit. Its reset is when the whole
    # window is back; a provider refilling as it goes has a call's worth back much sooner.
    settings.LLM_REQUESTS_PER_MINUTE = 120
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)
    empty = llm.RateLimits(remaining_requests=0, reset_requests=30.0)

    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=empty, now=6000.0)

    assert throttle.throttle_acquire(provider="openai", now=6000.25).wait == pytest.approx(0.25)
    assert throttle.throttle_acquire(provider="openai", now=6000.5).granted


def test_nothing_remaining_with_no_limit_known_pauses_until_the_reset(
    settings: Settings,
) -> None:
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)
    empty = llm.RateLimits(remaining_requests=0, reset_requests=30.0)

    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=empty, now=6000.0)

    assert throttle.throttle_acquire(provider="openai", now=6010.0).wait == pytest.approx(20.0)


def test_nothing_remaining_pauses_until_one_more_call_is_allowed(settings: Settings) -> None:
    grant = throttle.throttle_acquire(provider="openai", now=6000.0)
    empty = llm.RateLimits(limit_requests=60, remaining_requests=0, reset_requests=30.0)

    throttle.throttle_record_success(grant, used_tokens=None, rate_limits=empty, now=6000.0)

    assert throttle.throttle_acquire(provider="openai", now=6000.5).wait == pytest.approx(0.5)
    assert throttle.throttle_acquire(provider="openai", now=6001.0).granted


def test_tokens_are_reserved_then_corrected_from_the_usage_reported(settings: Settings) -> None:
    settings.LLM_TOKENS_PER_MINUTE = 1000
    first = throttle.throttle_acquire(provider="openai", tokens=600, now=6000.0)
    refused = throttle.throttle_acquire(provider="openai", tokens=600, now=6000.0)
    assert first.granted and not refused.granted

    throttle.throttle_record_success(first, used_tokens=150, rate_limits=None, now=6000.0)

    assert throttle.throttle_acquire(provider="openai", tokens=600, now=6000.0).granted
    assert not throttle.throttle_acquire(provider="openai", tokens=600, now=6000.0).granted


def test_a_rate_limited_call_gives_its_tokens_back(settings: Settings) -> None:
    settings.LLM_TOKENS_PER_MINUTE = 1000
    first = throttle.throttle_acquire(provider="openai", tokens=900, now=6000.0)
    throttle.throttle_record_rate_limited(
        first, kind="requests", retry_after=None, rate_limits=None, now=6000.0
    )

    assert throttle.throttle_acquire(provider="openai", tokens=600, now=6000.0).granted


def test_a_call_larger_than_the_token_limit_still_goes_once_the_window_is_empty(
    settings: Settings,
) -> None:
    settings.LLM_TOKENS_PER_MINUTE = 100

    assert throttle.throttle_acquire(provider="openai", tokens=500, now=6000.0).granted


def test_the_run_reserves_its_estimated_prompt_plus_max_tokens(
    run: Run,
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.LLM_TOKENS_PER_MINUTE = throttle.estimate_tokens(run.messages) + run.max_tokens - 1
    # Something else already holds one token of this window: the run must wait.
    throttle.throttle_acquire(provider="openai", tokens=1)

    run = execute(run, django_capture_on_commit_callbacks)

    assert (run.status, run.attempts, run.error_code) == (Run.Status.QUEUED, 0, "rate_limited")
    assert server.calls == 0


def test_the_limited_server_answers_429_with_its_headers_and_the_engine_adapts(
    run: Run,
    server: FakeOpenAIServer,
    settings: Settings,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server.configure(rpm_limit=1, rate_window=600)
    settings.LLM_REQUESTS_PER_MINUTE = 10
    settings.LLM_RATE_WINDOW_SECONDS = 600
    assert execute(run, django_capture_on_commit_callbacks).status == Run.Status.SUCCEEDED
    Run.objects.filter(pk=run.pk).update(status=Run.Status.QUEUED, attempts=0)  # once more

    with django_capture_on_commit_callbacks(execute=True):
        runs.run_execute(run_id=run.pk)
    again = Run.objects.get(pk=run.pk)

    # The reply announced a limit of 1 with none remaining: the next call is not even sent.
    assert (again.status, again.error_code, server.calls) == ("queued", "rate_limited", 1)
    status = throttle.throttle_status(provider="openai")
    assert status.requests_per_minute == pytest.approx(0.1)  # 1 per 600 s
    assert status.paused_until is not None


# --- The lease heartbeat ----------------------------------------------------------------------


def test_default_settings_take_a_dead_workers_runs_back_within_a_minute() -> None:
    lease_seconds = project_settings.RUN_LEASE_SECONDS
    # The last renewal can come just before the death: the lease then runs its full
    # length, and the reconciler's next tick can be one interval later.
    worst_case = lease_seconds + project_settings.RUN_RECONCILE_EVERY_SECONDS
    assert worst_case <= 50  # leaves 10 s for a live worker to pick the message up
    # Two renewals may fail (a database hiccup) before a live worker's lease runs out.
    assert lease_seconds >= 3 * project_settings.RUN_HEARTBEAT_SECONDS
    # A slow model's 90-second answer is awaited, and renewed for as long as the task may
    # run at all.
    assert project_settings.LLM_READ_TIMEOUT >= 90
    assert project_settings.CELERY_TASK_TIME_LIMIT > project_settings.LLM_READ_TIMEOUT


def test_the_heartbeat_renews_the_lease_of_the_attempt_it_holds_only(
    contest: Contest, staff: User, settings: Settings
) -> None:
    settings.RUN_LEASE_SECONDS = 30
    entry = factories.make_entry(contest, staff)
    revision = EntryRevision.objects.create(entry=entry, number=1, title="t", prompt_template="p")
    soon = timezone.now() + timedelta(seconds=1)
    held, reclaimed = (
        Run.objects.create(
            entry=entry,
            contest=contest,
            revision=revision,
            sample_task=contest.sample_tasks.get(),
            sample_index=index,
            status=Run.Status.RUNNING,
            provider="openai",
            model="gpt-4o-mini",
            temperature=0.2,
            max_tokens=100,
            attempts=2,
            lease_until=soon,
        )
        for index in range(2)
    )

    with (
        lease.lease_kept(run_id=held.pk, attempt=2),
        lease.lease_kept(run_id=reclaimed.pk, attempt=1),
    ):
        assert lease.lease_renew_held() == 1

    held.refresh_from_db()
    reclaimed.refresh_from_db()
    assert held.lease_until is not None
    assert held.lease_until > timezone.now() + timedelta(seconds=25)
    assert reclaimed.lease_until == soon
    assert lease.lease_renew_held() == 0  # released once the call is over


def test_the_heartbeat_stops_renewing_a_call_past_the_hard_time_limit(
    settings: Settings,
) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 0
    with lease.lease_kept(run_id=1, attempt=1):
        assert lease.lease_renew_held() == 0


# --- What pages show ----------------------------------------------------------------------------


def test_a_waiting_run_shows_as_waiting_with_its_next_try_in_japan_time(
    run: Run, staff: User
) -> None:
    next_try = datetime(2026, 6, 1, 5, 32, tzinfo=ZoneInfo("UTC"))  # 14:32 in Tokyo
    Run.objects.filter(pk=run.pk).update(
        error_code="rate_limited", error="busy", attempts=3, available_at=next_try
    )
    client = Client()
    client.force_login(staff)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ja"

    page = client.get(reverse("entry_runs", args=[run.entry_id])).content.decode()

    assert "混雑のため待機中、次の試行 14:32" in page
    assert "run-error" not in page


def test_the_monitor_shows_the_rate_in_force_the_runs_waiting_and_the_next_try(
    run: Run, contest: Contest, organiser: User, settings: Settings
) -> None:
    settings.LLM_REQUESTS_PER_MINUTE = 100
    grant = throttle.throttle_acquire(provider="openai")
    throttle.throttle_record_rate_limited(
        grant, kind="requests", retry_after=None, rate_limits=None
    )
    next_try = timezone.now() + timedelta(minutes=3)
    Run.objects.filter(pk=run.pk).update(error_code="rate_limited", available_at=next_try)

    monitor = contest_run_monitor(contest=contest)
    assert (monitor.waiting_for_rate, monitor.next_retry) == (1, next_try)
    assert monitor.rate is not None and monitor.rate.lowered
    client = Client()
    client.force_login(organiser)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("run_monitor", args=[contest.slug])).content.decode()

    assert "70 of at most 100" in page
    assert "Runs waiting for the limit" in page
    assert next_try.astimezone(TOKYO).strftime("%H:%M:%S") in page
