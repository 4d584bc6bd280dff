"""The LLM gateway: the only module that talks to a model (see DESIGN.md "LLM gateway").

`complete()` makes exactly one HTTP call per invocation — the `openai` client is built with
`max_retries=0` — and turns every failure into an `LLMError` with a stable code and a
message a member of staff can act on. Whether and when to try again is the caller's
decision (`TransientLLMError`, `backoff_seconds`), so retries never multiply.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import httpx2
import openai
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)

PROVIDER_OPENAI = "openai"
PROVIDER_AZURE = "azure"
PROVIDER_ECHO = "echo"

ECHO_MODEL = "echo"
_PER_MILLION = Decimal(1_000_000)
_YEN_PLACES = Decimal("0.0001")  # Run.cost_yen keeps four decimal places
_MAX_EXPONENT = 62  # 2**62 seconds is past any cap; avoids float overflow on silly inputs


@dataclass(frozen=True)
class ModelSettings:
    provider: str  # "openai" | "azure" | "echo"
    model: str
    temperature: float
    max_tokens: int


@dataclass(frozen=True)
class RateLimits:
    """What the provider said about its limits in `x-ratelimit-*` headers (None: not sent).

    Limits and remaining amounts are per the provider's window (a minute for OpenAI and
    Azure); resets are seconds until the amount is whole again.
    """

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None


@dataclass(frozen=True)
class Completion:
    output: str
    finish_reason: str
    model: str  # as reported by the server ("" if absent)
    prompt_tokens: int | None  # usage may be absent from compatible servers
    completion_tokens: int | None
    request_id: str  # x-request-id header or the completion id
    latency_ms: int
    rate_limits: RateLimits | None = None  # from the reply's headers, when it had any


# What staff read when a run fails, by error code. Lazy so the text follows the language
# active where it is shown; `error_message(code)` renders it again for a stored code.
ERROR_MESSAGES: dict[str, Promise] = {
    "rate_limited": _(
        "The AI service is busy (too many requests at once). "
        "The run will be tried again automatically."
    ),
    "server_error": _(
        "The AI service had a temporary problem. The run will be tried again automatically."
    ),
    "timeout": _(
        "The AI service took too long to answer. The run will be tried again automatically."
    ),
    "connection": _(
        "The AI service could not be reached. The run will be tried again automatically; "
        "if this keeps happening, ask the contest organiser to check the connection."
    ),
    "bad_response": _(
        "The AI service sent an answer that could not be read. "
        "The run will be tried again automatically."
    ),
    "insufficient_quota": _(
        "The AI service's usage limit for this organisation has been reached. "
        "Ask the contest organiser to check the API plan."
    ),
    "bad_request": _(
        "The AI service refused this request, for example because the prompt is too long "
        "or a model setting is not accepted. Shorten the prompt, or ask the contest "
        "organiser to check the model settings."
    ),
    "content_filter": _(
        "The AI service's content filter blocked this request. "
        "Rephrase the prompt and submit it again."
    ),
    "auth": _(
        "The AI service did not accept this platform's API key. "
        "Ask the administrator to check the key."
    ),
    "permission": _(
        "This platform's API key is not allowed to use the chosen model. "
        "Ask the contest organiser to check the model and the API plan."
    ),
    "not_found": _(
        "The model chosen for this contest was not found at the AI service. "
        "Ask the contest organiser to check the model name."
    ),
    "configuration": _(
        "The AI service is not set up on this platform (an API key or address is missing). "
        "Ask the administrator to configure it."
    ),
    "api_error": _(
        "The AI service returned an unexpected error. Ask the contest organiser to look at the run."
    ),
}


# The codes a run is tried again for (TransientLLMError); the others fail it at once.
TRANSIENT_CODES = frozenset(
    {"rate_limited", "server_error", "timeout", "connection", "bad_response"}
)


def error_message(code: str) -> str:
    """The staff-facing message for an error code, in the active language."""
    return str(ERROR_MESSAGES.get(code, ERROR_MESSAGES["api_error"]))


class LLMError(Exception):
    """A call that produced no completion. `code` is stable; `user_message` is for staff."""

    def __init__(self, code: str, *, detail: str = "") -> None:
        self.code = code
        self.user_message = error_message(code)
        # The technical cause, for logs and organisers; never shown in place of the message.
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled across worker processes: rebuild from the code, then restore every field.
        return (self.__class__, (self.code,), self.__dict__)


class TransientLLMError(LLMError):
    """Worth trying again later: 429 (not quota), 5xx, timeout, connection, unreadable reply.

    A 429 says which limit it met when the provider does (`limit_kind`: "requests" or
    "tokens", as OpenAI's error type names them; "" when unknown).
    """

    def __init__(
        self,
        code: str,
        *,
        detail: str = "",
        retry_after: float | None = None,
        rate_limits: RateLimits | None = None,
        limit_kind: str = "",
    ) -> None:
        super().__init__(code, detail=detail)
        self.retry_after = retry_after
        self.rate_limits = rate_limits
        self.limit_kind = limit_kind


class PermanentLLMError(LLMError):
    """Trying again cannot help: quota, bad request, credentials, permission, unknown model."""


# --- Pure helpers -----------------------------------------------------------------------


def cache_key(*, model_settings: ModelSettings, messages: list[dict[str, str]]) -> str:
    """Same key if and only if the same request would be sent to the same model."""
    payload = {
        "provider": model_settings.provider,
        "model": model_settings.model,
        # 1 and 1.0 are the same temperature; JSON would spell them differently.
        "temperature": float(model_settings.temperature),
        "max_tokens": int(model_settings.max_tokens),
        "messages": messages,
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _prices_for(model: str) -> tuple[Decimal, Decimal] | None:
    prices: Mapping[str, tuple[Decimal, Decimal]] = settings.LLM_PRICES
    if model in prices:
        return prices[model]
    # A dated snapshot reported by the server ("gpt-4o-mini-2024-07-18") costs what its
    # family costs; the longest matching name wins so "gpt-4o-mini" beats "gpt-4o".
    family = max((name for name in prices if model.startswith(name + "-")), key=len, default="")
    return prices[family] if family else None


def cost_yen(*, model: str, prompt_tokens: int | None, completion_tokens: int | None) -> Decimal:
    """Yen for one call from settings.LLM_PRICES; 0 for an unknown model or missing usage."""
    prices = _prices_for(model)
    if prices is None or (prompt_tokens is None and completion_tokens is None):
        return Decimal(0)
    input_price, output_price = prices
    total = (
        Decimal(prompt_tokens or 0) * input_price + Decimal(completion_tokens or 0) * output_price
    ) / _PER_MILLION
    return total.quantize(_YEN_PLACES, rounding=ROUND_HALF_UP)


MAX_RETRY_AFTER_SECONDS = 3600.0


def backoff_seconds(
    *, attempt: int, retry_after: float | None, rng: random.Random | None = None
) -> float:
    """Seconds to wait before the next attempt, after `attempt` attempts have failed.

    Exponential with full jitter (every worker that failed together picks a different
    moment) up to the cap, and never sooner than the server's Retry-After: retrying
    earlier would only spend an attempt. A Retry-After beyond an hour is taken as an hour.
    """
    base = float(settings.LLM_RETRY_BASE_SECONDS)
    cap = float(settings.LLM_RETRY_MAX_SECONDS)
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    ceiling = min(cap, base * 2.0**exponent)
    delay = (rng or random).uniform(0, ceiling)
    if retry_after is not None and math.isfinite(retry_after):
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return max(0.0, delay)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms`, `retry-after` (seconds or an HTTP date), or None."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str) -> float | None:
    """Seconds from OpenAI's reset format ("6m0s", "1s", "20ms", "1h2m3.5s") or a plain
    number of seconds (as some compatible servers send); None if unreadable."""
    text = value.strip().lower()
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(number + unit for number, unit in parts) != text:
            return None
        seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(float(value))
    except (ValueError, OverflowError):
        return None
    return number if number >= 0 else None


def parse_rate_limits(headers: Mapping[str, str]) -> RateLimits | None:
    """The `x-ratelimit-*` headers OpenAI and Azure send, or None when there are none."""
    reset_requests = headers.get("x-ratelimit-reset-requests")
    reset_tokens = headers.get("x-ratelimit-reset-tokens")
    limits = RateLimits(
        limit_requests=_header_int(headers, "x-ratelimit-limit-requests"),
        limit_tokens=_header_int(headers, "x-ratelimit-limit-tokens"),
        remaining_requests=_header_int(headers, "x-ratelimit-remaining-requests"),
        remaining_tokens=_header_int(headers, "x-ratelimit-remaining-tokens"),
        reset_requests=parse_duration(reset_requests) if reset_requests else None,
        reset_tokens=parse_duration(reset_tokens) if reset_tokens else None,
    )
    return None if limits == RateLimits() else limits


# --- Clients ----------------------------------------------------------------------------

_clients: dict[tuple[str, float, float], openai.OpenAI] = {}
_clients_lock = threading.Lock()


def _forget_after_fork() -> None:
    # A forked worker must not share its parent's sockets, nor inherit a lock held mid-build.
    global _clients_lock
    _clients.clear()
    _clients_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def reset_clients() -> None:
    """Forget cached clients, so the next call reads the environment and settings again."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


def _build_client(provider: str) -> openai.OpenAI:
    timeout = openai.Timeout(
        float(settings.LLM_READ_TIMEOUT), connect=float(settings.LLM_CONNECT_TIMEOUT)
    )
    try:
        if provider == PROVIDER_OPENAI:
            # OPENAI_API_KEY and OPENAI_BASE_URL are read by the client itself.
            return openai.OpenAI(max_retries=0, timeout=timeout)
        if provider == PROVIDER_AZURE:
            # AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION and AZURE_OPENAI_API_KEY (or
            # AZURE_OPENAI_AD_TOKEN) likewise. No deployment here: the model argument of
            # each call picks it, so one client serves every contest.
            return openai.AzureOpenAI(max_retries=0, timeout=timeout)
    except (openai.OpenAIError, ValueError) as err:
        raise PermanentLLMError("configuration", detail=str(err)) from err
    raise PermanentLLMError("configuration", detail=f"unknown provider {provider!r}")


def _client_for(provider: str) -> openai.OpenAI:
    """One client per provider and timeout setting, reused for keep-alive.

    Per process too: a forked worker starts with none (`_forget_after_fork`)."""
    key = (provider, float(settings.LLM_CONNECT_TIMEOUT), float(settings.LLM_READ_TIMEOUT))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _build_client(provider)
        return client


# --- Calls ------------------------------------------------------------------------------


def real_provider_configured() -> bool:
    """Whether any real model can be called: a provider chosen, or a key the client reads.

    False means every run on this platform is an offline preview, whatever a contest says.
    """
    if settings.LLM_PROVIDER != PROVIDER_ECHO:
        return True
    keys = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")
    return any(os.environ.get(name) for name in keys)


def complete(
    *,
    model_settings: ModelSettings,
    messages: list[dict[str, str]],
    timeout: float | None = None,
) -> Completion:
    """Send the messages once and return the completion, or raise an LLMError.

    `timeout` (seconds) shortens the settings' timeouts for one call that a person waits
    for in a request, such as an organiser's connection test.
    """
    if model_settings.provider == PROVIDER_ECHO:
        return _echo(messages)
    client = _client_for(model_settings.provider)
    if timeout is not None:
        connect = min(timeout, float(settings.LLM_CONNECT_TIMEOUT))
        client = client.with_options(timeout=openai.Timeout(timeout, connect=connect))
    model = model_settings.model
    if model_settings.provider == PROVIDER_AZURE and settings.AZURE_OPENAI_DEPLOYMENT:
        model = settings.AZURE_OPENAI_DEPLOYMENT
    started = time.monotonic()
    try:
        # What `chat.completions.create` sends, posted through the same client (its
        # address, key, Azure deployment path, timeouts and status errors). `create` first
        # walks the parameters' declared types to convert the body, a third of a call's CPU
        # in the worker, and builds its reply models after; these plain strings and numbers
        # need no conversion, and the reply is read from its JSON defensively below.
        response = client.post(
            "/chat/completions",
            body={
                "model": model,
                "messages": messages,
                "temperature": model_settings.temperature,
                "max_tokens": model_settings.max_tokens,
            },
            cast_to=httpx2.Response,
            options={"security": {"bearer_auth": True}},
        )
        reply: object = response.json()
    except openai.APIStatusError as err:
        raise _log(_status_error(err)) from err
    except openai.APITimeoutError as err:
        raise _log(TransientLLMError("timeout", detail=str(err))) from err
    except openai.APIConnectionError as err:
        raise _log(TransientLLMError("connection", detail=str(err))) from err
    except ValueError as err:
        # A 200 whose body is not JSON. The type name only: parser messages quote the
        # body, which may hold personal data.
        raise _log(TransientLLMError("bad_response", detail=type(err).__name__)) from err
    except openai.OpenAIError as err:
        raise _log(PermanentLLMError("api_error", detail=type(err).__name__)) from err
    return _completion_from(
        reply,
        request_id=response.headers.get("x-request-id") or "",
        latency_ms=_elapsed_ms(started),
        rate_limits=parse_rate_limits(response.headers),
    )


def _field(value: object, name: str) -> object:
    return value.get(name) if isinstance(value, dict) else None


def _completion_from(
    reply: object, *, request_id: str, latency_ms: int, rate_limits: RateLimits | None = None
) -> Completion:
    """Read a reply's JSON defensively: compatible servers omit fields that OpenAI sends."""
    choices = _field(reply, "choices")
    if not isinstance(choices, list) or not choices:
        raise _log(TransientLLMError("bad_response", detail="reply without choices"))
    choice = choices[0]
    content = _field(_field(choice, "message"), "content")
    usage = _field(reply, "usage")
    return Completion(
        output=content if isinstance(content, str) else "",
        finish_reason=str(_field(choice, "finish_reason") or ""),
        model=str(_field(reply, "model") or ""),
        prompt_tokens=_int_or_none(_field(usage, "prompt_tokens")),
        completion_tokens=_int_or_none(_field(usage, "completion_tokens")),
        request_id=request_id or str(_field(reply, "id") or ""),
        latency_ms=latency_ms,
        rate_limits=rate_limits,
    )


def _status_error(err: openai.APIStatusError) -> LLMError:
    status = err.status_code
    detail = f"HTTP {status} {err.code or err.type or ''} (request {err.request_id or '-'})"
    retry_after = parse_retry_after(err.response.headers)
    if status == 429:
        if "insufficient_quota" in (err.code, err.type):
            return PermanentLLMError("insufficient_quota", detail=detail)
        return TransientLLMError(
            "rate_limited",
            detail=detail,
            retry_after=retry_after,
            rate_limits=parse_rate_limits(err.response.headers),
            limit_kind=err.type if err.type in ("requests", "tokens") else "",
        )
    if status >= 500 or status in (408, 409):
        # 408 and 409 are the server asking to be asked again, as the client itself treats them.
        return TransientLLMError("server_error", detail=detail, retry_after=retry_after)
    if "content_filter" in (err.code, err.type):
        return PermanentLLMError("content_filter", detail=detail)
    code = {400: "bad_request", 422: "bad_request", 401: "auth", 403: "permission"}.get(
        status, "not_found" if status == 404 else "api_error"
    )
    return PermanentLLMError(code, detail=detail)


def _echo(messages: list[dict[str, str]]) -> Completion:
    """The offline provider: shows exactly what would be sent, and says so."""
    started = time.monotonic()
    parts = [gettext("[Offline preview — no model was called]")]
    for message in messages:
        parts.append(f"[{message.get('role', '')}]\n{message.get('content', '')}")
    return Completion(
        output="\n\n".join(parts),
        finish_reason="stop",
        model=ECHO_MODEL,
        prompt_tokens=None,
        completion_tokens=None,
        request_id="",
        latency_ms=_elapsed_ms(started),
    )


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _log(error: LLMError) -> LLMError:
    # Codes and request ids only: prompts may hold personal data and never reach the logs.
    logger.warning("LLM call failed: %s", error)
    return error
