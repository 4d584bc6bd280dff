"""The run engine end to end: a real `celery worker` process, a real Redis broker, the test
database and the fake OpenAI server over HTTP. Nothing is mocked between them.

Each test is bounded: it polls the database with a deadline and, on timeout, fails with
the worker's log tail.
"""

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from pytest_django.fixtures import Settings

from contest.models import Run
from contest.runs.services import EXECUTE_RUN_TASK, retries_exhausted_message, runs_reconcile
from tests.integration.harness import (
    RedisServer,
    Worker,
    all_finished,
    free_port,
    make_contest,
    publishing_to,
    status_counts,
    submit_entries,
    wait_until,
    worker_env,
)
from tests.llm_server import FakeOpenAIServer, expected_output
from tests.services import require

pytestmark = pytest.mark.integration

MODEL = "gpt-4o-mini"
StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(
    transactional_db: None, worker_log: Path, llm_server: FakeOpenAIServer
) -> Iterator[StartWorker]:
    """Start workers on a broker; every one is stopped before the database is flushed."""
    workers: list[Worker] = []

    def start(broker_url: str, **env: str) -> Worker:
        worker = Worker(
            worker_env(broker_url=broker_url, llm_base_url=llm_server.base_url, **env), worker_log
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def assert_each_run_holds_exactly_its_answer(expected_runs: int) -> None:
    stored = list(Run.objects.all())
    assert len(stored) == expected_runs  # one row per entry × task × sample, no duplicate
    for run in stored:
        assert run.status == Run.Status.SUCCEEDED, (run.pk, run.status, run.error)
        assert run.output == expected_output(run.messages, MODEL)
        assert run.checks_passed is True


def reconcile_quietly() -> None:
    """What beat does every minute; a broker that is down just means: next time."""
    try:
        runs_reconcile()
    except Exception as error:  # the broker may be restarting
        print(f"reconcile failed: {error!r}")


def test_twenty_entries_on_five_tasks_all_succeed_with_exactly_their_answers(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    contest = make_contest(tasks=5)
    worker = start_worker(redis_url)

    with publishing_to(redis_url):
        submit_entries(contest, 20)
    wait_until(all_finished, timeout=60, worker=worker)

    assert_each_run_holds_exactly_its_answer(100)
    assert llm_server.calls == 100
    assert all(llm_server.calls_for(run.messages) == 1 for run in Run.objects.all())
    assert llm_server.stats()["max_in_flight"] <= 8  # the worker's concurrency is the throttle


def test_thirty_percent_of_calls_failing_with_429_and_500_still_all_succeed(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    llm_server.configure(fault_rate=0.3, fault_kinds=["429", "500"], seed=1)
    contest = make_contest(tasks=5)
    # Ten attempts: a run failing all of them at 30% is a one-in-170,000 event.
    worker = start_worker(redis_url, LLM_MAX_ATTEMPTS="10")

    with publishing_to(redis_url):
        submit_entries(contest, 10)
    wait_until(all_finished, timeout=90, worker=worker)

    assert_each_run_holds_exactly_its_answer(50)
    faults = llm_server.stats()["faults"]
    assert faults.get("429", 0) > 0 and faults.get("500", 0) > 0
    # Every attempt is exactly one HTTP call: no hidden client retries, no duplicate claims.
    assert sum(Run.objects.values_list("attempts", flat=True)) == llm_server.calls


def test_every_call_failing_fails_every_run_with_a_readable_error_after_the_cap(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    # Server errors only: a 429 is a reason to wait until the retry deadline, not to fail
    # (tests/integration/test_run_limits.py).
    llm_server.configure(fault_rate=1.0, fault_kinds=["500", "503"])
    contest = make_contest(tasks=2)
    worker = start_worker(redis_url, LLM_MAX_ATTEMPTS="3")

    with publishing_to(redis_url):
        submit_entries(contest, 4)
    wait_until(all_finished, timeout=60, worker=worker)

    with translation.override(django_settings.LANGUAGE_CODE):  # the worker's language
        readable = retries_exhausted_message(3)
    assert status_counts() == {"failed": 8}
    for run in Run.objects.all():
        assert (run.attempts, run.error) == (3, readable)
        assert run.error_code == "server_error"
        assert run.output == ""
    assert llm_server.calls == 8 * 3
    assert worker.process is not None and worker.process.poll() is None  # no crash


def test_a_hung_call_times_out_and_the_run_is_tried_again(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    llm_server.script("hang")  # the server holds the first call for 4 s
    contest = make_contest(tasks=1)
    worker = start_worker(redis_url, LLM_READ_TIMEOUT="1")

    with publishing_to(redis_url):
        submit_entries(contest, 1)
    wait_until(all_finished, timeout=30, worker=worker)

    assert_each_run_holds_exactly_its_answer(1)
    run = Run.objects.get()
    assert run.attempts == 2
    assert llm_server.calls == 2
    assert llm_server.stats()["faults"] == {"hang": 1}


def test_worker_killed_mid_batch_and_restarted_finishes_every_run_exactly_once(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer, settings: Settings
) -> None:
    llm_server.configure(latency=0.3)
    settings.RUN_REQUEUE_AFTER_SECONDS = 2
    contest = make_contest(tasks=5)
    worker = start_worker(redis_url, RUN_LEASE_SECONDS="3")

    with publishing_to(redis_url):
        submit_entries(contest, 20)
        wait_until(
            lambda: Run.objects.filter(status=Run.Status.SUCCEEDED).count() >= 20,
            timeout=60,
            worker=worker,
        )
        worker.kill()
        cut_off = Run.objects.filter(status=Run.Status.RUNNING).count()
        worker = start_worker(redis_url, RUN_LEASE_SECONDS="3")
        wait_until(all_finished, timeout=90, worker=worker, every=0.5, between=reconcile_quietly)

    assert cut_off > 0  # the kill did land mid-call
    assert_each_run_holds_exactly_its_answer(100)
    repeated = sum(llm_server.calls_for(run.messages) - 1 for run in Run.objects.all())
    # Only the calls in flight when the worker died were made twice.
    assert repeated <= cut_off


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(port=free_port(), folder=tmp_path)
    yield server
    server.kill()


def test_broker_restarted_mid_batch_the_reconciler_finishes_the_batch(
    start_worker: StartWorker,
    own_redis: RedisServer,
    llm_server: FakeOpenAIServer,
    settings: Settings,
) -> None:
    own_redis.start()
    url = f"redis://127.0.0.1:{own_redis.port}/0"
    llm_server.configure(latency=0.3)
    settings.RUN_REQUEUE_AFTER_SECONDS = 2
    contest = make_contest(tasks=5)
    worker = start_worker(url, RUN_LEASE_SECONDS="5")

    with publishing_to(url):
        submit_entries(contest, 10)
        wait_until(
            lambda: Run.objects.filter(status=Run.Status.SUCCEEDED).count() >= 10,
            timeout=60,
            worker=worker,
        )
        waiting = Run.objects.filter(status=Run.Status.QUEUED).count()
        own_redis.kill()  # no persistence: every queued message is gone with it
        time.sleep(1)
        own_redis.start()
        wait_until(all_finished, timeout=90, worker=worker, every=0.5, between=reconcile_quietly)

    assert waiting > 0  # the restart did lose messages of runs still to do
    assert_each_run_holds_exactly_its_answer(50)


def test_a_duplicate_message_for_a_finished_run_makes_no_second_call(
    start_worker: StartWorker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    contest = make_contest(tasks=2)
    worker = start_worker(redis_url)

    with publishing_to(redis_url) as app:
        submit_entries(contest, 1)
        wait_until(all_finished, timeout=30, worker=worker)
        finished = dict(Run.objects.values_list("pk", "finished_at"))
        for run_id in finished:
            app.send_task(EXECUTE_RUN_TASK, args=[run_id])
            app.send_task(EXECUTE_RUN_TASK, args=[run_id])
        # Published after the duplicates: once these are done, the duplicates were handled.
        submit_entries(contest, 1)
        wait_until(all_finished, timeout=30, worker=worker)
    time.sleep(0.5)

    assert llm_server.calls == 4
    assert dict(Run.objects.filter(pk__in=finished).values_list("pk", "finished_at")) == finished
    assert set(Run.objects.values_list("attempts", flat=True)) == {1}
