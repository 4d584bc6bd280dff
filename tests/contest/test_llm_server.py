"""The fake OpenAI-compatible server that the LLM tests and benchmarks rely on."""

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.llm_server import FakeOpenAIServer, expected_output, spawn_server

MESSAGES = [{"role": "user", "content": "会議録を要約してください。"}]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def post_completion(
    connection: http.client.HTTPConnection,
    messages: list[dict[str, str]],
    model: str = "gpt-4o-mini",
    path: str = "/v1/chat/completions",
) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"model": model, "messages": messages})
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def ask(
    server: FakeOpenAIServer, messages: list[dict[str, str]], **kwargs: Any
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        return post_completion(connection, messages, **kwargs)
    finally:
        connection.close()


def test_reply_depends_only_on_messages_and_model(server: FakeOpenAIServer) -> None:
    other = [{"role": "user", "content": "別の依頼"}]

    replies = [
        json.loads(ask(server, messages, model=model)[2])["choices"][0]["message"]["content"]
        for messages, model in [
            (MESSAGES, "gpt-4o-mini"),
            (MESSAGES, "gpt-4o-mini"),
            (other, "gpt-4o-mini"),
            (MESSAGES, "gpt-4o"),
        ]
    ]

    assert replies[0] == replies[1] == expected_output(MESSAGES, "gpt-4o-mini")
    assert replies[2] == expected_output(other, "gpt-4o-mini")
    assert replies[3] == expected_output(MESSAGES, "gpt-4o")
    assert len(set(replies)) == 3
    assert server.calls_for(MESSAGES) == 3


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions",
        "/chat/completions",
        "/openai/deployments/city-gpt/chat/completions?api-version=2024-10-21",
    ],
)
def test_reply_is_a_chat_completion_with_usage_and_request_id(
    server: FakeOpenAIServer, path: str
) -> None:
    status, headers, raw = ask(server, MESSAGES, path=path)

    reply = json.loads(raw)
    assert status == 200
    assert headers["x-request-id"] == server.requests[0].request_id
    assert int(headers["Content-Length"]) == len(raw)
    assert reply["id"].startswith("chatcmpl-")
    assert reply["model"] == "gpt-4o-mini"
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"]["total_tokens"] > 0


def test_scripted_faults_apply_to_the_next_calls_in_order(server: FakeOpenAIServer) -> None:
    server.configure(retry_after=3)
    server.script("429", "insufficient_quota", "ok", "malformed", "no_usage")

    results = [ask(server, MESSAGES) for _ in range(6)]

    assert [status for status, _, _ in results] == [429, 429, 200, 200, 200, 200]
    assert results[0][1]["Retry-After"] == "3"
    assert json.loads(results[1][2])["error"]["code"] == "insufficient_quota"
    assert "usage" in json.loads(results[2][2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(results[3][2])
    assert "usage" not in json.loads(results[4][2])
    assert "usage" in json.loads(results[5][2])
    assert server.stats()["faults"] == {
        "429": 1,
        "insufficient_quota": 1,
        "malformed": 1,
        "no_usage": 1,
    }


def test_fault_rate_is_reproducible_with_a_seed() -> None:
    def statuses() -> list[int]:
        with FakeOpenAIServer(fault_rate=0.5, fault_kinds=["500", "503"], seed=7) as server:
            return [ask(server, MESSAGES)[0] for _ in range(20)]

    first, second = statuses(), statuses()

    assert first == second
    assert {500, 503, 200} == set(first)


def test_hang_outlasts_the_client_timeout(server: FakeOpenAIServer) -> None:
    server.configure(hang_seconds=2)
    server.script("hang")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=0.3)

    with pytest.raises(TimeoutError):
        post_completion(connection, MESSAGES)
    connection.close()


def test_unknown_fault_kind_is_refused(server: FakeOpenAIServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        server.script("explode")


def test_keep_alive_and_many_concurrent_connections(server: FakeOpenAIServer) -> None:
    server.configure(latency=0.3)
    errors: list[BaseException] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(2):
                status, _, _ = post_completion(
                    connection, [{"role": "user", "content": str(index)}]
                )
                assert status == 200
        except BaseException as err:  # collected: an assert in a thread would be lost
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(40)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    ports = [
        {r.client_port for r in server.requests if r.body["messages"][0]["content"] == str(index)}
        for index in range(40)
    ]
    assert errors == []
    assert server.calls == 80
    assert server.stats()["max_in_flight"] >= 32
    assert all(len(used) == 1 for used in ports)  # both calls on one kept-alive connection
    assert elapsed < 3.0  # 80 calls of 0.3 s each, served side by side


def test_server_binds_loopback_only(server: FakeOpenAIServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.root_url + "/v1" == server.base_url


def test_separate_process_server_reports_its_port_and_obeys_the_control_endpoint() -> None:
    with spawn_server(latency=0, seed=1) as remote:
        remote.configure(script=["503"], latency=0.01)
        connection = http.client.HTTPConnection("127.0.0.1", remote.port, timeout=5)
        first = post_completion(connection, MESSAGES)
        second = post_completion(connection, MESSAGES)
        connection.close()

        stats = remote.stats()
        assert (first[0], second[0]) == (503, 200)
        assert stats["calls"] == 2
        assert stats["faults"] == {"503": 1}
        assert stats["latency"] == 0.01
        assert remote.calls_for(MESSAGES) == 2
        assert remote.requests()[1]["body"]["messages"] == MESSAGES

        remote.reset()
        assert remote.calls == 0
