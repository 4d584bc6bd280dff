"""Requests per minute per provider, shared by every worker through Django's cache.

The `llm` queue's worker concurrency is the global throttle on calls in flight; this adds
an optional cap on calls per minute (`settings.LLM_REQUESTS_PER_MINUTE`, 0 = none). The
count lives in the cache (Redis in production when `CACHE_URL` is set), under one key per
provider and clock minute, so every worker on every machine counts against the same
window. A refused request never waits in the worker: the caller puts its run back in the
queue for the moment this module names.
"""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
# Long enough to outlive its window on every worker even with some clock skew.
_KEY_TIMEOUT = 3 * WINDOW_SECONDS


def throttle_acquire(*, provider: str, now: float | None = None) -> float | None:
    """Take one request from this minute's allowance: None if taken, else seconds to wait.

    A refused request is given its own later slot rather than the start of the next
    window: the k-th refusal in a window waits until the next window plus k-1 request
    intervals, so a large backlog spreads out at the allowed rate instead of every run
    waking at once at the top of the minute and being refused again.
    """
    limit = int(settings.LLM_REQUESTS_PER_MINUTE)
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"llm-rpm:{provider}:{window}"
    cache.add(key, 0, timeout=_KEY_TIMEOUT)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=_KEY_TIMEOUT)
        count = 1
    if count <= limit:
        return None
    excess = count - limit
    next_window = (window + 1) * WINDOW_SECONDS
    return next_window - now + (excess - 1) * WINDOW_SECONDS / limit
