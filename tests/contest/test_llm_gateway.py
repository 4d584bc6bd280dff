"""The LLM gateway against a real local HTTP server, through the real `openai` client."""

import contextlib
import logging
import pickle
import random
import socket
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation
from pytest_django.fixtures import Settings

from contest.runs import llm
from contest.runs.llm import ModelSettings, PermanentLLMError, TransientLLMError
from tests.llm_server import FakeOpenAIServer, expected_output

MESSAGES = [
    {"role": "system", "content": "あなたは市役所の職員を支援するアシスタントです。"},
    {"role": "user", "content": "次の通知を高齢者向けに300字以内で要約してください。"},
]
MINI = ModelSettings(provider="openai", model="gpt-4o-mini", temperature=0.2, max_tokens=800)
READ_TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    # The messages staff read are checked in their English source text.
    with translation.override("en"):
        yield


@pytest.fixture
def server(
    shared_server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> Iterator[FakeOpenAIServer]:
    """The shared server, reset to good behaviour, with the client pointed at it."""
    shared_server.configure(latency=0, fault_rate=0, retry_after=1, hang_seconds=3)
    shared_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", shared_server.base_url)
    settings.LLM_CONNECT_TIMEOUT = 1.0
    settings.LLM_READ_TIMEOUT = READ_TIMEOUT
    settings.AZURE_OPENAI_DEPLOYMENT = ""
    llm.reset_clients()
    yield shared_server
    llm.reset_clients()


def failing_call(server: FakeOpenAIServer, fault: str) -> llm.LLMError:
    server.script(fault)
    with pytest.raises(llm.LLMError) as caught:
        llm.complete(model_settings=MINI, messages=MESSAGES)
    return caught.value


# --- Successful calls -------------------------------------------------------------------


def test_success_records_output_finish_reason_model_usage_request_id_and_latency(
    server: FakeOpenAIServer,
) -> None:
    server.configure(latency=0.05)

    completion = llm.complete(model_settings=MINI, messages=MESSAGES)

    assert completion.output == expected_output(MESSAGES, "gpt-4o-mini")
    assert completion.finish_reason == "stop"
    assert completion.model == "gpt-4o-mini"
    assert completion.prompt_tokens == sum(len(m["content"]) for m in MESSAGES)
    assert completion.completion_tokens == len(completion.output)
    assert completion.request_id == server.requests[0].request_id
    assert completion.request_id.startswith("req_")
    assert 50 <= completion.latency_ms < 2000


def test_exact_messages_model_temperature_and_max_tokens_reach_the_server(
    server: FakeOpenAIServer,
) -> None:
    model_settings = ModelSettings(
        provider="openai", model="gpt-4.1", temperature=0.7, max_tokens=123
    )

    llm.complete(model_settings=model_settings, messages=MESSAGES)

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["messages"] == MESSAGES
    assert request.body["model"] == "gpt-4.1"
    assert request.body["temperature"] == 0.7
    assert request.body["max_tokens"] == 123
    assert request.headers["authorization"] == "Bearer sk-test"


def test_missing_usage_gives_no_token_counts_and_no_cost(server: FakeOpenAIServer) -> None:
    server.script("no_usage")

    completion = llm.complete(model_settings=MINI, messages=MESSAGES)

    assert completion.output == expected_output(MESSAGES, "gpt-4o-mini")
    assert completion.prompt_tokens is None
    assert completion.completion_tokens is None
    cost = llm.cost_yen(model=completion.model, prompt_tokens=None, completion_tokens=None)
    assert cost == 0


def test_content_filter_finish_reason_is_returned_as_a_completion(
    server: FakeOpenAIServer,
) -> None:
    server.script("content_filter")

    completion = llm.complete(model_settings=MINI, messages=MESSAGES)

    assert completion.finish_reason == "content_filter"
    assert completion.output == ""


# --- One call, no hidden retries --------------------------------------------------------


@pytest.mark.parametrize("fault", ["ok", "429", "500", "503", "malformed", "401"])
def test_each_complete_makes_exactly_one_http_call(server: FakeOpenAIServer, fault: str) -> None:
    server.script(fault)

    with contextlib.suppress(llm.LLMError):
        llm.complete(model_settings=MINI, messages=MESSAGES)

    assert server.calls == 1
    assert server.calls_for(MESSAGES) == 1


def test_one_client_is_reused_in_a_process_and_rebuilt_after_fork(
    server: FakeOpenAIServer,
) -> None:
    llm.complete(model_settings=MINI, messages=MESSAGES)
    llm.complete(model_settings=MINI, messages=MESSAGES)
    llm._forget_after_fork()  # what os.fork runs in the child (registered at import)
    llm.complete(model_settings=MINI, messages=MESSAGES)

    first, second, after_fork = (request.client_port for request in server.requests)
    assert first == second  # kept alive: the same client and connection
    assert after_fork != first  # a "forked" worker opened its own connection


def test_reset_clients_reads_the_environment_again(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm.complete(model_settings=MINI, messages=MESSAGES)
    with FakeOpenAIServer() as other:
        monkeypatch.setenv("OPENAI_BASE_URL", other.base_url)
        llm.reset_clients()

        llm.complete(model_settings=MINI, messages=MESSAGES)

        assert other.calls == 1
    assert server.calls == 1


# --- Errors -----------------------------------------------------------------------------


def test_rate_limit_is_transient_and_carries_retry_after(server: FakeOpenAIServer) -> None:
    server.configure(retry_after=7)

    error = failing_call(server, "429")

    assert isinstance(error, TransientLLMError)
    assert error.code == "rate_limited"
    assert error.retry_after == 7


def test_insufficient_quota_is_permanent_with_a_message_staff_can_act_on(
    server: FakeOpenAIServer,
) -> None:
    error = failing_call(server, "insufficient_quota")

    assert isinstance(error, PermanentLLMError)
    assert error.code == "insufficient_quota"
    assert "usage limit" in error.user_message
    assert "organiser" in error.user_message
    assert "Traceback" not in error.user_message
    assert "429" not in error.user_message


@pytest.mark.parametrize("fault", ["500", "503"])
def test_server_errors_are_transient(server: FakeOpenAIServer, fault: str) -> None:
    error = failing_call(server, fault)

    assert isinstance(error, TransientLLMError)
    assert error.code == "server_error"
    assert "tried again automatically" in error.user_message


def test_hung_server_times_out_as_transient_within_the_read_timeout(
    server: FakeOpenAIServer,
) -> None:
    started = time.monotonic()

    error = failing_call(server, "hang")

    elapsed = time.monotonic() - started
    assert isinstance(error, TransientLLMError)
    assert error.code == "timeout"
    assert READ_TIMEOUT <= elapsed < READ_TIMEOUT + 1.5


@pytest.mark.parametrize("fault", ["malformed", "no_choices"])
def test_unreadable_reply_is_transient_bad_response(server: FakeOpenAIServer, fault: str) -> None:
    error = failing_call(server, fault)

    assert isinstance(error, TransientLLMError)
    assert error.code == "bad_response"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("401", "auth"),
        ("400", "bad_request"),
        ("422", "bad_request"),
        ("403", "permission"),
        ("404", "not_found"),
    ],
)
def test_client_errors_are_permanent(server: FakeOpenAIServer, fault: str, code: str) -> None:
    error = failing_call(server, fault)

    assert isinstance(error, PermanentLLMError)
    assert error.code == code
    assert error.user_message == llm.error_message(code)


def test_unreachable_server_is_a_transient_connection_error(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")

    with pytest.raises(TransientLLMError) as caught:
        llm.complete(model_settings=MINI, messages=MESSAGES)

    assert caught.value.code == "connection"


@pytest.mark.parametrize(
    ("provider", "missing"),
    [("openai", "OPENAI_API_KEY"), ("azure", "AZURE_OPENAI_ENDPOINT"), ("ollama", None)],
)
def test_missing_configuration_is_a_permanent_error_without_a_call(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, provider: str, missing: str | None
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    if missing:
        monkeypatch.delenv(missing)
    model_settings = ModelSettings(provider=provider, model="m", temperature=0, max_tokens=10)

    with pytest.raises(PermanentLLMError) as caught:
        llm.complete(model_settings=model_settings, messages=MESSAGES)

    assert caught.value.code == "configuration"
    assert "administrator" in caught.value.user_message
    assert server.calls == 0


def test_errors_survive_pickling_between_worker_processes(server: FakeOpenAIServer) -> None:
    server.configure(retry_after=4)
    error = failing_call(server, "429")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes

    assert isinstance(copy, TransientLLMError)
    assert (copy.code, copy.retry_after, copy.user_message) == (
        "rate_limited",
        4,
        error.user_message,
    )


def test_failures_are_logged_without_the_prompt(
    server: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="contest.runs.llm"):
        failing_call(server, "500")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "server_error" in logged
    assert MESSAGES[1]["content"] not in logged


# --- Other providers --------------------------------------------------------------------


def test_echo_provider_makes_no_http_call_and_labels_its_output(
    server: FakeOpenAIServer,
) -> None:
    echo = ModelSettings(provider="echo", model="gpt-4o-mini", temperature=0.2, max_tokens=800)

    completion = llm.complete(model_settings=echo, messages=MESSAGES)

    assert server.calls == 0
    assert completion.output.startswith("[Offline preview — no model was called]")
    for message in MESSAGES:
        assert f"[{message['role']}]\n{message['content']}" in completion.output
    assert completion.finish_reason == "stop"
    assert completion.model == "echo"
    assert completion.prompt_tokens is None
    assert completion.completion_tokens is None
    assert completion.latency_ms >= 0


@pytest.mark.parametrize(("deployment", "expected"), [("", "gpt-4o"), ("city-gpt4o", "city-gpt4o")])
def test_azure_provider_calls_the_deployment_path(
    server: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    deployment: str,
    expected: str,
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
    settings.AZURE_OPENAI_DEPLOYMENT = deployment
    azure = ModelSettings(provider="azure", model="gpt-4o", temperature=0.2, max_tokens=800)

    completion = llm.complete(model_settings=azure, messages=MESSAGES)

    (request,) = server.requests
    assert request.path == f"/openai/deployments/{expected}/chat/completions"
    assert request.query == "api-version=2024-10-21"
    assert request.headers["api-key"] == "azure-key"
    assert completion.output == expected_output(MESSAGES, expected)


# --- Cost -------------------------------------------------------------------------------


def test_cost_is_yen_per_million_tokens_for_input_and_output() -> None:
    cost = llm.cost_yen(model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=500)

    # 1,000 × ¥23/M + 500 × ¥90/M
    assert cost == Decimal("0.068")


def test_cost_of_a_dated_snapshot_is_the_price_of_its_family() -> None:
    snapshot = llm.cost_yen(
        model="gpt-4o-mini-2024-07-18", prompt_tokens=10**6, completion_tokens=0
    )
    bigger = llm.cost_yen(model="gpt-4o-2024-08-06", prompt_tokens=10**6, completion_tokens=0)

    assert snapshot == Decimal(23)
    assert bigger == Decimal(375)


def test_cost_follows_prices_from_settings(settings: Settings) -> None:
    settings.LLM_PRICES = {"local-llama": (Decimal("1"), Decimal("2"))}

    cost = llm.cost_yen(model="local-llama", prompt_tokens=2_000_000, completion_tokens=1_000_000)

    assert cost == Decimal(4)


@pytest.mark.parametrize(
    ("model", "prompt_tokens", "completion_tokens"),
    [("unknown-model", 1000, 1000), ("gpt-4o-mini", None, None), ("echo", None, None)],
)
def test_cost_is_zero_for_an_unknown_model_or_missing_usage(
    model: str, prompt_tokens: int | None, completion_tokens: int | None
) -> None:
    cost = llm.cost_yen(
        model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )

    assert cost == Decimal(0)


# --- Cache key --------------------------------------------------------------------------


def test_cache_key_is_stable_and_ignores_key_order() -> None:
    reordered = [{"content": m["content"], "role": m["role"]} for m in MESSAGES]
    as_int = ModelSettings(provider="openai", model="gpt-4o-mini", temperature=1, max_tokens=800)
    as_float = ModelSettings(
        provider="openai", model="gpt-4o-mini", temperature=1.0, max_tokens=800
    )

    key = llm.cache_key(model_settings=MINI, messages=MESSAGES)

    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key == llm.cache_key(model_settings=MINI, messages=list(MESSAGES))
    assert key == llm.cache_key(model_settings=MINI, messages=reordered)
    assert llm.cache_key(model_settings=as_int, messages=MESSAGES) == llm.cache_key(
        model_settings=as_float, messages=MESSAGES
    )


@pytest.mark.parametrize(
    "changed",
    [
        {"provider": "azure"},
        {"model": "gpt-4o"},
        {"temperature": 0.3},
        {"max_tokens": 801},
    ],
)
def test_cache_key_changes_with_any_model_setting(changed: dict[str, object]) -> None:
    fields = {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 800}
    other = ModelSettings(**{**fields, **changed})  # type: ignore[arg-type]

    assert llm.cache_key(model_settings=other, messages=MESSAGES) != llm.cache_key(
        model_settings=MINI, messages=MESSAGES
    )


def test_cache_key_changes_with_any_message() -> None:
    base = llm.cache_key(model_settings=MINI, messages=MESSAGES)
    variants = [
        MESSAGES[:1],
        MESSAGES[1:],
        [MESSAGES[0], {"role": "user", "content": MESSAGES[1]["content"] + " "}],
        [MESSAGES[0], {"role": "assistant", "content": MESSAGES[1]["content"]}],
        list(reversed(MESSAGES)),
    ]

    keys = {llm.cache_key(model_settings=MINI, messages=variant) for variant in variants}

    assert base not in keys
    assert len(keys) == len(variants)


# --- Backoff ----------------------------------------------------------------------------


class HighestRandom(random.Random):
    """Jitter always at its upper bound, to read the exponential curve itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def retry_settings(settings: Settings) -> Settings:
    settings.LLM_RETRY_BASE_SECONDS = 2.0
    settings.LLM_RETRY_MAX_SECONDS = 120.0
    return settings


@pytest.mark.usefixtures("retry_settings")
def test_backoff_doubles_with_each_attempt_and_is_capped() -> None:
    delays = [
        llm.backoff_seconds(attempt=attempt, retry_after=None, rng=HighestRandom())
        for attempt in range(1, 10)
    ]

    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 120.0, 120.0, 120.0]
    assert llm.backoff_seconds(attempt=10_000, retry_after=None, rng=HighestRandom()) == 120.0


@pytest.mark.usefixtures("retry_settings")
def test_backoff_jitter_stays_within_zero_and_the_exponential_ceiling() -> None:
    rng = random.Random(1)

    for attempt in range(1, 8):
        ceiling = min(120.0, 2.0 * 2 ** (attempt - 1))
        delays = [
            llm.backoff_seconds(attempt=attempt, retry_after=None, rng=rng) for _ in range(50)
        ]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jitter spreads the retries


@pytest.mark.usefixtures("retry_settings")
def test_backoff_never_retries_sooner_than_retry_after_even_past_its_own_cap() -> None:
    rng = random.Random(2)

    honoured = [llm.backoff_seconds(attempt=1, retry_after=30.0, rng=rng) for _ in range(20)]
    long_wait = llm.backoff_seconds(attempt=1, retry_after=600.0, rng=rng)
    absurd = llm.backoff_seconds(attempt=1, retry_after=86400.0, rng=rng)

    assert all(delay == 30.0 for delay in honoured)  # attempt 1's ceiling is only 2 s
    assert long_wait == 600.0  # beyond LLM_RETRY_MAX_SECONDS, still what the server asked
    assert absurd == llm.MAX_RETRY_AFTER_SECONDS
    assert 30.0 <= llm.backoff_seconds(attempt=7, retry_after=30.0, rng=rng) <= 120.0


def test_retry_after_is_read_from_seconds_milliseconds_or_a_date() -> None:
    assert llm.parse_retry_after({"retry-after": "7"}) == 7.0
    assert llm.parse_retry_after({"retry-after-ms": "1500", "retry-after": "7"}) == 1.5
    assert llm.parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert llm.parse_retry_after({"retry-after": "soon"}) is None
    assert llm.parse_retry_after({}) is None
