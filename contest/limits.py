"""Per-person rate limits on what spends the contest's money: submitting, re-running and
trying a prompt before submitting it (preview runs).

Without them one entrant could queue revisions, re-runs and tries without end and spend
the whole budget. Each action has an allowance per hour (`ENTRY_SUBMITS_PER_HOUR`,
`RUN_RETRIES_PER_HOUR`, `PREVIEWS_PER_HOUR`; 0 = no limit), counted per person in
Django's cache: Redis in production (`CACHE_URL`), so every web process counts against
the same allowance; local memory otherwise, where each process counts on its own.

The window slides: the hour is counted in ten-minute buckets, one cache key each, and
what counts is the takes of the buckets within the last hour, the oldest weighted by the
part of it still inside (a "sliding window counter"). A take is one atomic `incr` of the
current bucket, so two requests at the same moment cannot both take the last place; the
other buckets are read in one `get_many`. Because the oldest bucket's takes are taken as
spread over its ten minutes, the limit and the time to wait are exact to within those ten
minutes, and the time a refusal names is exact for the counts it saw.

The arithmetic is in pure functions of plain numbers; `limit_take` and `limit_give_back`
are the only ones that touch the cache.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import ngettext

WINDOW_SECONDS = 3600
BUCKETS = 6
BUCKET_SECONDS = WINDOW_SECONDS // BUCKETS
# Outlives the hour after its own bucket, during which it still weighs in the count.
_KEY_TIMEOUT = WINDOW_SECONDS + 2 * BUCKET_SECONDS
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
PREVIEW = Action("preview", "PREVIEWS_PER_HOUR")


@dataclass(frozen=True)
class Taken:
    """One place taken from an allowance; giving it back needs its bucket's key."""

    key: str


class RateLimitedError(ValidationError):
    """The person used this action's allowance; the message says from when it is back."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_at = retry_at


# --- The arithmetic (pure) -------------------------------------------------------------------


def window_count(*, counts: Sequence[int], elapsed: float) -> float:
    """Takes in the last hour, estimated from the BUCKETS + 1 buckets that reach into it,
    oldest first, `elapsed` seconds into the current (last) one."""
    oldest, *rest = counts
    return oldest * (1 - elapsed / BUCKET_SECONDS) + sum(rest)


def seconds_until_allowed(*, counts: Sequence[int], elapsed: float, limit: int) -> float:
    """How long until one more take fits under `limit`, no other take coming meanwhile.

    `counts` are as for `window_count`, without the refused take. Bucket by bucket from
    the current one: the oldest bucket's weight shrinks as its bucket passes, and at each
    bucket's end the oldest leaves the hour and an empty one starts.
    """
    buckets = list(counts)
    start, waited = elapsed, 0.0
    for _ in range(len(buckets) + 1):
        oldest, room = buckets[0], limit - 1 - sum(buckets[1:])
        if room >= 0:
            due = BUCKET_SECONDS * (1 - room / oldest) if oldest > room else 0.0
            if due < BUCKET_SECONDS:
                return waited + max(due - start, 0.0)
        waited += BUCKET_SECONDS - start
        start = 0.0
        buckets = [*buckets[1:], 0]
    return waited


def allowance(action: Action) -> int:
    """Takes per hour the setting allows; 0 (or less) means no limit."""
    return max(int(getattr(settings, action.setting)), 0)


# --- The counter in the cache --------------------------------------------------------------


def _key(action: Action, user_id: int, bucket: int) -> str:
    return f"limit:{action.name}:{user_id}:{bucket}"


def _increment(key: str) -> int:
    cache.add(key, 0, timeout=_KEY_TIMEOUT)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr: this take starts the bucket again
        cache.add(key, 1, timeout=_KEY_TIMEOUT)
        return 1


def limit_take(*, action: Action, user_id: int) -> Taken | None:
    """Take one place from the person's allowance for `action`, or raise RateLimitedError.

    None when the action has no limit. The caller gives the place back with
    `limit_give_back` if what it was taken for does not happen after all.
    """
    limit = allowance(action)
    if not limit:
        return None
    now = time.time()
    bucket = int(now // BUCKET_SECONDS)
    elapsed = now - bucket * BUCKET_SECONDS
    key = _key(action, user_id, bucket)
    current = _increment(key)
    earlier = [_key(action, user_id, bucket - back) for back in range(BUCKETS, 0, -1)]
    stored = cache.get_many(earlier)
    counts = [int(stored.get(k) or 0) for k in earlier]
    if window_count(counts=[*counts, current], elapsed=elapsed) <= limit + _EPSILON:
        return Taken(key=key)
    limit_give_back(Taken(key=key))
    wait = seconds_until_allowed(counts=[*counts, current - 1], elapsed=elapsed, limit=limit)
    retry_at = datetime.fromtimestamp(now + math.ceil(wait), tz=UTC)
    raise RateLimitedError(
        refusal_message(action, limit=limit, wait_seconds=wait, retry_at=retry_at),
        retry_at=retry_at,
    )


def limit_give_back(taken: Taken | None) -> None:
    """Return a place whose action did not happen (refused, or rolled back)."""
    if taken is None:
        return
    # A bucket that expired meanwhile has nothing left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(taken.key)


# --- What the person reads -----------------------------------------------------------------


def refusal_message(action: Action, *, limit: int, wait_seconds: float, retry_at: datetime) -> str:
    """The refusal in the active language: the hourly limit, the time it is back (Japan
    time, rounded up to the minute) and how many minutes that is from now."""
    minutes = max(math.ceil(wait_seconds / 60), 1)
    shown = retry_at.astimezone(JAPAN_TIME)
    if shown.second or shown.microsecond:
        shown = shown.replace(second=0, microsecond=0) + timedelta(minutes=1)
    params = {"limit": limit, "time": date_format(shown, "H:i"), "count": minutes}
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
    if action == PREVIEW:
        return (
            ngettext(
                "You have reached the hourly limit for trying prompts (%(limit)d per hour). "
                "You can try again from %(time)s (Japan time), in %(count)d minute. Nothing "
                "was run; what you typed is kept.",
                "You have reached the hourly limit for trying prompts (%(limit)d per hour). "
                "You can try again from %(time)s (Japan time), in %(count)d minutes. Nothing "
                "was run; what you typed is kept.",
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
