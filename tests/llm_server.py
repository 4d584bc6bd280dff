"""A real local HTTP server that speaks the OpenAI chat-completions API, for tests and benches.

The `openai` client talks to it over a real socket (respx cannot intercept its transport),
so tests exercise the same code path as production. Replies are deterministic — they
depend only on the request's messages and model — so a test can check that a stored output
is exactly what the server answered for exactly those messages.

In process::

    with FakeOpenAIServer(latency=0.05) as server:
        server.script("429", "500")           # the next two calls fail, then normal replies
        os.environ["OPENAI_BASE_URL"] = server.base_url

With a provider's limits (a token bucket per key, as OpenAI refills them), answering 429
with `x-ratelimit-*` headers once a bucket is empty::

    with FakeOpenAIServer(rpm_limit=20, tpm_limit=3000, rate_window=3) as server:
        ...  # 20 requests and 3,000 tokens (prompt + completion) per 3-second "minute"

As a separate process (benchmarks, tests that need the server outside the test process)::

    python -m tests.llm_server --port 0 --latency 0.1 --fault-rate 0.3 --faults 429,500 \
        --seed 1 --port-file PATH

and `spawn_server()` / `RemoteServer` below reconfigure it and read its counters through
`POST /_control` and `GET /_stats`. Only the standard library is used; it binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"

# Every kind of fault the server can play. A three-digit kind ("400", "503", ...) answers
# with that status and an OpenAI-style error body; "429" also sends Retry-After.
NAMED_FAULTS = frozenset(
    {
        "hang",
        "malformed",
        "no_choices",
        "insufficient_quota",
        "no_usage",
        "content_filter",
        "content_filter_400",
    }
)
STATUS_FAULT = re.compile(r"^[45]\d\d$")

CONTROL_OPTIONS = frozenset(
    {
        "latency",
        "fault_rate",
        "fault_kinds",
        "seed",
        "retry_after",
        "hang_seconds",
        "script",
        "rpm_limit",
        "tpm_limit",
        "rate_window",
        "limit_headers",
    }
)

COMPLETION_PATH = re.compile(
    r"^(?:/v1)?/chat/completions$|^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$"
)


def check_fault_kind(kind: str) -> str:
    """A valid fault kind, or ValueError; "ok" stands for a normal reply (useful in scripts)."""
    if kind != "ok" and kind not in NAMED_FAULTS and not STATUS_FAULT.match(kind):
        raise ValueError(f"unknown fault kind {kind!r}")
    return kind


def canonical_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def messages_digest(messages: object) -> str:
    """The key under which calls with exactly these messages are counted."""
    return hashlib.sha256(canonical_json(messages).encode("utf-8")).hexdigest()


def expected_output(messages: list[dict[str, str]], model: str) -> str:
    """What the server answers for these messages and model, and for nothing else."""
    digest = hashlib.sha256(
        canonical_json({"messages": messages, "model": model}).encode("utf-8")
    ).hexdigest()
    last_user = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    return f"reply:{digest[:16]} {last_user[:40]}"


def count_tokens(text: str) -> int:
    # Roughly one token per character suits Japanese text; exactness does not matter here.
    return len(text)


def usage_tokens(messages: list[dict[str, str]], model: str) -> tuple[int, int]:
    """(prompt, completion) tokens the reply to these messages reports."""
    prompt = sum(count_tokens(str(m.get("content", ""))) for m in messages)
    return prompt, count_tokens(expected_output(messages, model))


def format_duration(seconds: float) -> str:
    """OpenAI's way of writing a reset time: "6m0s", "1.5s", "20ms"."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    minutes, rest = divmod(round(seconds, 3), 60)
    return f"{int(minutes)}m{rest:g}s" if minutes else f"{rest:g}s"


@dataclass
class Bucket:
    """A provider's limit: `capacity` per `window` seconds, refilled continuously."""

    capacity: float
    level: float
    updated: float

    def refill(self, now: float, window: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.level = min(self.capacity, self.level + self.capacity * elapsed / window)
        self.updated = now

    def wait_for(self, amount: float, window: float) -> float:
        """Seconds until `amount` is available."""
        return max(0.0, (amount - self.level) / self.capacity * window)

    def headers(self, kind: str, window: float) -> dict[str, str]:
        return {
            f"x-ratelimit-limit-{kind}": str(int(self.capacity)),
            f"x-ratelimit-remaining-{kind}": str(int(self.level)),
            f"x-ratelimit-reset-{kind}": format_duration(
                (self.capacity - self.level) / self.capacity * window
            ),
        }


@dataclass
class RecordedRequest:
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    time: float
    fault: str | None
    deployment: str | None
    request_id: str  # the x-request-id header of the reply
    client_port: int  # the same port for two calls means the connection was kept alive

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class ServerState:
    """Behaviour and counters, shared by the handler threads; every access holds `lock`."""

    latency: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: list[str] = field(default_factory=lambda: ["500"])
    seed: int = 0
    retry_after: float = 1.0
    hang_seconds: float = 5.0
    rpm_limit: int = 0  # requests per rate_window; 0: no limit
    tpm_limit: int = 0  # tokens (prompt + completion) per rate_window; 0: no limit
    rate_window: float = 60.0
    limit_headers: bool = True  # send x-ratelimit-limit-* (Azure does not; OpenAI does)
    scripted: collections.deque[str] = field(default_factory=collections.deque)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    rate_limited: collections.Counter[str] = field(default_factory=collections.Counter)
    calls: int = 0
    faults: collections.Counter[str] = field(default_factory=collections.Counter)
    by_messages: collections.Counter[str] = field(default_factory=collections.Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    requests: collections.deque[RecordedRequest] = field(
        default_factory=lambda: collections.deque(maxlen=100_000)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        for kind in self.fault_kinds:
            check_fault_kind(kind)

    def configure(self, **options: Any) -> None:
        """Change behaviour while running; unknown option names are refused, none applied."""
        unknown = set(options) - CONTROL_OPTIONS
        if unknown:
            raise ValueError(f"unknown option {sorted(unknown)[0]!r}")
        with self.lock:
            for name, value in options.items():
                if name == "latency":
                    self.latency = float(value)
                elif name == "fault_rate":
                    if not 0 <= float(value) <= 1:
                        raise ValueError("fault_rate must be between 0 and 1")
                    self.fault_rate = float(value)
                elif name == "fault_kinds":
                    self.fault_kinds = [check_fault_kind(str(kind)) for kind in value]
                elif name == "seed":
                    self.seed = int(value)
                    self.rng = random.Random(self.seed)
                elif name == "retry_after":
                    self.retry_after = float(value)
                elif name == "hang_seconds":
                    self.hang_seconds = float(value)
                elif name == "script":
                    self.scripted.extend(check_fault_kind(str(kind)) for kind in value)
                elif name in ("rpm_limit", "tpm_limit"):
                    setattr(self, name, int(value))
                    self.buckets.clear()
                elif name == "rate_window":
                    self.rate_window = float(value)
                    self.buckets.clear()
                elif name == "limit_headers":
                    self.limit_headers = bool(value)

    def reset(self) -> None:
        """Forget counters, recorded requests and pending scripted faults (not the behaviour)."""
        with self.lock:
            self.calls = 0
            self.faults.clear()
            self.by_messages.clear()
            self.requests.clear()
            self.scripted.clear()
            self.buckets.clear()
            self.rate_limited.clear()
            self.max_in_flight = self.in_flight
            self.rng = random.Random(self.seed)

    def begin_call(self, record: RecordedRequest, messages: object) -> tuple[str | None, float]:
        """Count a completion call and decide its fault: scripted ones first, then the rate."""
        with self.lock:
            self.calls += 1
            self.by_messages[messages_digest(messages)] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault: str | None = None
            if self.scripted:
                fault = self.scripted.popleft()
            elif self.fault_rate and self.rng.random() < self.fault_rate:
                fault = self.rng.choice(self.fault_kinds)
            if fault == "ok":
                fault = None
            if fault:
                self.faults[fault] += 1
            record.fault = fault
            self.requests.append(record)
            return fault, self.latency

    def take_rate(
        self, record: RecordedRequest, tokens: int
    ) -> tuple[str | None, float, dict[str, str]]:
        """Spend one request and `tokens` from the buckets, or name the limit that refuses:
        (refused kind or None, seconds until it would pass, x-ratelimit headers)."""
        with self.lock:
            now = time.monotonic()
            wanted = {"requests": (self.rpm_limit, 1), "tokens": (self.tpm_limit, tokens)}
            refused: str | None = None
            wait = 0.0
            for kind, (limit, amount) in wanted.items():
                if not limit:
                    continue
                bucket = self.buckets.setdefault(kind, Bucket(limit, limit, now))
                bucket.refill(now, self.rate_window)
                # A request larger than the whole bucket passes once the bucket is full.
                if refused is None and bucket.level < min(amount, bucket.capacity):
                    refused = kind
                    wait = bucket.wait_for(min(amount, bucket.capacity), self.rate_window)
            if refused is None:
                for kind, (limit, amount) in wanted.items():
                    if limit:
                        self.buckets[kind].level -= min(amount, self.buckets[kind].level)
            else:
                self.rate_limited[refused] += 1
                record.fault = f"limit_{refused}"
            headers: dict[str, str] = {}
            for kind, bucket in self.buckets.items():
                headers.update(bucket.headers(kind, self.rate_window))
            if not self.limit_headers:
                headers = {k: v for k, v in headers.items() if "-limit-" not in k}
            return refused, wait, headers

    def end_call(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": self.calls,
                "faults": dict(self.faults),
                "by_messages": dict(self.by_messages),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "pending_script": list(self.scripted),
                "latency": self.latency,
                "fault_rate": self.fault_rate,
                "fault_kinds": list(self.fault_kinds),
                "rate_limited": dict(self.rate_limited),
            }


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive: many requests per connection, as the openai client's pool expects.
    protocol_version = "HTTP/1.1"
    server: _Server
    request_id = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and benches read /_stats, not an access log

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self.request_id = f"req_{uuid.uuid4().hex}"
        path = urlsplit(self.path).path
        if path == "/_stats":
            self._send_json(200, self.server.state.stats())
        elif path == "/_requests":
            with self.server.state.lock:
                records = [record.as_json() for record in self.server.state.requests]
            self._send_json(200, records)
        else:
            self._send_json(404, _error_body("Not found.", "invalid_request_error", None))

    def do_POST(self) -> None:
        self.request_id = f"req_{uuid.uuid4().hex}"
        parts = urlsplit(self.path)
        raw = self._read_body()
        if parts.path == "/_control":
            self._control(raw)
            return
        match = COMPLETION_PATH.match(parts.path)
        if not match:
            self._send_json(404, _error_body("Unknown path.", "invalid_request_error", None))
            return
        try:
            body = json.loads(raw or b"{}")
            messages = body["messages"]
            model = str(body.get("model", ""))
        except (ValueError, KeyError, TypeError):
            self._send_json(400, _error_body("Invalid JSON body.", "invalid_request_error", None))
            return
        record = RecordedRequest(
            path=parts.path,
            query=parts.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            time=time.time(),
            fault=None,
            deployment=match.group("deployment"),
            request_id=self.request_id,
            client_port=int(self.client_address[1]),
        )
        state = self.server.state
        fault, latency = state.begin_call(record, messages)
        try:
            limit_headers: dict[str, str] = {}
            if fault is None and (state.rpm_limit or state.tpm_limit):
                refused, wait, limit_headers = state.take_rate(
                    record, sum(usage_tokens(messages, model))
                )
                if refused:
                    self._send_rate_limited(refused, wait, limit_headers)
                    return
            if latency:
                self.server.stopping.wait(latency)
            self._answer(fault, messages, model, limit_headers)
        finally:
            state.end_call()

    def _control(self, raw: bytes) -> None:
        try:
            options = json.loads(raw or b"{}")
            if options.pop("reset", False):
                self.server.state.reset()
            self.server.state.configure(**options)
        except (ValueError, TypeError, AttributeError) as err:
            self._send_json(400, {"error": str(err)})
            return
        self._send_json(200, self.server.state.stats())

    def _send_rate_limited(self, kind: str, wait: float, headers: dict[str, str]) -> None:
        message = f"Rate limit reached on {kind} per min. Please try again in {wait:.3f}s."
        headers = {
            **headers,
            "retry-after-ms": str(math.ceil(wait * 1000)),
            "Retry-After": str(math.ceil(wait)),
        }
        self._send_json(429, _error_body(message, kind, "rate_limit_exceeded"), headers)

    def _answer(
        self,
        fault: str | None,
        messages: list[dict[str, str]],
        model: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        state = self.server.state
        if fault == "hang":
            # Longer than the client's read timeout; a stopping server lets it go at once.
            self.server.stopping.wait(state.hang_seconds)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send_json(504, _error_body("Hung.", "server_error", None))
            return
        if fault == "malformed":
            self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [{"message": ')
            return
        if fault == "insufficient_quota":
            message = "You exceeded your current quota, please check your plan and billing details."
            self._send_json(429, _error_body(message, "insufficient_quota", "insufficient_quota"))
            return
        if fault == "content_filter_400":
            # Azure's answer when its filter blocks the prompt: a 400 carrying the code.
            message = "The response was filtered due to the prompt triggering the content policy."
            self._send_json(400, _error_body(message, "invalid_request_error", "content_filter"))
            return
        if fault and STATUS_FAULT.match(fault):
            self._send_status_fault(int(fault))
            return
        reply = completion_body(messages, model)
        if fault == "no_usage":
            del reply["usage"]
        elif fault == "no_choices":
            del reply["choices"]
        elif fault == "content_filter":
            reply["choices"][0]["message"]["content"] = ""
            reply["choices"][0]["finish_reason"] = "content_filter"
        self._send_json(200, reply, headers)

    def _send_status_fault(self, status: int) -> None:
        headers: dict[str, str] = {}
        if status == 429:
            retry_after = self.server.state.retry_after
            headers["Retry-After"] = f"{retry_after:g}"
            error = _error_body("Rate limit reached.", "requests", "rate_limit_exceeded")
        elif status >= 500:
            error = _error_body("The server had an error.", "server_error", None)
        elif status == 401:
            error = _error_body("Incorrect API key provided.", "invalid_request_error", None)
        else:
            error = _error_body(f"Error {status}.", "invalid_request_error", None)
        self._send_json(status, error, headers)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", self.request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def _error_body(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def completion_body(messages: list[dict[str, str]], model: str) -> dict[str, Any]:
    output = expected_output(messages, model)
    prompt_tokens, completion_tokens = usage_tokens(messages, model)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": output},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks open dozens of connections at once; the default backlog of 5 drops SYNs.
    request_queue_size = 256

    def __init__(self, port: int, state: ServerState) -> None:
        self.state = state
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Idle keep-alive connections would otherwise keep their threads alive after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeOpenAIServer:
    """The server in a background thread of this process; a context manager."""

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        fault_kinds: list[str] | None = None,
        seed: int = 0,
        retry_after: float = 1.0,
        hang_seconds: float = 5.0,
        rpm_limit: int = 0,
        tpm_limit: int = 0,
        rate_window: float = 60.0,
        limit_headers: bool = True,
    ) -> None:
        self.state = ServerState(
            latency=latency,
            fault_rate=fault_rate,
            fault_kinds=list(fault_kinds or ["500"]),
            seed=seed,
            retry_after=retry_after,
            hang_seconds=hang_seconds,
            rpm_limit=rpm_limit,
            tpm_limit=tpm_limit,
            rate_window=rate_window,
            limit_headers=limit_headers,
        )
        self._httpd = _Server(port, self.state)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """Without `/v1`: what an Azure client takes as its endpoint."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL is set to."""
        return f"{self.root_url}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- behaviour and counters ---------------------------------------------------------

    def configure(self, **options: Any) -> None:
        """latency, fault_rate, fault_kinds, seed, retry_after, hang_seconds, script,
        rpm_limit, tpm_limit, rate_window, limit_headers."""
        self.state.configure(**options)

    def script(self, *kinds: str) -> None:
        """The next len(kinds) calls play these faults in order ("ok": a normal reply)."""
        self.state.configure(script=list(kinds))

    def reset(self) -> None:
        self.state.reset()

    @property
    def calls(self) -> int:
        with self.state.lock:
            return self.state.calls

    def calls_for(self, messages: list[dict[str, str]]) -> int:
        with self.state.lock:
            return self.state.by_messages[messages_digest(messages)]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def stats(self) -> dict[str, Any]:
        return self.state.stats()


class RemoteServer:
    """Control of a server running in another process, through its HTTP control endpoint."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root_url = f"http://{HOST}:{port}"
        self.base_url = f"{self.root_url}/v1"

    def _call(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            self.root_url + path,
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def configure(self, **options: Any) -> dict[str, Any]:
        return dict(self._call("/_control", options))

    def script(self, *kinds: str) -> None:
        self.configure(script=list(kinds))

    def reset(self) -> None:
        self._call("/_control", {"reset": True})

    def stats(self) -> dict[str, Any]:
        return dict(self._call("/_stats"))

    @property
    def calls(self) -> int:
        return int(self.stats()["calls"])

    def calls_for(self, messages: list[dict[str, str]]) -> int:
        return int(self.stats()["by_messages"].get(messages_digest(messages), 0))

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("/_requests"))


@contextlib.contextmanager
def spawn_server(*, startup_timeout: float = 15.0, **options: Any) -> Iterator[RemoteServer]:
    """Run the server as `python -m tests.llm_server` and stop it afterwards.

    Options are the command-line flags with underscores (latency=0.1, fault_rate=0.3,
    faults="429,500", seed=1, retry_after=..., hang_seconds=..., script="500,hang").
    """
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        command = [sys.executable, "-m", "tests.llm_server", "--port", "0"]
        command += ["--port-file", str(port_file)]
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        process = subprocess.Popen(command, cwd=root)
        try:
            deadline = time.monotonic() + startup_timeout
            while not port_file.exists():
                if process.poll() is not None:
                    raise RuntimeError(f"fake LLM server exited with {process.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError("fake LLM server did not start in time")
                time.sleep(0.02)
            yield RemoteServer(int(port_file.read_text()))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _kinds(value: str) -> list[str]:
    return [check_fault_kind(kind.strip()) for kind in value.split(",") if kind.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the bound port here")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="0..1")
    parser.add_argument("--faults", type=_kinds, default=["500"], help="kinds for the rate")
    parser.add_argument("--script", type=_kinds, default=[], help="faults for the next calls")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retry-after", type=float, default=1.0, help="429 Retry-After, s")
    parser.add_argument("--hang-seconds", type=float, default=5.0)
    parser.add_argument("--rpm-limit", type=int, default=0, help="requests per window")
    parser.add_argument("--tpm-limit", type=int, default=0, help="tokens per window")
    parser.add_argument("--rate-window", type=float, default=60.0, help="the limits' window, s")
    args = parser.parse_args(argv)

    server = FakeOpenAIServer(
        port=args.port,
        latency=args.latency,
        fault_rate=args.fault_rate,
        fault_kinds=args.faults,
        seed=args.seed,
        retry_after=args.retry_after,
        hang_seconds=args.hang_seconds,
        rpm_limit=args.rpm_limit,
        tpm_limit=args.tpm_limit,
        rate_window=args.rate_window,
    )
    if args.script:
        server.script(*args.script)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    if args.port_file:
        # Written whole, then renamed, so a reader never sees a partial number.
        partial = args.port_file.with_suffix(".partial")
        partial.write_text(str(server.port))
        os.replace(partial, args.port_file)
    print(f"fake OpenAI server on {server.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
