"""Per-person rate limits on what spends the contest's money: submitting and re-running.

Without them one entrant could queue revisions and re-runs without end and spend the
whole budget. Each action has an allowance per hour (`ENTRY_SUBMITS_PER_HOUR`,
`RUN_RETRIES_PER_HOUR`; 0 = no limit), counted per person in Django's cache: Redis in
production (`CACHE_URL`), so every web process counts against the same allowance; local
memory otherwise, where each process counts on its own.

The window slides: what counts is this hour-long window's takes plus the previous
window's, weighted by the part of it still inside the last hour (a "sliding window
counter"). Two cache keys per person and action, changed only by the cache's atomic
`incr`/`decr`, so two requests at the same moment cannot both take the last place. The
weighting assumes the previous window's takes were spread evenly, so a burst at the end of
one window and another at the start of the next can pass somewhat more than the allowance
within sixty minutes (never twice as much); in exchange the state is two integers and the
time to wait is exact for the counts seen.

The arithmetic is in pure functions of plain numbers; `limit_take` and `limit_give_back`
are the only ones that touch the cache.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import ngettext

WINDOW_SECONDS = 3600
# Outlives the window after its own, which still weighs in the count.
_KEY_TIMEOUT = 2 * WINDOW_SECONDS + 60
# Float weighting must not refuse a take at the very second it was promised.
_EPSILON = 1e-9
# The contest's clock (deadlines are shown in it too): the person is told when, in it.
JAPAN_TIME = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Action:
    name: str
    setting: str


SUBMIT = Action("submit", "ENTRY_SUBMITS_PER_HOUR")
RETRY = Action("retry", "RUN_RETRIES_PER_HOUR")


@dataclass(frozen=True)
class Taken:
    """One place taken from an allowance; giving it back needs its window's key."""

    key: str


class RateLimitedError(ValidationError):
    """The person used this action's allowance; the message says from when it is back."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_at = retry_at


# --- The arithmetic (pure) -------------------------------------------------------------------


def window_count(*, previous: int, current: int, elapsed: float) -> float:
    """Takes in the last hour, estimated from two windows `elapsed` seconds into the current."""
    return previous * (1 - elapsed / WINDOW_SECONDS) + current


def seconds_until_allowed(*, previous: int, current: int, elapsed: float, limit: int) -> float:
    """How long until one more take fits under `limit`, the counts staying as they are.

    `current` counts this window's takes without the refused one. While this window lasts
    the previous one's weight shrinks; failing that, once the next window starts this
    window's count becomes the one that shrinks.
    """
    room = limit - current - 1
    if room >= 0 and previous > 0:
        due = WINDOW_SECONDS * (1 - room / previous)
        if due < WINDOW_SECONDS:
            return max(due - elapsed, 0.0)
    due_next = WINDOW_SECONDS * (1 - (limit - 1) / current) if current else 0.0
    return WINDOW_SECONDS - elapsed + max(due_next, 0.0)


def allowance(action: Action) -> int:
    """Takes per hour the setting allows; 0 (or less) means no limit."""
    return max(int(getattr(settings, action.setting)), 0)


# --- The counter in the cache --------------------------------------------------------------


def _key(action: Action, user_id: int, window: int) -> str:
    return f"limit:{action.name}:{user_id}:{window}"


def _increment(key: str) -> int:
    cache.add(key, 0, timeout=_KEY_TIMEOUT)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr: this take starts the window again
        cache.add(key, 1, timeout=_KEY_TIMEOUT)
        return 1


def limit_take(*, action: Action, user_id: int, now: float | None = None) -> Taken | None:
    """Take one place from the person's allowance for `action`, or raise RateLimitedError.

    None when the action has no limit. The caller gives the place back with
    `limit_give_back` if what it was taken for does not happen after all.
    """
    limit = allowance(action)
    if not limit:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    elapsed = now - window * WINDOW_SECONDS
    key = _key(action, user_id, window)
    current = _increment(key)
    previous = int(cache.get(_key(action, user_id, window - 1)) or 0)
    if window_count(previous=previous, current=current, elapsed=elapsed) <= limit + _EPSILON:
        return Taken(key=key)
    limit_give_back(Taken(key=key))
    wait = seconds_until_allowed(
        previous=previous, current=current - 1, elapsed=elapsed, limit=limit
    )
    retry_at = datetime.fromtimestamp(now + math.ceil(wait), tz=UTC)
    raise RateLimitedError(
        refusal_message(action, limit=limit, wait_seconds=wait, retry_at=retry_at),
        retry_at=retry_at,
    )


def limit_give_back(taken: Taken | None) -> None:
    """Return a place whose action did not happen (refused, or rolled back)."""
    if taken is None:
        return
    # A window that expired meanwhile has nothing left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(taken.key)


# --- What the person reads -----------------------------------------------------------------


def refusal_message(action: Action, *, limit: int, wait_seconds: float, retry_at: datetime) -> str:
    """The refusal in the active language: the hourly limit, the time it is back (Japan
    time, rounded up to the minute) and how many minutes that is from now."""
    minutes = max(math.ceil(wait_seconds / 60), 1)
    upright = retry_at.astimezone(JAPAN_TIME)
    if upright.second or upright.microsecond:
        upright = upright.replace(second=0, microsecond=0) + timedelta(minutes=1)
    params = {"limit": limit, "time": date_format(upright, "H:i"), "count": minutes}
    if action == SUBMIT:
        return (
            ngettext(
                "You have reached the hourly limit for submitting (%(limit)d per hour). You can "
                "submit again from %(time)s (Japan time), in %(count)d minute. Nothing was "
                "submitted; what you typed is kept, and you can save it as a draft meanwhile.",
                "You have reached the hourly limit for submitting (%(limit)d per hour). You can "
                "submit again from %(time)s (Japan time), in %(count)d minutes. Nothing was "
                "submitted; what you typed is kept, and you can save it as a draft meanwhile.",
                minutes,
            )
            % params
        )
    return (
        ngettext(
            "You have reached the hourly limit for re-running failed runs (%(limit)d per hour). "
            "You can re-run them again from %(time)s (Japan time), in %(count)d minute.",
            "You have reached the hourly limit for re-running failed runs (%(limit)d per hour). "
            "You can re-run them again from %(time)s (Japan time), in %(count)d minutes.",
            minutes,
        )
        % params
    )
