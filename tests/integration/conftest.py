"""Fixtures for the integration tests: Redis, the fake model server, the worker's log."""

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from tests.llm_server import FakeOpenAIServer
from tests.services import fresh_redis_url

# One Redis database per test (9..15, then round again), flushed first: no cross-talk.
_redis_db = count()


@pytest.fixture
def redis_url() -> str:
    return fresh_redis_url(9 + next(_redis_db) % 7)


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(latency=0.05, retry_after=0.2, hang_seconds=4) as server:
        yield server


@pytest.fixture
def worker_log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"
