"""Fixtures for the contest app's tests."""

from collections.abc import Iterator

import pytest

from tests.llm_server import FakeOpenAIServer


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeOpenAIServer]:
    """One local OpenAI stand-in per test module; each file's `server` fixture resets it."""
    with FakeOpenAIServer() as server:
        yield server
