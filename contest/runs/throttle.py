"""The provider's rate, shared by every worker through Django's cache, and adapting to it.

The `llm` queue's worker concurrency caps the calls in flight; this module caps the calls
(`LLM_REQUESTS_PER_MINUTE`) and the tokens (`LLM_TOKENS_PER_MINUTE`) per minute and
provider, 0 meaning no cap. The counts live in the cache (Redis in production when
`CACHE_URL` is set), so every worker on every machine counts against the same window.

- **A sliding window.** The minute (`LLM_RATE_WINDOW_SECONDS`; tests shorten it) is cut in
  `SLICES` slices; a call is let through when the last `SLICES + 1` slices, the current one
  included, hold with it no more calls (and tokens) than the limit. That span is never shorter than
  the window, so no stretch of one window ever holds more than the limit, which a
  provider counting by sliding window or token bucket accepts.
- **Additive increase, multiplicative decrease.** The rate in force starts at the limit.
  A 429 cuts it to `DECREASE` of the wall: what the provider answered among the calls (or
  tokens) granted in the window, when that is below the rate in force, as it is when the
  limit set is far above the provider's. One cut brings a rate three times too high under
  the real limit, where cutting the rate itself took four, a cooldown apart, and let 429s
  through well after the first window. Answers to calls granted in that window that
  arrive after the cut (a busy worker hears late) still raise the wall, and the rate
  with it. A cut starts a new generation of rates: a 429 for a call granted under an
  older one was sent at the rates the cut replaced and cuts nothing, however late it is
  heard. Each success adds back, per window's worth of calls (or tokens), `INCREASE` of
  the limit, and only `INCREASE` of the wall once the rate is within a tenth of it: back
  quickly to where the provider answered, then probing slowly past it, until the wall is
  forgotten. The configured limit is the ceiling, and so is the limit the provider
  announces in `x-ratelimit-limit-*`, when it does.
- **The provider's word.** A Retry-After pauses every worker for as long as it says; a
  reply saying nothing remains (`x-ratelimit-remaining-* = 0`) pauses them until one more
  call's worth is back (window / limit, the rate in force standing for a limit the
  provider does not announce, as Azure does not) or, with neither, until its reset.
- **Tokens.** A call reserves its prompt, estimated from the text (`estimate_tokens`), plus
  its `max_tokens`; the usage the reply reports replaces the reservation.

A refused call never waits in the worker: the caller puts its run back in the queue for the
moment this module names, each refused call getting its own later slot so a backlog
spreads out at the limit instead of waking all at once.
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
# From this share of the wall on, the rate is raised by INCREASE of the wall, not the limit.
NEAR = 0.9
REQUESTS = "requests"
TOKENS = "tokens"
KINDS = (REQUESTS, TOKENS)
# Per-message framing the provider adds to the text (role, separators), in tokens.
_MESSAGE_OVERHEAD = 4
# The adapted rate is forgotten after this many idle windows: the limit holds again. A wall
# is forgotten this many windows after the cut that found it: probing speeds up again, so a
# wall found while another application took most of the key does not slow the engine long.
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
        ascii_chars = len(text.encode("ascii", "ignore"))
        total += _MESSAGE_OVERHEAD + (len(text) - ascii_chars) + math.ceil(ascii_chars / 3)
    return total


@dataclass(frozen=True)
class Grant:
    """The throttle's answer: go now (`wait` is 0), or come back in `wait` seconds.

    A granted call holds its `tokens` in `slice` until `throttle_record_*` settles them;
    `generation` names the rates it was granted under (each cut starts a new one).
    """

    provider: str
    wait: float
    slice: int = 0
    tokens: int = 0
    generation: int = 0

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


def _accepted_key(kind: str, provider: str, slice_: int) -> str:
    return f"llm-accepted-{kind}:{provider}:{slice_}"


def _wall_key(kind: str, provider: str) -> str:
    return f"llm-wall-{kind}:{provider}"


def _generation_key(provider: str) -> str:
    return f"llm-generation:{provider}"


def _announced_key(kind: str, provider: str) -> str:
    return f"llm-announced-{kind}:{provider}"


def _pause_key(provider: str) -> str:
    return f"llm-pause:{provider}"


def _memory() -> float:
    return _MEMORY_WINDOWS * window_seconds()


@dataclass(frozen=True)
class _Wall:
    """Where the provider refused: `level` met a 429 that cut `rate`, starting `generation`."""

    level: float
    rate: float
    generation: int


@dataclass(frozen=True)
class _Snapshot:
    """What the cache says about a provider now, read in one round trip."""

    paused: float | None
    generation: int  # of the rates in force
    cut_slice: int | None  # when the last cut was made
    announced: dict[str, int | None]
    ceilings: dict[str, int]  # 0: no limit of that kind
    rates: dict[str, float]  # in force, for the kinds with a ceiling
    walls: dict[str, _Wall]  # for the kinds cut

    def spacing(self, kind: str = REQUESTS, amount: int = 1) -> float:
        """Seconds between two refused calls' returns: one call (`amount` of `kind`) apart at
        the limit, not at the rate in force: a backlog refused just after a cut would
        otherwise keep the cut's pace long after the rate has climbed back. One that comes
        back too early is let through at the rate in force, or refused again."""
        ceiling = self.ceilings[kind]
        return window_seconds() * amount / ceiling if ceiling else _slice_seconds() / 10


def _snapshot(provider: str) -> _Snapshot:
    keys = [_pause_key(provider), _generation_key(provider)]
    keys += [_announced_key(kind, provider) for kind in KINDS]
    keys += [_rate_key(kind, provider) for kind in KINDS]
    keys += [_wall_key(kind, provider) for kind in KINDS]
    values = cache.get_many(keys)
    paused = values.get(_pause_key(provider))
    generation = values.get(_generation_key(provider))
    announced: dict[str, int | None] = {}
    ceilings: dict[str, int] = {}
    rates: dict[str, float] = {}
    walls: dict[str, _Wall] = {}
    for kind in KINDS:
        value = values.get(_announced_key(kind, provider))
        told = value if isinstance(value, int) and value > 0 else None
        announced[kind] = told
        configured = _configured(kind)
        # The setting is the ceiling, lowered to what the provider announced.
        ceiling = min(configured or told, told) if told else configured
        ceilings[kind] = ceiling
        if ceiling:
            adapted = values.get(_rate_key(kind, provider))
            rate = float(adapted) if isinstance(adapted, int | float) and adapted > 0 else ceiling
            rates[kind] = min(float(ceiling), rate)
            wall = values.get(_wall_key(kind, provider))
            if isinstance(wall, tuple) and len(wall) == 3:
                walls[kind] = _Wall(min(float(ceiling), wall[0]), wall[1], wall[2])
    return _Snapshot(
        paused=float(paused) if isinstance(paused, int | float) else None,
        generation=generation[0] if isinstance(generation, tuple) else 0,
        cut_slice=generation[1] if isinstance(generation, tuple) else None,
        announced=announced,
        ceilings=ceilings,
        rates=rates,
        walls=walls,
    )


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
    state = _snapshot(provider)
    if state.paused is not None and state.paused > now:
        return _refuse(provider, start=state.paused, now=now, spacing=state.spacing())
    current = int(now // _slice_seconds())
    taken: list[tuple[str, int]] = []
    for kind, amount in ((REQUESTS, 1), (TOKENS, tokens)):
        if kind not in state.rates or not amount:
            continue
        limit = max(1.0, state.rates[kind])
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
            spacing = state.spacing(kind, amount)
            return _refuse(provider, start=frees_at, now=now, spacing=spacing)
    return Grant(
        provider=provider,
        wait=0.0,
        slice=current,
        tokens=tokens if taken else 0,
        generation=state.generation,
    )


def _refuse(provider: str, *, start: float, now: float, spacing: float) -> Grant:
    """Come back from `start` on, in a slot of your own: the k-th call refused against the
    same start waits k-1 spacings longer, so a backlog wakes at the limit, not at once."""
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
    if rate_limits is None and not (_configured(REQUESTS) or _configured(TOKENS)):
        return  # no limit to raise back, and nothing the provider said to remember
    state = _snapshot(provider)
    shares = {REQUESTS: 1, TOKENS: grant.tokens if used_tokens is None else used_tokens}
    # Granted in the window the last cut measured, at the rates it replaced, and answered
    # only after it (a busy worker hears late): the provider took this call at the wall.
    late = (
        state.cut_slice is not None
        and grant.generation == state.generation - 1
        and grant.slice >= state.cut_slice - SLICES
    )
    raised: dict[str, object] = {}
    for kind, rate in state.rates.items():
        share = shares[kind]
        if not share:
            continue
        # What the provider took in the window, for the cut a later 429 makes.
        _add(_accepted_key(kind, provider, grant.slice), share)
        ceiling = state.ceilings[kind]
        # None known (never cut, or forgotten): the ceiling stands for it.
        wall = state.walls.get(kind) or _Wall(float(ceiling), float(ceiling), -1)
        if late and wall.generation == state.generation and wall.level < wall.rate:
            # The last cut is rebased on the wall it would have measured with this answer.
            level = min(wall.rate, wall.level + share)
            raised[_wall_key(kind, provider)] = (level, wall.rate, wall.generation)
            raised[_rate_key(kind, provider)] = min(float(ceiling), rate + DECREASE * share)
        elif rate < ceiling:
            # Congestion avoidance: a window's worth of successes (rate / share of them)
            # adds INCREASE of the ceiling, and only INCREASE of the wall near it.
            step = INCREASE * (ceiling if rate < NEAR * wall.level else wall.level)
            new_rate = min(float(ceiling), rate + step * share / max(1.0, rate))
            raised[_rate_key(kind, provider)] = new_rate
    if raised:
        cache.set_many(raised, timeout=_memory())
    _heed(provider, state, rate_limits, now=now)


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
    state = _snapshot(provider)
    _heed(provider, state, rate_limits, now=now)
    limited = [each for each in ((kind,) if kind in KINDS else KINDS) if each in state.rates]
    if limited and _first_since_the_last_cut(grant, state):
        cut: dict[str, object] = {}
        for each in limited:
            rate = state.rates[each]
            wall = min(rate, _accepted(each, provider, now=now) or rate)
            cut[_rate_key(each, provider)] = max(1.0, wall * DECREASE)
            cut[_wall_key(each, provider)] = (wall, rate, grant.generation + 1)
        # In the same write as the rates: a call granted under the new generation was
        # granted at the new rates.
        cut[_generation_key(provider)] = (grant.generation + 1, int(now // _slice_seconds()))
        cache.set_many(cut, timeout=_memory())
    if retry_after is not None:
        _pause(provider, state, now + retry_after, now=now)


def _first_since_the_last_cut(grant: Grant, state: _Snapshot) -> bool:
    """Whether this 429 is the first for a call granted at the rates in force.

    A call granted before the last cut was sent at the rates it replaced: its 429, however
    late a busy worker hears it, says nothing about the rates in force. Of the calls
    granted at them, the first 429 to claim their generation (one `add` wins) cuts.
    """
    return grant.generation == state.generation and bool(
        cache.add(f"llm-cut:{grant.provider}:{grant.generation}", 1, timeout=_memory())
    )


def _accepted(kind: str, provider: str, *, now: float) -> int:
    """The calls (or tokens) the provider answered among those granted in the window."""
    current = int(now // _slice_seconds())
    keys = [_accepted_key(kind, provider, back) for back in range(current - SLICES, current + 1)]
    return sum(int(value) for value in cache.get_many(keys).values())


def _heed(provider: str, state: _Snapshot, limits: RateLimits | None, *, now: float) -> None:
    """Remember the limits the provider announced; pause when it says nothing remains."""
    if limits is None:
        return
    for kind, announced, remaining, reset in (
        (REQUESTS, limits.limit_requests, limits.remaining_requests, limits.reset_requests),
        (TOKENS, limits.limit_tokens, limits.remaining_tokens, limits.reset_tokens),
    ):
        if announced and announced != state.announced[kind]:
            cache.set(_announced_key(kind, provider), announced, timeout=_memory())
        if remaining == 0 and reset:
            # A provider refilling as it goes frees one call's worth in window / limit. Azure
            # announces no limit, and its reset is when the whole window is back: the rate in
            # force stands for the limit, or waiting for the reset idles a refilling provider.
            limit = announced or state.rates.get(kind)
            wait = min(reset, window_seconds() / limit) if limit else reset
            _pause(provider, state, now + wait, now=now)


def _pause(provider: str, state: _Snapshot, until: float, *, now: float) -> None:
    if state.paused is None or state.paused < until:
        timeout = max(1, math.ceil(until - now) + 60)
        cache.set(_pause_key(provider), until, timeout=timeout)


# --- Showing --------------------------------------------------------------------------------


def throttle_status(*, provider: str, now: float | None = None) -> ThrottleStatus:
    """The rates in force now, per minute, and any pause the provider asked for."""
    now = time.time() if now is None else now
    state = _snapshot(provider)
    per_minute = 60.0 / window_seconds()
    requests = state.rates.get(REQUESTS)
    tokens = state.rates.get(TOKENS)
    return ThrottleStatus(
        requests_per_minute=None if requests is None else requests * per_minute,
        requests_ceiling=round(state.ceilings[REQUESTS] * per_minute) or None,
        tokens_per_minute=None if tokens is None else tokens * per_minute,
        tokens_ceiling=round(state.ceilings[TOKENS] * per_minute) or None,
        paused_until=datetime.fromtimestamp(state.paused, tz=UTC)
        if state.paused is not None and state.paused > now
        else None,
    )
