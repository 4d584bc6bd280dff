"""The provider's rate, shared by every worker through Django's cache, and adapting to it.

The `llm` queue's worker concurrency caps the calls in flight; this module caps the calls
(`LLM_REQUESTS_PER_MINUTE`) and the tokens (`LLM_TOKENS_PER_MINUTE`) per minute and
provider, 0 meaning no cap. The counts live in the cache (Redis in production when
`CACHE_URL` is set), so every worker on every machine counts against the same window.

- **A sliding window.** The minute (`LLM_RATE_WINDOW_SECONDS`; tests shorten it) is cut in
  `SLICES` slices; a call is let through when the last `SLICES + 1` slices, the current one
  included, hold fewer calls (and tokens) than the limit. That span is never shorter than
  the window, so no stretch of one window ever holds more than the limit, which a
  provider counting by sliding window or token bucket accepts.
- **Additive increase, multiplicative decrease.** The rate in force starts at the limit;
  each 429 cuts it to `DECREASE` of itself (once per `cooldown`, however many calls in
  flight meet the same wall), and each success adds back `INCREASE` of the limit per
  window's worth of calls. The configured limit is the ceiling, and so is the limit the
  provider announces in `x-ratelimit-limit-*`, when it does.
- **The provider's word.** A Retry-After, or a reply saying nothing remains
  (`x-ratelimit-remaining-* = 0`), pauses every worker until the reset it names.
- **Tokens.** A call reserves its prompt, estimated from the text (`estimate_tokens`), plus
  its `max_tokens`; the usage the reply reports replaces the reservation.

A refused call never waits in the worker: the caller puts its run back in the queue for the
moment this module names, each refused call getting its own later slot so a backlog
spreads out at the allowed rate instead of waking all at once.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from contest.runs.llm import RateLimits

SLICES = 12
DECREASE = 0.7
INCREASE = 0.05
REQUESTS = "requests"
TOKENS = "tokens"
KINDS = (REQUESTS, TOKENS)
# Per-message framing the provider adds to the text (role, separators), in tokens.
_MESSAGE_OVERHEAD = 4
# The adapted rate is forgotten after this many idle windows: the limit holds again.
_MEMORY_WINDOWS = 10


def window_seconds() -> float:
    return float(settings.LLM_RATE_WINDOW_SECONDS)


def _slice_seconds() -> float:
    return window_seconds() / SLICES


def _configured(kind: str) -> int:
    value = settings.LLM_REQUESTS_PER_MINUTE if kind == REQUESTS else settings.LLM_TOKENS_PER_MINUTE
    return max(0, int(value))


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """Prompt tokens for these messages, from their characters alone, never fewer than a
    tokenizer would count for ordinary Japanese or English text.

    One token per character that is not ASCII (Japanese runs well under one token a
    character in the GPT-4o and GPT-4 tokenizers), one per three ASCII characters (English
    averages about four), plus a few per message for the framing. Nothing is downloaded.
    """
    total = 3
    for message in messages:
        text = str(message.get("content", ""))
        ascii_chars = sum(1 for char in text if ord(char) < 128)
        total += _MESSAGE_OVERHEAD + (len(text) - ascii_chars) + math.ceil(ascii_chars / 3)
    return total


@dataclass(frozen=True)
class Grant:
    """The throttle's answer: go now (`wait` is 0), or come back in `wait` seconds.

    A granted call holds its `tokens` in `slice` until `throttle_record_*` settles them.
    """

    provider: str
    wait: float
    slice: int = 0
    tokens: int = 0

    @property
    def granted(self) -> bool:
        return self.wait <= 0


@dataclass(frozen=True)
class ThrottleStatus:
    """The rate in force for a provider, for the run monitor (per minute, None: no limit)."""

    requests_per_minute: float | None
    requests_ceiling: int | None
    tokens_per_minute: float | None
    tokens_ceiling: int | None
    paused_until: datetime | None  # while the provider asked everyone to wait

    @property
    def lowered(self) -> bool:
        pairs = (
            (self.requests_per_minute, self.requests_ceiling),
            (self.tokens_per_minute, self.tokens_ceiling),
        )
        return any(rate is not None and ceiling and rate < ceiling - 0.5 for rate, ceiling in pairs)


# --- Cache keys -----------------------------------------------------------------------------


def _count_key(kind: str, provider: str, slice_: int) -> str:
    return f"llm-{kind}:{provider}:{slice_}"


def _rate_key(kind: str, provider: str) -> str:
    return f"llm-rate-{kind}:{provider}"


def _announced_key(kind: str, provider: str) -> str:
    return f"llm-announced-{kind}:{provider}"


def _pause_key(provider: str) -> str:
    return f"llm-pause:{provider}"


def _memory() -> float:
    return _MEMORY_WINDOWS * window_seconds()


def _ceiling(kind: str, provider: str) -> int:
    """The most this kind may reach: the setting, lowered to what the provider announced."""
    configured = _configured(kind)
    announced = cache.get(_announced_key(kind, provider))
    if isinstance(announced, int) and announced > 0:
        return min(configured, announced) if configured else announced
    return configured


def _rate(kind: str, provider: str, ceiling: int) -> float:
    """The rate in force: the adapted one, never above the ceiling; the ceiling if none."""
    adapted = cache.get(_rate_key(kind, provider))
    if isinstance(adapted, int | float) and adapted > 0:
        return min(float(ceiling), float(adapted))
    return float(ceiling)


def _add(key: str, amount: int) -> int:
    """Add to a counter that expires after the sliding window has passed it."""
    timeout = 3 * window_seconds() + 60  # outlives the window on every worker despite skew
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key, amount))
    except ValueError:  # evicted between add and incr: start the count again
        cache.add(key, amount, timeout=timeout)
        return amount


def _take_back(key: str, amount: int) -> None:
    if amount:
        with contextlib.suppress(ValueError):  # already expired: nothing left to give back
            cache.decr(key, amount)


# --- Asking -------------------------------------------------------------------------------


def throttle_acquire(*, provider: str, tokens: int = 0, now: float | None = None) -> Grant:
    """Take one call (and `tokens`) from the provider's window, or say how long to wait."""
    now = time.time() if now is None else now
    paused = cache.get(_pause_key(provider))
    if isinstance(paused, int | float) and paused > now:
        return _refuse(provider, start=paused, now=now)
    current = int(now // _slice_seconds())
    taken: list[tuple[str, int]] = []
    for kind, amount in ((REQUESTS, 1), (TOKENS, tokens)):
        ceiling = _ceiling(kind, provider)
        if not ceiling or not amount:
            continue
        limit = max(1.0, _rate(kind, provider, ceiling))
        key = _count_key(kind, provider, current)
        in_slice = _add(key, amount)
        taken.append((key, amount))
        earlier = cache.get_many(
            [_count_key(kind, provider, back) for back in range(current - SLICES, current)]
        )
        in_window = in_slice + sum(int(value) for value in earlier.values())
        # A call larger than the whole limit still goes once the window is empty.
        if in_window > limit and in_window > amount:
            for taken_key, taken_amount in taken:
                _take_back(taken_key, taken_amount)
            counted = [
                back
                for back in range(current - SLICES, current)
                if earlier.get(_count_key(kind, provider, back))
            ]
            frees_at = (min(counted, default=current) + SLICES + 1) * _slice_seconds()
            # Refused calls follow each other at the rate: one call apart, or one call's
            # tokens apart.
            spacing = window_seconds() * amount / limit
            return _refuse(provider, start=frees_at, now=now, spacing=spacing)
    return Grant(provider=provider, wait=0.0, slice=current, tokens=tokens if taken else 0)


def _refuse(provider: str, *, start: float, now: float, spacing: float | None = None) -> Grant:
    """Come back from `start` on, in a slot of your own: the k-th call refused against the
    same start waits k-1 spacings longer, so a backlog wakes at the rate, not at once."""
    if spacing is None:
        ceiling = _ceiling(REQUESTS, provider)
        rate = _rate(REQUESTS, provider, ceiling) if ceiling else 0.0
        spacing = window_seconds() / rate if rate else _slice_seconds() / 10
    position = _add(f"llm-refused:{provider}:{round(start * 1000)}", 1)
    return Grant(provider=provider, wait=max(0.0, start - now) + (position - 1) * spacing)


# --- Hearing back -------------------------------------------------------------------------


def throttle_record_success(
    grant: Grant,
    *,
    used_tokens: int | None,
    rate_limits: RateLimits | None,
    now: float | None = None,
) -> None:
    """A call answered: settle its tokens, raise the rates a little, note the provider's word."""
    now = time.time() if now is None else now
    provider = grant.provider
    if grant.tokens and used_tokens is not None:
        key = _count_key(TOKENS, provider, grant.slice)
        difference = used_tokens - grant.tokens
        if difference > 0:
            _add(key, difference)
        else:
            _take_back(key, -difference)
    for kind in KINDS:
        ceiling = _ceiling(kind, provider)
        if ceiling:
            rate = _rate(kind, provider, ceiling)
            # Congestion avoidance: a window's worth of successes adds INCREASE of the ceiling.
            raised = min(float(ceiling), rate + INCREASE * ceiling / max(1.0, rate))
            cache.set(_rate_key(kind, provider), raised, timeout=_memory())
    _heed(provider, rate_limits, now=now)


def throttle_record_rate_limited(
    grant: Grant,
    *,
    kind: str,
    retry_after: float | None,
    rate_limits: RateLimits | None,
    now: float | None = None,
) -> None:
    """A 429: give back the unused tokens, cut the rate in force, pause while asked to."""
    now = time.time() if now is None else now
    provider = grant.provider
    if grant.tokens:
        _take_back(_count_key(TOKENS, provider, grant.slice), grant.tokens)
    _heed(provider, rate_limits, now=now)
    # One cut per cooldown: the calls in flight that meet the same wall count once.
    cooldown = window_seconds() / 4
    for limited in (kind,) if kind in KINDS else KINDS:
        ceiling = _ceiling(limited, provider)
        if ceiling and cache.add(f"llm-cut-{limited}:{provider}", 1, timeout=cooldown):
            lowered = max(1.0, _rate(limited, provider, ceiling) * DECREASE)
            cache.set(_rate_key(limited, provider), lowered, timeout=_memory())
    if retry_after is not None:
        _pause(provider, now + retry_after)


def _heed(provider: str, limits: RateLimits | None, *, now: float) -> None:
    """Remember the limits the provider announced; pause when it says nothing remains."""
    if limits is None:
        return
    for kind, announced, remaining, reset in (
        (REQUESTS, limits.limit_requests, limits.remaining_requests, limits.reset_requests),
        (TOKENS, limits.limit_tokens, limits.remaining_tokens, limits.reset_tokens),
    ):
        if announced:
            cache.set(_announced_key(kind, provider), announced, timeout=_memory())
        if remaining == 0 and reset:
            # A provider refilling as it goes frees one call's worth in window / limit.
            _pause(
                provider, now + (min(reset, window_seconds() / announced) if announced else reset)
            )


def _pause(provider: str, until: float) -> None:
    key = _pause_key(provider)
    current = cache.get(key)
    if not isinstance(current, int | float) or current < until:
        cache.set(key, until, timeout=max(1, math.ceil(until - time.time()) + 60))


# --- Showing --------------------------------------------------------------------------------


def throttle_status(*, provider: str, now: float | None = None) -> ThrottleStatus:
    """The rates in force now, per minute, and any pause the provider asked for."""
    now = time.time() if now is None else now
    per_minute = 60.0 / window_seconds()
    figures: dict[str, tuple[float | None, int | None]] = {}
    for kind in KINDS:
        ceiling = _ceiling(kind, provider)
        if ceiling:
            figures[kind] = (
                _rate(kind, provider, ceiling) * per_minute,
                round(ceiling * per_minute),
            )
        else:
            figures[kind] = (None, None)
    paused = cache.get(_pause_key(provider))
    return ThrottleStatus(
        requests_per_minute=figures[REQUESTS][0],
        requests_ceiling=figures[REQUESTS][1],
        tokens_per_minute=figures[TOKENS][0],
        tokens_ceiling=figures[TOKENS][1],
        paused_until=datetime.fromtimestamp(paused, tz=UTC)
        if isinstance(paused, int | float) and paused > now
        else None,
    )
