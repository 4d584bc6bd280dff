"""The one-machine defaults: SQLite and Celery's filesystem broker with a real worker.

Runs in its own pytest session (`make test` runs `pytest -m embedded` with DATABASE_URL
and CELERY_BROKER_URL empty); a session on another database skips it.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.settings import filesystem_broker_options
from contest.models import Run
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

pytestmark = pytest.mark.embedded


@pytest.fixture
def broker_folder(transactional_db: None, tmp_path: Path) -> Path:
    if connection.vendor != "sqlite":
        pytest.skip(f"the embedded defaults run on SQLite; this session uses {connection.vendor}")
    folder = tmp_path / "broker"
    for path in filesystem_broker_options(folder).values():
        if isinstance(path, str):
            Path(path).mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def worker(broker_folder: Path, llm_server: FakeOpenAIServer, worker_log: Path) -> Iterator[Worker]:
    env = worker_env(
        broker_url="",  # empty: the settings' default, the filesystem broker
        llm_base_url=llm_server.base_url,
        CELERY_BROKER_FOLDER=str(broker_folder),
    )
    worker = Worker(env, worker_log).start()
    yield worker
    worker.stop()


def test_a_small_batch_runs_on_sqlite_and_the_filesystem_broker(
    worker: Worker, broker_folder: Path, llm_server: FakeOpenAIServer
) -> None:
    contest = make_contest(tasks=2)

    with publishing_to("filesystem://", filesystem_broker_options(broker_folder)):
        submit_entries(contest, 3)
    wait_until(all_finished, timeout=60, worker=worker)

    stored = list(Run.objects.all())
    assert len(stored) == 6
    for run in stored:
        assert run.status == Run.Status.SUCCEEDED, (run.pk, run.status, run.error)
        assert run.output == expected_output(run.messages, "gpt-4o-mini")
        assert llm_server.calls_for(run.messages) == 1
