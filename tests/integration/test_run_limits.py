"""The run engine under real limits, end to end: a real worker process, Redis as broker and
cache, the test database and the fake OpenAI server enforcing a provider's limits.

Times are scaled down through settings so the tests are quick, and each test says how:
the lease, heartbeat and reconciler interval in seconds rather than tens of seconds, and
the rate limits' "minute" (`LLM_RATE_WINDOW_SECONDS` for the engine, `rate_window` for
the server) a few seconds long. `tests/contest/test_run_limits.py` checks that the default
settings keep the same promises arithmetically.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from contest.models import Contest, Run
from contest.runs.services import runs_reconcile
from tests.integration.harness import (
    Worker,
    all_finished,
    make_contest,
    publishing_to,
    submit_entries,
    wait_until,
    worker_env,
)
from tests.llm_server import FakeOpenAIServer, expected_output
from tests.services import fresh_redis_url

pytestmark = pytest.mark.integration

MODEL = "gpt-4o-mini"
# Scaled lease: 3 s, renewed every second; the reconciler ticks every 1.5 s.
LEASE = 3.0
HEARTBEAT = 1.0
RECONCILE_EVERY = 1.5


@pytest.fixture
def workers(transactional_db: None, worker_log: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start(started: list[Worker], log: Path, broker_url: str, base_url: str, **env: str) -> Worker:
    worker = Worker(worker_env(broker_url=broker_url, llm_base_url=base_url, **env), log)
    started.append(worker)
    return worker.start()


class Reconciler:
    """What beat does, at the scaled interval, called from the test's polling loop."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.last = 0.0
        self.requeued = 0

    def __call__(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            self.requeued += runs_reconcile()["requeued"]


def assert_every_run_succeeded_with_its_answer() -> None:
    for run in Run.objects.all():
        assert run.status == Run.Status.SUCCEEDED, (run.pk, run.status, run.error)
        assert run.output == expected_output(run.messages, MODEL)


def test_a_killed_workers_runs_are_taken_back_within_the_lease_and_one_tick(
    workers: list[Worker], worker_log: Path, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    llm_server.configure(latency=15.0)  # every call outlasts the lease many times over
    env = {
        "RUN_LEASE_SECONDS": str(LEASE),
        "RUN_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "LLM_READ_TIMEOUT": "30",
    }
    contest = make_contest(tasks=2)
    doomed = start(workers, worker_log, redis_url, llm_server.base_url, **env)
    reconcile = Reconciler(RECONCILE_EVERY)

    with publishing_to(redis_url):
        submit_entries(contest, 4)
        wait_until(
            lambda: Run.objects.filter(status=Run.Status.RUNNING).count() == 8,
            timeout=30,
            worker=doomed,
        )
        # Longer than the lease: the heartbeat alone keeps the runs with their live worker.
        until = time.monotonic() + LEASE + 1.5
        while time.monotonic() < until:
            reconcile()
            time.sleep(0.1)
        assert reconcile.requeued == 0
        assert set(Run.objects.values_list("status", "attempts")) == {("running", 1)}

        start(workers, worker_log, redis_url, llm_server.base_url, **env)  # the survivor
        doomed.kill()
        taken_back = wait_until(
            lambda: not Run.objects.filter(status=Run.Status.RUNNING, attempts=1).exists(),
            timeout=30,
            worker=doomed,
            every=0.1,
            between=reconcile,
        )
        wait_until(all_finished, timeout=60, worker=workers[-1], every=0.2, between=reconcile)

    # The last renewal came at most a heartbeat before the kill: lease + one tick bounds it.
    assert taken_back <= LEASE + RECONCILE_EVERY + 1.0
    assert reconcile.requeued == 8
    assert_every_run_succeeded_with_its_answer()
    assert set(Run.objects.values_list("attempts", flat=True)) == {2}


def test_with_the_default_settings_a_killed_workers_runs_finish_within_a_minute(
    workers: list[Worker],
    worker_log: Path,
    redis_url: str,
    llm_server: FakeOpenAIServer,
    settings: Settings,
) -> None:
    # Unscaled: the default lease, heartbeat, read timeout and reconciler interval (beat's
    # 15 s played by the test's loop).
    llm_server.configure(latency=50.0)  # the calls in flight at the kill never end
    env = {"LLM_READ_TIMEOUT": str(settings.LLM_READ_TIMEOUT)}
    contest = make_contest(tasks=2)
    doomed = start(workers, worker_log, redis_url, llm_server.base_url, **env)
    reconcile = Reconciler(settings.RUN_RECONCILE_EVERY_SECONDS)

    with publishing_to(redis_url):
        submit_entries(contest, 4)
        wait_until(
            lambda: Run.objects.filter(status=Run.Status.RUNNING).count() == 8,
            timeout=30,
            worker=doomed,
            between=reconcile,
        )
        start(workers, worker_log, redis_url, llm_server.base_url, **env)
        llm_server.configure(latency=0.05)  # the survivor's calls answer at once
        doomed.kill()
        recovered = wait_until(
            all_finished, timeout=90, worker=workers[-1], every=0.2, between=reconcile
        )

    print(f"the killed worker's 8 runs finished {recovered:.1f} s after its death")
    assert recovered <= 60
    assert_every_run_succeeded_with_its_answer()


def test_a_call_slower_than_the_lease_is_made_once_and_its_answer_kept(
    workers: list[Worker], worker_log: Path, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    # Scaled: a 9-second call against a 3-second lease is the 90-second call against the
    # default 30-second lease.
    llm_server.configure(latency=9.0)
    contest = make_contest(tasks=3)
    worker = start(
        workers,
        worker_log,
        redis_url,
        llm_server.base_url,
        RUN_LEASE_SECONDS=str(LEASE),
        RUN_HEARTBEAT_SECONDS=str(HEARTBEAT),
        LLM_READ_TIMEOUT="30",
    )
    reconcile = Reconciler(RECONCILE_EVERY / 3)  # ticking more often than beat would

    with publishing_to(redis_url):
        submit_entries(contest, 1)
        wait_until(all_finished, timeout=40, worker=worker, every=0.1, between=reconcile)

    assert reconcile.requeued == 0
    assert_every_run_succeeded_with_its_answer()
    assert llm_server.calls == 3
    assert set(Run.objects.values_list("attempts", flat=True)) == {1}


def limited_contest(max_tokens: int) -> Contest:
    contest = make_contest(tasks=5)
    Contest.objects.filter(pk=contest.pk).update(max_tokens=max_tokens)
    contest.refresh_from_db()
    return contest


@pytest.mark.parametrize("announces_limits", [True, False], ids=["openai", "azure"])
def test_two_hundred_runs_under_a_third_of_their_rate_all_succeed_with_few_429s(
    workers: list[Worker],
    worker_log: Path,
    redis_url: str,
    llm_server: FakeOpenAIServer,
    announces_limits: bool,
) -> None:
    # Scaled: the server's "minute" is 4 s; it allows 24 requests and 3,000 tokens in it
    # (a call here is about 130 tokens). The engine is told three times as much, the
    # demand, as an administrator who copied the wrong tier would; it must find the real
    # limit from the headers (OpenAI announces x-ratelimit-limit-*; Azure only the
    # remaining amounts) and from the 429s.
    window = 4.0
    llm_server.configure(
        rpm_limit=24, tpm_limit=3000, rate_window=window, limit_headers=announces_limits
    )
    contest = limited_contest(max_tokens=100)
    worker = start(
        workers,
        worker_log,
        redis_url,
        llm_server.base_url,
        CACHE_URL=fresh_redis_url(8),  # the shared limiter lives in Redis, as in production
        LLM_RATE_WINDOW_SECONDS=str(window),
        LLM_REQUESTS_PER_MINUTE=str(3 * 24),
        LLM_TOKENS_PER_MINUTE=str(3 * 3000),
        LLM_MAX_ATTEMPTS="3",
        LLM_RETRY_BASE_SECONDS="0.5",
        LLM_RETRY_MAX_SECONDS="4",
    )
    reconcile = Reconciler(RECONCILE_EVERY)

    with publishing_to(redis_url):
        submit_entries(contest, 40)
        wait_until(all_finished, timeout=240, worker=worker, every=0.5, between=reconcile)

    assert Run.objects.count() == 200
    assert_every_run_succeeded_with_its_answer()
    requests = llm_server.requests
    first = min(request.time for request in requests)
    after_first_minute = [request for request in requests if request.time >= first + window]
    refused = [request for request in after_first_minute if request.fault]
    share = len(refused) / len(after_first_minute)
    print(
        f"{'OpenAI' if announces_limits else 'Azure'}-style headers: {len(requests)} calls, "
        f"{sum(1 for r in requests if r.fault)} answered 429; after the first window "
        f"{len(refused)} of {len(after_first_minute)} ({share:.1%}); "
        f"took {max(r.time for r in requests) - first:.1f} s"
    )
    assert share < 0.10
    assert all(request.fault in (None, "limit_requests", "limit_tokens") for request in requests)
