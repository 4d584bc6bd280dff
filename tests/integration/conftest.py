"""Fixtures for the integration tests: Redis, the fake model server, the worker's log."""

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
import redis

from tests.llm_server import FakeOpenAIServer
from tests.services import in_ci, redis_available

# One Redis database per test (9..15, then round again), flushed first: no cross-talk.
_redis_db = count()


@pytest.fixture
def redis_url() -> str:
    if not redis_available():
        if in_ci():
            pytest.fail("CI is set but Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    url = f"redis://127.0.0.1:6379/{9 + next(_redis_db) % 7}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(latency=0.05, retry_after=0.2, hang_seconds=4) as server:
        yield server


@pytest.fixture
def worker_log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"
